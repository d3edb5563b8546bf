"""Grouping faces into people at library scale, with made-up descriptions.

Fills a throw-away database with one user's N faces (two per photo) belonging to P people:
each person a point in dlib's 128-dimensional space, each face that point plus noise (same
person ~0.3 apart, different people ~1.0, as dlib's descriptions of real faces are). Then:

1. `people --regroup` from scratch: seconds, faces per second, and how right it is (people
   found, people split in several groups, groups mixing people).
2. The work per new photo once the library holds them all: ms to record and group two faces.

    .venv/bin/python bench/people.py [--faces 10000] [--people 250] [--postgres]

--postgres uses a database made for the purpose on BENCH_DATABASE_ADMIN_URL (default: the local
PostgreSQL `make test` uses) instead of SQLite.
"""
import argparse
import os
import statistics
import time
from collections import defaultdict

import numpy as np
from throwaway import setup_throwaway_django


def postgres_url() -> str:
    import psycopg

    admin_url = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
        connection.execute("DROP DATABASE IF EXISTS pictura_bench_people")
        connection.execute("CREATE DATABASE pictura_bench_people")
    return admin_url.rsplit("/", 1)[0] + "/pictura_bench_people"


def make_library(user, faces: int, people: int, random) -> dict[int, int]:
    """Photos and faces (no person yet); returns {face pk: the person it really is}."""
    from analysis.models import Face
    from pictura.testing.factories import photo_row

    centres = random.normal(size=(people, 128))
    centres *= 0.7 / np.linalg.norm(centres, axis=1, keepdims=True)
    photos = [photo_row(user) for _ in range(faces // 2)]
    truth, rows = [], []
    for i in range(faces):
        who = int(random.integers(people))
        noise = random.normal(size=128)
        embedding = (centres[who] + noise / np.linalg.norm(noise) * random.uniform(0.1, 0.2)).astype(np.float32)
        rows.append(Face(
            photo=photos[i // 2], source="local", left=0.1 + 0.5 * (i % 2), top=0.1, width=0.2, height=0.3,
            confidence=99, size=200, sharpness=80, embedding=embedding.tobytes(),
        ))
        truth.append(who)
    created = Face.objects.bulk_create(rows, batch_size=1000)
    return {face.pk: who for face, who in zip(created, truth, strict=True)}, centres


def correctness(truth: dict[int, int]) -> tuple[int, int, int]:
    """(groups, people split over several groups, groups holding more than one person)."""
    from analysis.models import Face

    groups_of, people_in = defaultdict(set), defaultdict(set)
    for face_pk, person_pk in Face.objects.values_list("pk", "person_id"):
        groups_of[truth[face_pk]].add(person_pk)
        people_in[person_pk].add(truth[face_pk])
    split = sum(1 for groups in groups_of.values() if len(groups) > 1)
    mixed = sum(1 for people in people_in.values() if len(people) > 1)
    return len(people_in), split, mixed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=250)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    setup_throwaway_django(database_url=postgres_url() if args.postgres else "")

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from analysis.faces import Face as FoundFace
    from analysis.people import people_regroup, photo_replace_faces
    from pictura.testing.factories import photo_row

    random = np.random.default_rng(7)
    user = get_user_model().objects.create_user("bench", "bench@example.org", "bench-password-1")
    truth, centres = make_library(user, args.faces, args.people, random)
    print(f"{args.faces} faces of {args.people} people, on {connection.vendor}")

    started = time.perf_counter()
    placed = people_regroup(user)
    elapsed = time.perf_counter() - started
    groups, split, mixed = correctness(truth)
    print(f"regroup from scratch: {elapsed:6.2f} s, {placed / elapsed:8.0f} faces/s; "
          f"{groups} groups, {split} people split, {mixed} groups mixing people")

    timings = []
    for _ in range(50):
        photo = photo_row(user)
        found = []
        for left in (0.1, 0.6):
            noise = random.normal(size=128)
            embedding = centres[random.integers(args.people)] + noise / np.linalg.norm(noise) * 0.15
            found.append(FoundFace(box=(left, 0.1, 0.2, 0.3), confidence=99, size=200, sharpness=80,
                                   embedding=tuple(float(x) for x in embedding)))
        started = time.perf_counter()
        with transaction.atomic():
            photo_replace_faces(photo=photo, source="local", found=found, crops=["", ""])
        timings.append((time.perf_counter() - started) * 1000)
    print(f"a new photo with two faces, in a library of {args.faces}: {statistics.median(timings):6.1f} ms (median of 50)")


if __name__ == "__main__":
    main()
