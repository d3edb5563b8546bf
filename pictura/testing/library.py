"""A library of the size people have, filled fast: for bench/pages.py (100,000 photos) and for
the tests that count each page's queries at 10 and at 1,000 photos.

Each photo has 8 tags (a vocabulary of 300: the local tagger's, made-up towns, "holiday" by hand
on one in twenty), an analysis, a face on one in four (200 people a user, 50 of them named) and a
place on half; each user has 30 albums of up to 2,000 photos. Rows only, no files. PostgreSQL is
filled with COPY, SQLite with executemany.
"""
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Max

from albums.models import Album, AlbumPhoto
from analysis.models import Face, Person, PhotoAnalysis, PhotoPlace, PhotoTag, Tag
from gallery.models import Photo
from gallery.signals import recounting

ROOT = Path(__file__).resolve().parent.parent.parent
TAGS_PER_PHOTO = 8
ALBUMS_PER_USER = 30
PHOTOS_PER_ALBUM = 2000
PEOPLE_PER_USER = 200


# The commonest tags first: the searches of bench/pages.py find photos in a library of any size.
COMMONEST = ["outdoor", "dog", "nature", "person", "building", "plant", "beach", "car"]


def vocabulary() -> list[str]:
    """300 tag names, commonest first: the local tagger's vocabulary, made-up towns, "holiday"."""
    classes = json.loads((ROOT / "analysis" / "taggers" / "imagenet_tags.json").read_text())
    names = COMMONEST + sorted({tag.lower() for entry in classes for tag in entry["tags"]} - set(COMMONEST))
    return [*names, *(f"town {n}" for n in range(300 - len(names) - 1)), "holiday"]


def insert(model, columns: list[str], rows) -> int:
    """Rows (tuples in the order of ``columns``) into the model's table: COPY on PostgreSQL,
    executemany on SQLite."""
    table = model._meta.db_table
    names = ", ".join(connection.ops.quote_name(column) for column in columns)  # "left" is a keyword
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            rows = list(rows)
            count = len(rows)
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
    return count


def stamp(moment: datetime):
    """A datetime as the database column takes it (SQLite keeps text)."""
    return moment if connection.vendor == "postgresql" else moment.isoformat(sep=" ")


def uuid_of(number: int):
    """A UUID as the database column takes it (SQLite keeps 32 hex digits)."""
    value = uuid.UUID(int=number)
    return value if connection.vendor == "postgresql" else value.hex


def fill_library(counts: dict[int, int], rng: random.Random) -> dict[str, float]:
    """Photos and everything around them for users {user pk: photo count}; returns the time
    each part took, in seconds. One transaction: in autocommit SQLite would sync every row."""
    with transaction.atomic():
        return _fill(counts, rng)


def _fill(counts: dict[int, int], rng: random.Random) -> dict[str, float]:
    timings = {}
    started = time.perf_counter()
    names = vocabulary()
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
    # Zipf-like: the commonest tags are on most photos, the rarest on one in a few hundred.
    common = [tag_ids[name] for name in names if name != "holiday"]
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(common))]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    photo_columns = [
        "id", "owner_id", "uuid", "title", "description", "original", "original_filename", "image_format",
        "file_size", "sha256", "shareable_original", "thumbnail", "preview", "renditions_state",
        "renditions_attempts", "renditions_error", "renditions_due_at", "width", "height", "orientation",
        "taken_at", "camera_make", "camera_model", "lens", "exposure_time", "f_number", "iso", "focal_length",
        "latitude", "longitude", "uploaded_at", "sort_at", "deleted_at", "author", "credit", "copyright",
        "file_keywords",
    ]
    photo_ids: dict[int, list[int]] = {}
    next_id = (Photo.objects.aggregate(Max("id"))["id__max"] or 0) + 1

    def photos():
        nonlocal next_id
        for owner, count in counts.items():
            photo_ids[owner] = []
            for n in range(count):
                pk, next_id = next_id, next_id + 1
                photo_ids[owner].append(pk)
                taken = now - timedelta(minutes=n * 50 + rng.randrange(40))  # about 10 years for 100,000
                located = n % 2 == 0
                yield (
                    pk, owner, uuid_of(pk), "", "", f"photos/{owner}/{pk}.jpg", f"IMG_{n:06}.jpg", "JPEG",
                    3_500_000, f"{pk:064x}", "", f"renditions/{owner}/{pk}/thumbnail.jpg",
                    f"renditions/{owner}/{pk}/preview.jpg", "ready", 1, "", None, 4000, 3000, 1,
                    stamp(taken), "Canon", "Canon EOS 40D", "", "1/125", 5.6, 200, 35.0,
                    43.46 if located else None, 11.88 if located else None,
                    stamp(taken + timedelta(days=1)), stamp(taken), None, "", "", "", "[]",
                )

    insert(Photo, photo_columns, photos())
    timings["photos"] = time.perf_counter() - started

    started = time.perf_counter()

    # Found before COPY starts: the connection can ask nothing else while rows are streaming.
    last_tag_link = PhotoTag.objects.aggregate(Max("id"))["id__max"] or 0

    def photo_tags():
        pk = last_tag_link
        for ids in photo_ids.values():
            for n, photo in enumerate(ids):
                chosen = set(rng.choices(common, weights, k=TAGS_PER_PHOTO * 2))
                chosen = list(chosen)[: TAGS_PER_PHOTO - (n % 20 == 0)]
                for tag in chosen:
                    pk += 1
                    yield pk, photo, tag, round(50 + 50 * rng.random(), 2), "local"
                if n % 20 == 0:
                    pk += 1
                    yield pk, photo, tag_ids["holiday"], 100.0, "manual"

    insert(PhotoTag, ["id", "photo_id", "tag_id", "confidence", "source"], photo_tags())
    timings["tags"] = time.perf_counter() - started

    started = time.perf_counter()
    insert(
        PhotoAnalysis,
        ["photo_id", "state", "tagger", "attempts", "last_error", "started_at", "due_at", "finished_at",
         "people_count", "moderation", "moderation_labels"],
        ((photo, "done", "local", 1, "", stamp(now), None, stamp(now), int(n % 4 == 0), "clear", "[]")
         for ids in photo_ids.values() for n, photo in enumerate(ids)),
    )
    insert(
        PhotoPlace, ["photo_id", "country_code", "country", "region", "city"],
        ((photo, "IT", "Italy", "Tuscany", f"Town {n % 40}") for ids in photo_ids.values() for n, photo in enumerate(ids)
         if n % 2 == 0),  # the photos with a GPS position
    )
    timings["analyses, places"] = time.perf_counter() - started

    started = time.perf_counter()
    for owner, ids in photo_ids.items():
        people = Person.objects.bulk_create(
            [Person(owner_id=owner, name=f"Person {n}" if n < 50 else "") for n in range(PEOPLE_PER_USER)]
        )
        person_ids = [person.pk for person in people]
        insert(
            Face,
            ["photo_id", "person_id", "placed_by_owner", "source", "left", "top", "width", "height", "confidence",
             "size", "sharpness", "groupable", "rekognition_face_id", "crop"],
            ((photo, person_ids[n % len(person_ids)], False, "local", 0.4, 0.3, 0.1, 0.15, 99.0, 120, 60.0, True,
              "", f"renditions/{owner}/{photo}/face.jpg") for n, photo in enumerate(ids[::4])),
        )
        albums = Album.objects.bulk_create(
            [Album(owner_id=owner, title=f"Trip {n}") for n in range(ALBUMS_PER_USER)]
        )
        size = max(1, min(PHOTOS_PER_ALBUM, len(ids) // ALBUMS_PER_USER))  # a small library's albums overlap
        insert(
            AlbumPhoto, ["album_id", "photo_id", "added_at"],
            ((album.pk, ids[(n * size + k) % len(ids)], stamp(now)) for n, album in enumerate(albums) for k in range(size)),
        )
    timings["people, faces, albums"] = time.perf_counter() - started


    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in (Photo, PhotoTag):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                    f"(SELECT max(id) FROM {model._meta.db_table}))"
                )
        cursor.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - started

    # What the services keep as photos change, counted once here; after ANALYZE, which the
    # queries that count need for their plans.
    started = time.perf_counter()
    for owner in photo_ids:  # what the services keep as photos change, counted once here
        recounting.send(sender=None, owner_id=owner, fix=True)
    timings["figures (tallies, albums)"] = time.perf_counter() - started
    return timings


def library_pages(user) -> list[tuple[str, str]]:
    """(what, path) of every page of a library filled above, as its owner sees them."""
    photos = user.photos.order_by("-sort_at", "-pk").values_list("pk", flat=True)
    count = len(photos)
    album = Album.objects.filter(owner=user).order_by("pk").values_list("pk", flat=True)[0]
    person = Person.objects.filter(owner=user, name="Person 1").values_list("pk", flat=True)[0]
    return [
        ("gallery, first page", "/"),
        ("gallery, oldest page", "/?oldest=1"),
        ("photo page", f"/photos/{photos[count // 8 * 4]}/"),  # one with a face and a place
        ("header search q=dog", "/search/?q=dog"),
        ("header search q=holiday", "/search/?q=holiday"),
        ("advanced search, 2 tags", "/search/?q=dog+outdoor"),
        ("advanced search, tag + dates", "/search/?q=dog&taken_from=2020-01-01&taken_to=2021-12-31"),
        ("tags page", "/tags/"),
        ("stats page", "/stats/"),
        ("stats data, 12 months", "/stats/data.json?range=12m"),
        ("stats data, all time", "/stats/data.json?range=all"),
        ("albums list", "/albums/"),
        ("album page", f"/albums/{album}/"),
        ("people page", "/people/"),
        ("person page", f"/people/{person}/"),
        ("places page", "/places/"),
        ("places map data", "/places/map.json"),
        ("trash", "/trash/"),
    ]
