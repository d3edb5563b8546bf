"""manage.py import_photos SOURCE --user NAME: bring a whole library in."""
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from tqdm import tqdm

from analysis.services import parse_tag_list
from imports.models import ImportItem
from imports.runner import import_run
from imports.services import EDITED_CHOICES, import_run_for, photo_files, refusals_by_reason
from imports.sources import SourceError, open_source
from pictura.tasks import work_left_to_sweeper


class Command(BaseCommand):
    help = (
        "Import every photo of a folder (recursively), an S3 prefix (s3://bucket/prefix) or a Google Takeout "
        "archive (.zip, .tgz, or its unpacked folder) into a user's library, through the upload's own checks. "
        "Run it again after an interruption: it continues where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("source")
        parser.add_argument("--user", required=True, help="the username whose library the photos join")
        parser.add_argument("--album", default="", help="also put every photo in this album (made if needed)")
        parser.add_argument("--tags", default="", help="comma-separated tags for every new photo")
        parser.add_argument("--edited", choices=EDITED_CHOICES, default="both",
                            help="Takeout's edited copies: " + "; ".join(f"{k}: {v}" for k, v in EDITED_CHOICES.items()))
        parser.add_argument("--workers", type=int, default=1, help="photos decoded at once (up to the cores)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be imported, import nothing")
        parser.add_argument("--report", default="", help="where to write the report (default: import-report-<run>.txt)")

    def handle(self, *args, source, user, album, tags, edited, workers, dry_run, report, verbosity, **options):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"No user named {user!r}.")
        if workers < 1:
            raise CommandError("--workers takes 1 or more.")
        if dry_run:
            return self._dry_run(source)
        try:
            run = import_run_for(owner=owner, source=source, album=album, tags=parse_tag_list(tags), edited=edited)
        except SourceError as exc:
            raise CommandError(str(exc)) from None
        counts = run.counts()
        waiting = counts[ImportItem.State.PENDING]
        if waiting < counts["total"]:
            self.stdout.write(f"Continuing run {run.pk}: {counts['total'] - waiting} of {counts['total']} files done already.")
        started = time.perf_counter()
        tally = {state: 0 for state in ImportItem.State.values}
        with tqdm(total=waiting, unit="photo", disable=verbosity == 0, smoothing=0.1) as bar:
            def done(state, size):
                tally[state] += 1
                bar.update()
                bar.set_postfix(imported=tally["imported"], duplicates=tally["duplicate"], refused=tally["refused"],
                                refresh=False)
            try:
                with work_left_to_sweeper():  # tagging follows in the workers (or `manage.py sweep`)
                    import_run(run, workers=workers, done=done)
            except KeyboardInterrupt:
                bar.close()
                raise CommandError(f"Stopped. Run the same command again to continue: {sum(tally.values())} files "
                                   "were done this time.") from None
        self._summary(run, time.perf_counter() - started, report)

    def _summary(self, run, seconds, report):
        run.refresh_from_db()
        counts = run.counts()
        lines = [
            f"Import of {run.source} for {run.owner.username} (run {run.pk}): {run.get_state_display().lower()}",
            f"  imported    {counts['imported']:>7}  ({filesizeformat(counts['bytes'])})",
            f"  duplicates  {counts['duplicate']:>7}  (already in the library)",
            f"  refused     {counts['refused']:>7}",
            *(f"    {count:>7} × {reason}" for reason, count in refusals_by_reason(run)),
            f"  left out    {counts['skipped']:>7}",
            f"  this time   {seconds:.0f} s",
            "Tagging and faces follow in the background: Celery workers, or `manage.py sweep` (`make run` starts it).",
        ]
        path = Path(report or f"import-report-{run.pk}.txt")
        with path.open("w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n\nFile\tOutcome\tWhy\n")
            for item in run.items.exclude(state=ImportItem.State.IMPORTED).order_by("path"):
                out.write(f"{item.path}\t{item.get_state_display()}\t{item.message}\n")
        self.stdout.write("\n".join(lines))
        self.stdout.write(f"Every file not imported, and why: {path}")

    def _dry_run(self, source):
        try:
            files, _, is_takeout = photo_files(open_source(source))
        except SourceError as exc:
            raise CommandError(str(exc)) from None
        kind = "a Google Takeout" if is_takeout else "plain files"
        self.stdout.write(f"{source}: {kind}, {len(files)} files, {filesizeformat(sum(e.size for e in files))}. "
                          "Nothing was imported (--dry-run).")
