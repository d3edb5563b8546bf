"""Milliseconds and SQL queries per page, for a library of N photos.

Fills a throw-away SQLite database with N photo rows for one user (rows only: the pages
measured never read files), then requests the gallery's first and last pages and a photo page
through Django's test client, many times each, and prints the median time and the query count.

    .venv/bin/python bench/pages.py [--photos 5000] [--repeat 50]
"""
import argparse
import statistics
import time
from datetime import timedelta

from throwaway import setup_throwaway_django


def fill_library(user, count: int):
    from django.utils import timezone

    from gallery.models import Photo

    now = timezone.now()
    rows = [
        Photo(
            owner=user,
            original=f"photos/{user.pk}/{i}.jpg",
            thumbnail=f"renditions/{user.pk}/{i}/thumbnail.jpg",
            preview=f"renditions/{user.pk}/{i}/preview.jpg",
            renditions_state=Photo.Renditions.READY,
            original_filename=f"IMG_{i:05}.jpg",
            image_format="JPEG",
            file_size=3_500_000,
            sha256=f"{i:064x}",
            width=4000,
            height=3000,
            camera_make="Canon",
            camera_model="Canon EOS 40D",
            sort_at=now - timedelta(hours=i),
        )
        for i in range(count)
    ]
    Photo.objects.bulk_create(rows, batch_size=1000)
    return Photo.objects.owned_by(user).newest_first()[count // 2]


def measure(client, path: str, repeat: int) -> tuple[float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the log is capped; the bulk insert above may have filled it
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    setup_throwaway_django(DJANGO_ALLOWED_HOSTS="testserver")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_user("bench", "bench@example.org", "bench-password-1")
    middle = fill_library(user, args.photos)
    client = Client()
    client.force_login(user)
    last_page = -(-args.photos // settings.PICTURA_PHOTOS_PER_PAGE)

    print(f"{args.photos} photos, {settings.PICTURA_PHOTOS_PER_PAGE} per page, median of {args.repeat} requests")
    for label, path in [
        ("gallery, first page", "/"),
        (f"gallery, page {last_page}", f"/?page={last_page}"),
        ("photo page", middle.get_absolute_url()),
    ]:
        ms, queries = measure(client, path, args.repeat)
        print(f"{label:22} {ms:7.1f} ms  {queries:3} SQL queries")


if __name__ == "__main__":
    main()
