"""Ingest throughput against the bare decode rate of the same files.

Makes N synthetic 12-megapixel JPEGs, then measures in one run:
- decode: Pillow opening and fully decoding each file, nothing else;
- ingest: `gallery.services.photo_ingest`, the service the upload view calls: content check,
  SHA-256, EXIF, storing the original, the database row, and both renditions (which run
  in-process right after the commit, as with no broker configured);
- ingest in one decode: the same with ``render_now`` (imports, uploads ingested by a task): the
  renditions made from the decode that checks the file.

Runs against a throw-away SQLite database and media directory, never the development ones.

    .venv/bin/python bench/ingest.py [--count 20] [--noise 12]
"""
import argparse
import time
from pathlib import Path

from throwaway import setup_throwaway_django


def make_photos(directory: Path, count: int, noise: float) -> list[Path]:
    from PIL import Image

    paths = []
    size = (4000, 3000)
    for i in range(count):
        # Gradients under noise: with the default noise a 12 MP file is 3-4 MB at quality 90,
        # what a phone camera writes; flat colour would compress to almost nothing.
        gradient = Image.linear_gradient("L").resize(size)
        grain = Image.effect_noise(size, noise + i / 10)
        image = Image.merge("RGB", (gradient, grain, gradient.rotate(90, expand=False)))
        path = directory / f"synthetic-{i:03}.jpg"
        image.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def decode_rate(paths: list[Path]) -> float:
    from PIL import Image

    started = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            image.load()
    return len(paths) / (time.perf_counter() - started)


def ingest_rate(paths: list[Path], *, render_now: bool) -> float:
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from gallery.models import Photo
    from gallery.services import photo_ingest

    name = "bench-one-decode" if render_now else "bench"
    user = get_user_model().objects.create_user(name, f"{name}@example.org", "bench-password-1")
    started = time.perf_counter()
    for path in paths:
        with path.open("rb") as handle:
            photo_ingest(owner=user, upload=File(handle, name=path.name), render_now=render_now)
    elapsed = time.perf_counter() - started
    ready = Photo.objects.filter(owner=user, renditions_state=Photo.Renditions.READY).count()
    assert ready == len(paths), f"only {ready} of {len(paths)} photos have renditions"
    return len(paths) / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="how many 12 MP photos (default 20)")
    parser.add_argument(
        "--noise", type=float, default=12, help="grain strength; 40 makes 7-8 MB files (default 12)"
    )
    args = parser.parse_args()

    # Renditions in-process, so they are inside the timing; tagging has its own benchmark.
    work = setup_throwaway_django(PICTURA_ANALYSE_UPLOADS="false")

    print(f"Making {args.count} synthetic 4000×3000 JPEGs in {work} ...", flush=True)
    photos_dir = work / "photos"
    photos_dir.mkdir()
    paths = make_photos(photos_dir, args.count, args.noise)
    average_mb = sum(p.stat().st_size for p in paths) / len(paths) / 1e6

    decode = decode_rate(paths)
    ingest = ingest_rate(paths, render_now=False)
    one_decode = ingest_rate(paths, render_now=True)
    print(f"photos:                {len(paths)} × 12.0 MP, {average_mb:.1f} MB each on average")
    print(f"bare Pillow decode:    {decode:6.2f} photos/s")
    print(f"ingest (full service): {ingest:6.2f} photos/s   {ingest / decode:4.0%} of decode (target: 50 %)")
    print(f"ingest in one decode:  {one_decode:6.2f} photos/s   {one_decode / decode:4.0%} of decode (target: 90 %)")


if __name__ == "__main__":
    main()
