"""Requests per second and milliseconds of the API's photo list and photo detail, at the size of
a real library, over HTTP to gunicorn as production serves them.

Fills a throw-away database (as bench/pages.py does: one user of N photos, two of N/2, rows
only) and makes the first user a personal token. Then, for each request: the SQL queries of
one (through Django's test client), the median time of --repeat requests one after another on
one keep-alive connection, and the requests per second of --clients connections at once for
--seconds, against gunicorn with --workers processes on loopback.

    .venv/bin/python bench/api.py [--photos 100000] [--database postgres] [--workers 2] [--clients 4]
"""
import argparse
import http.client
import os
import random
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from pages import drop_postgres, postgres_url  # noqa: E402 - beside this file
from throwaway import setup_throwaway_django  # noqa: E402


def api_requests(user) -> list[tuple[str, str]]:
    """(what, path) of the requests measured."""
    from gallery.models import Library, Photo
    from pictura.pagination import photo_key

    ordered = Photo.objects.visible_to(user).newest_first().only("pk", "sort_at")
    count = Library.of(user.pk).photos
    middle, quarter = ordered[count // 2], ordered[count // 4]
    return [
        ("photo list, first page (100)", "/api/v1/photos/"),
        ("photo list, page in the middle", f"/api/v1/photos/?cursor={photo_key(middle)}"),
        ("photo list, search q=dog", "/api/v1/photos/?q=dog"),
        ("photo detail", f"/api/v1/photos/{quarter.pk}/"),
        ("tags", "/api/v1/tags/"),
        ("albums", "/api/v1/albums/"),
    ]


def one_client(port: int, path: str, headers: dict, until: float, counts: list, errors: list):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = 0
    while time.perf_counter() < until:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            errors.append(response.status)
        done += 1
    counts.append(done)
    connection.close()


def sequential_ms(port: int, path: str, headers: dict, repeat: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
        timings.append((time.perf_counter() - started) * 1000)
    connection.close()
    return statistics.median(timings[1:])  # the first warms the worker's connection


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args()

    database_url = postgres_url() if args.database == "postgres" else ""
    work = setup_throwaway_django(database_url=database_url, DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1",
                                  DJANGO_DEBUG="false", PICTURA_API_REQUESTS_PER_MINUTE="100000000")
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.api_tokens import api_token_create
    from pictura.testing.library import fill_library
    from pictura.testing.servers import GunicornSite

    gunicorn = None
    try:
        users = [get_user_model().objects.create_user(name, f"{name}@example.org", "bench-password-1")
                 for name in ("bench", "second", "third")]
        started = time.perf_counter()
        fill_library({users[0].pk: args.photos, users[1].pk: args.photos // 2, users[2].pk: args.photos // 2},
                     random.Random(7))
        if args.database == "postgres":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        _, secret = api_token_create(owner=users[0], name="bench", scope="read", valid_days=None)
        headers = {"Authorization": f"Bearer {secret}", "Host": "127.0.0.1"}
        print(f"{date.today()}: {args.database}, one user of {args.photos:,} photos, two of {args.photos // 2:,} "
              f"(filled in {time.perf_counter() - started:.0f} s); gunicorn {args.workers} workers, "
              f"{args.clients} clients at once for {args.seconds:.0f} s; {os.cpu_count()} cores", flush=True)

        client = Client(HTTP_AUTHORIZATION=headers["Authorization"])
        gunicorn = GunicornSite(env={**os.environ}, log=work / "gunicorn.log", workers=args.workers)
        gunicorn.start()
        print(f"{'request':32} {'queries':>7} {'median ms':>9} {'requests/s':>10}")
        for label, path in api_requests(users[0]):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200, path
            ms = sequential_ms(gunicorn.port, path, headers, args.repeat)
            counts, errors = [], []
            until = time.perf_counter() + args.seconds
            threads = [threading.Thread(target=one_client, args=(gunicorn.port, path, headers, until, counts, errors))
                       for _ in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors, errors[:5]
            print(f"{label:32} {len(queries):7} {ms:9.1f} {sum(counts) / args.seconds:10.0f}", flush=True)
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        if args.database == "postgres":
            from django.db import connections

            connections.close_all()
            drop_postgres()


if __name__ == "__main__":
    main()
