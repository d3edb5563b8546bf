from django.conf import settings
from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat

from gallery.models import Photo
from gallery.services import photos_delete_for_good


def _size(size: int) -> str:
    return filesizeformat(size).replace("\xa0", " ")  # a plain space reads better in a log


class Command(BaseCommand):
    help = """Delete for good the photos that have been in the trash longer than
    PICTURA_TRASH_DAYS (originals, renditions and rows), and say what was done.
    Safe to run as often as you like, e.g. daily from cron or an EB scheduled task."""

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only say what would be deleted")

    def handle(self, *args, dry_run=False, **options):
        expired = Photo.objects.trash_expired()
        days = settings.PICTURA_TRASH_DAYS
        if dry_run:
            totals = expired.totals()
            self.stdout.write(
                f"Would delete {totals['in_trash']} photo(s), {_size(totals['bytes'])}, "
                f"in the trash for more than {days} days."
            )
            return
        deleted, freed, failures = photos_delete_for_good(expired)
        self.stdout.write(
            f"Deleted {deleted} photo(s), {_size(freed)}, "
            f"in the trash for more than {days} days."
        )
        if failures:
            self.stderr.write(f"{failures} photo(s) could not be deleted (storage unavailable); run again later.")
