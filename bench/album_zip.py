"""Peak memory and throughput of streaming a large album as a ZIP archive.

Writes an album of large originals (2 GB in all by default) straight into a throw-away media
directory and database, then runs the same generator the download view streams, throwing the
bytes away as a client would take them, and prints the process's peak memory before and after.

    .venv/bin/python bench/album_zip.py [--gigabytes 2] [--photo-mb 25]
"""
import argparse
import os
import resource
import time

from throwaway import setup_throwaway_django


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--photo-mb", type=int, default=25)
    args = parser.parse_args()

    work = setup_throwaway_django()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from albums.models import Album, AlbumPhoto
    from albums.services import archive_entries, zip_chunks
    from gallery.models import Photo

    user = get_user_model().objects.create_user("bench", "bench@example.org", "bench-password-1")
    album = Album.objects.create(owner=user, title="Big")
    count = max(1, int(args.gigabytes * 1024 // args.photo_mb))
    size = args.photo_mb * 1024 * 1024
    block = os.urandom(1024 * 1024)
    directory = work / "media" / "photos" / str(user.pk)
    directory.mkdir(parents=True)
    print(f"Writing {count} originals of {args.photo_mb} MB into {directory} ...", flush=True)
    photos = []
    for i in range(count):
        with (directory / f"{i}.jpg").open("wb") as handle:
            for _ in range(args.photo_mb):
                handle.write(block)
        photos.append(
            Photo(
                owner=user, original=f"photos/{user.pk}/{i}.jpg", original_filename="IMG_0001.JPG",
                image_format="JPEG", file_size=size, sha256=f"{i:064x}", width=1, height=1,
                sort_at=timezone.now(),
            )
        )
    Photo.objects.bulk_create(photos)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in Photo.objects.all()])

    before = peak_rss_mb()
    started = time.perf_counter()
    total = largest = 0
    for piece in zip_chunks(archive_entries(album.visible_photos())):
        total += len(piece)
        largest = max(largest, len(piece))
    elapsed = time.perf_counter() - started
    print(f"archive:            {total / 1024**3:.2f} GiB, {count} photos, largest piece {largest / 1024:.0f} KiB")
    print(f"streamed at:        {total / 1024**2 / elapsed:.0f} MiB/s")
    print(f"peak memory before: {before:.0f} MiB")
    print(f"peak memory after:  {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
