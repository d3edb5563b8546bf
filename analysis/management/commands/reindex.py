import time
from datetime import datetime
from datetime import time as day_start

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone
from tqdm import tqdm

from analysis.models import PhotoAnalysis
from analysis.services import photos_mark_for_analysis, photos_queue_analysis
from analysis.taggers import TAGGERS
from analysis.tasks import analyse_photo
from gallery.models import Photo


class Command(BaseCommand):
    help = """Tag photos again, inline or on the Celery workers.

    Which photos: --unfinished (the default: never analysed, waiting, failed, or left running
    by a worker that was lost), --failed, or --all; narrowed by --user and --since. Photos are
    first marked waiting, so an interrupted run is finished by running `reindex` again (with no
    option): photos already done are not done twice."""

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--unfinished", action="store_true",
            help="photos never analysed, waiting, failed or stuck running (default)",
        )
        which.add_argument("--failed", action="store_true", help="photos whose analysis failed")
        which.add_argument("--all", action="store_true", help="every photo outside the trash")
        parser.add_argument("--user", help="only this user's photos (username)")
        parser.add_argument("--since", help="only photos uploaded on or after this day (YYYY-MM-DD)")
        parser.add_argument("--tagger", choices=sorted(TAGGERS), help="instead of PICTURA_TAGGER")
        parser.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
        parser.add_argument("--async", action="store_true", dest="queue", help="queue to the workers")

    def handle(self, *args, **options):
        ids = list(self.selected_photos(options).order_by("pk").values_list("pk", flat=True))
        if options["dry_run"]:
            self.stdout.write(f"Would analyse {len(ids)} photo(s){self.describe(options)}.")
            return
        if options["queue"]:
            photos_queue_analysis(ids, tagger_name=options["tagger"])
            self.stdout.write(f"Queued {len(ids)} photo(s){self.describe(options)} for the workers.")
            return
        # Waiting first: whatever an interrupted run leaves is what `reindex` picks up next.
        photos_mark_for_analysis(ids, tagger_name=options["tagger"])
        self.run_inline(ids, options["tagger"])

    def selected_photos(self, options):
        photos = Photo.objects.live()
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user is called {options['user']!r}.")
            photos = photos.filter(owner=user)
        if options["since"]:
            try:
                day = datetime.strptime(options["since"], "%Y-%m-%d").date()
            except ValueError:
                raise CommandError(f"--since {options['since']!r} is not a date like 2026-01-31.") from None
            photos = photos.filter(uploaded_at__gte=timezone.make_aware(datetime.combine(day, day_start.min)))
        if options["all"]:
            return photos
        if options["failed"]:
            return photos.filter(analysis__state=PhotoAnalysis.State.FAILED)
        State = PhotoAnalysis.State
        return photos.filter(
            Q(analysis__isnull=True)
            | Q(analysis__state__in=[State.PENDING, State.FAILED])
            | Q(analysis__state=State.RUNNING, analysis__due_at__lte=timezone.now())
        )

    def describe(self, options) -> str:
        which = "failed" if options["failed"] else "all" if options["all"] else "unfinished"
        parts = [which]
        if options["user"]:
            parts.append(f"of {options['user']}")
        if options["since"]:
            parts.append(f"uploaded since {options['since']}")
        return f" ({', '.join(parts)})"

    def run_inline(self, ids, tagger_name):
        started = time.monotonic()
        done = failed = 0
        try:
            for pk in tqdm(ids, desc="Analysing", unit="photo", file=self.stderr, disable=not ids):
                analyse_photo.apply(args=[pk, tagger_name])
                state = PhotoAnalysis.objects.filter(photo_id=pk).values_list("state", flat=True).first()
                if state == PhotoAnalysis.State.DONE:
                    done += 1
                else:
                    failed += 1
        except KeyboardInterrupt:
            left = len(ids) - done - failed
            self.stdout.write(f"\nInterrupted: {left} photo(s) still waiting; run `manage.py reindex` to finish them.")
        elapsed = time.monotonic() - started
        rate = f", {(done + failed) / elapsed:.1f} photos/s" if elapsed > 0 and done + failed else ""
        self.stdout.write(f"Analysed {done + failed} photo(s) in {elapsed:.1f} s{rate}: {done} done, {failed} failed.")
