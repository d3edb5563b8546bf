from django.core.management.base import BaseCommand
from tqdm import tqdm

from analysis.services import photo_locate
from gallery.models import Photo


class Command(BaseCommand):
    help = """Place photos from their GPS position (city, region, country, and the same as tags),
    without tagging them again: for photos analysed before places existed. Safe to run twice;
    by default only photos not placed yet."""

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="place every photo with a location again")

    def handle(self, *args, **options):
        photos = Photo.objects.live().filter(latitude__isnull=False, longitude__isnull=False)
        if not options["all"]:
            photos = photos.filter(place__isnull=True)
        placed = 0
        for photo in tqdm(photos.iterator(), total=photos.count(), unit="photo", file=self.stderr):
            placed += photo_locate(photo=photo) is not None
        self.stdout.write(f"Placed {placed} photo(s).")
