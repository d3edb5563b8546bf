"""Import throughput: `manage.py import_photos` against the bare decode rate of the same files.

Makes N phone-sized JPEGs (12 MP, as bench/ingest.py makes them) in a folder, then in one
run measures:
- decode: Pillow opening and fully decoding each file, one core, nothing else;
- import, 1 worker and 2 workers: the command on the folder (a user each, so nothing is a
  duplicate): the upload's checks, SHA-256, metadata, storing the original and both renditions
  made from the decode that checked the file, the rows; tagging is left to the workers;
- import of a Takeout-shaped .zip (album folders, year folders, a JSON sidecar per photo);
- tagging: the analysis the imports left due, as `manage.py sweep` runs it (local models, one core).

Runs against a throw-away SQLite database and media directory, never the development ones.

    .venv/bin/python bench/import.py [--count 500] [--takeout 100] [--tag 50]
"""
import argparse
import io
import json
import logging
import os
import tempfile
import time
import zipfile
from pathlib import Path

from ingest import decode_rate, make_photos
from throwaway import setup_throwaway_django


def import_rate(source: Path, username: str, workers: int) -> tuple[float, int]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from gallery.models import Photo

    # The full tier: no quota, which 500 photos of 6 MB would pass in the basic one.
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "bench-password-1", tier="full")
    started = time.perf_counter()
    call_command("import_photos", str(source), user=username, workers=workers, verbosity=0, stdout=io.StringIO(),
                 report=str(Path(tempfile.gettempdir()) / f"pictura-import-report-{username}.txt"))
    elapsed = time.perf_counter() - started
    imported = Photo.objects.filter(owner=user, renditions_state=Photo.Renditions.READY).count()
    return imported / elapsed, imported


def takeout_zip(paths: list[Path], target: Path) -> Path:
    """The photos as Google Takeout packs them: year folders, one album folder holding a fifth of
    them again, a sidecar with a capture time and a place beside each."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for n, path in enumerate(paths):
            folders = ["Photos from 2021"] + (["Summer in Lisbon"] if n % 5 == 0 else [])
            sidecar = {"title": path.name, "photoTakenTime": {"timestamp": str(1_625_000_000 + n * 3600)},
                       "geoData": {"latitude": 38.7 + n / 1000, "longitude": -9.1, "altitude": 0.0}}
            for folder in folders:
                archive.write(path, f"Takeout/Google Photos/{folder}/{path.name}")
                archive.writestr(f"Takeout/Google Photos/{folder}/{path.name}.json", json.dumps(sidecar))
        archive.writestr("Takeout/Google Photos/Summer in Lisbon/metadata.json", json.dumps({"title": "Summer in Lisbon"}))
    return target


def tagging_rate(limit: int) -> tuple[float, int]:
    """Photos/s of the analysis the imports left due, run as the sweeper runs it."""
    from analysis.models import PhotoAnalysis
    from analysis.tasks import analyse_photo

    due = list(PhotoAnalysis.objects.filter(state=PhotoAnalysis.State.PENDING).values_list("photo_id", flat=True)[:limit])
    analyse_photo.apply(args=(due[0],))  # loads the models: not part of the rate
    started = time.perf_counter()
    for photo_id in due[1:]:
        analyse_photo.apply(args=(photo_id,))
    return (len(due) - 1) / (time.perf_counter() - started), len(due) - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="phone-sized JPEGs in the folder (default 500)")
    parser.add_argument("--takeout", type=int, default=100, help="of them, packed as a Takeout .zip (default 100)")
    parser.add_argument("--tag", type=int, default=50, help="photos tagged afterwards to time the workers (default 50)")
    parser.add_argument("--photos", type=Path, help="a folder of JPEGs an earlier run made, instead of new ones")
    args = parser.parse_args()

    work = setup_throwaway_django(PICTURA_ANALYSE_UPLOADS="true")
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # a line per tagged photo otherwise
    folder = args.photos or work / "photos"
    if args.photos:
        paths = sorted(folder.glob("*.jpg"))[: args.count]
    else:
        folder.mkdir()
        print(f"Making {args.count} synthetic 4000×3000 JPEGs in {folder} ...", flush=True)
        paths = make_photos(folder, args.count, noise=12)
    average_mb = sum(p.stat().st_size for p in paths) / len(paths) / 1e6

    decode = decode_rate(paths)
    one, imported_one = import_rate(folder, "one-worker", 1)
    two, imported_two = import_rate(folder, "two-workers", 2)
    archive = takeout_zip(paths[: args.takeout], work / "takeout.zip")
    takeout, imported_takeout = import_rate(archive, "takeout", 2)
    tagging, tagged = tagging_rate(args.tag)
    assert imported_one == imported_two == len(paths), (imported_one, imported_two)

    print(f"photos:               {len(paths)} × 12.0 MP JPEG, {average_mb:.1f} MB each on average; {os.cpu_count()} cores")
    print(f"bare Pillow decode:   {decode:6.2f} photos/s (one core)")
    print(f"import, 1 worker:     {one:6.2f} photos/s   {one / decode:4.0%} of decode   (target: 90 %)")
    print(f"import, 2 workers:    {two:6.2f} photos/s   {two / one:4.2f}× one worker (target: 1.7×)")
    print(f"Takeout .zip, 2 w.:   {takeout:6.2f} photos/s   ({imported_takeout} photos, sidecars and an album)")
    print(f"tagging afterwards:   {tagging:6.2f} photos/s   ({tagged} photos, local models, one core)")


if __name__ == "__main__":
    main()
