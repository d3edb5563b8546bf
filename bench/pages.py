"""Milliseconds and SQL queries for every page, at the size of a real library.

Fills a throw-away database with one user of N photos and two of N/2 each (rows only: the pages
measured never read files; what each photo has is in pictura/testing/library.py: 8 tags, an
analysis, faces, places, albums). Then every page is requested through Django's test client, as
the user of N photos: the median time of --repeat requests and the SQL queries of one.

--database sqlite makes a temporary SQLite file; postgres makes a database on
BENCH_DATABASE_ADMIN_URL (default: the local server `make test` uses) and drops it at the end;
both runs the two, one after the other, each in a process of its own.

    .venv/bin/python bench/pages.py [--photos 100000] [--database both] [--repeat 7]
"""
import argparse
import logging
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "pictura_bench_pages"


def measure(client, path: str, repeat: int) -> tuple[float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    count = len(queries)  # now: the next request clears the log it reads
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), count


def postgres_url() -> str:
    import psycopg

    admin_url = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    postgres_url.kept = admin_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    return postgres_url.kept


def drop_postgres():
    import psycopg

    admin_url = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def run(database: str, photos: int, repeat: int, keep: bool = False):
    """One database's fill and pages, in this process (Django is set up once per process)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from throwaway import setup_throwaway_django

    setup_throwaway_django(  # as in production: without DEBUG's bookkeeping of every query
        database_url=postgres_url() if database == "postgres" else "", DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_DEBUG="false",
    )
    from django.contrib.auth import get_user_model
    from django.test import Client

    from pictura.testing.library import fill_library, library_pages

    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise
    try:
        users = [
            get_user_model().objects.create_user(name, f"{name}@example.org", "bench-password-1")
            for name in ("bench", "second", "third")
        ]
        started = time.perf_counter()
        timings = fill_library({users[0].pk: photos, users[1].pk: photos // 2, users[2].pk: photos // 2}, random.Random(7))
        if database == "postgres":
            # As autovacuum leaves a table that has settled: visibility map set, so counts can be
            # answered from indexes alone.
            from django.db import connection

            started_vacuum = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            timings["vacuum"] = time.perf_counter() - started_vacuum
        print(
            f"{database}: filled {photos + 2 * (photos // 2):,} photos in {time.perf_counter() - started:.1f} s ("
            + ", ".join(f"{part} {seconds:.1f} s" for part, seconds in timings.items()) + ")",
            flush=True,
        )
        client = Client()
        client.force_login(users[0])
        client.get("/")  # the first request after signing in also updates the session
        print(f"{'page':32} {'median ms':>9} {'queries':>7}")
        for label, path in library_pages(users[0]):
            ms, queries = measure(client, path, repeat)
            print(f"{label:32} {ms:9.1f} {queries:7}", flush=True)
    finally:
        if database == "postgres" and keep:
            print(f"kept: DATABASE_URL={postgres_url.kept}")
        elif database == "postgres":
            from django.db import connections

            connections.close_all()
            drop_postgres()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="leave the PostgreSQL database for EXPLAIN")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)  # one child's part
    args = parser.parse_args()
    if args.only:
        run(args.only, args.photos, args.repeat, args.keep)
        return
    print(f"{date.today()}: one user of {args.photos:,} photos, two of {args.photos // 2:,}; median of {args.repeat}")
    for database in ("sqlite", "postgres") if args.database == "both" else (args.database,):
        subprocess.run(
            [sys.executable, __file__, "--only", database, "--photos", str(args.photos), "--repeat", str(args.repeat)]
            + ["--keep"] * args.keep,
            check=True,
        )


if __name__ == "__main__":
    main()
