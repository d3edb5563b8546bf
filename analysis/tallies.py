"""Each user's photos counted by upload month and by what they show (PhotoTally), kept right by
every change to photos.

A change is wrapped in ``tracking(photo_ids)``: the facts of those photos are listed before
and after it, and the difference is added to the tallies in the same transaction, with the
photos' rows locked so that two changes to one photo take turns. Trackings nest: an inner one
leaves alone the kinds an outer one tracks for the same photos. ``recount`` counts an owner's
tallies from scratch and stores them where they drifted.
"""
import contextvars
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from albums.models import AlbumPhoto
from gallery.models import Photo

from .models import Face, PhotoAnalysis, PhotoPlace, PhotoTag, PhotoTally

Kind = PhotoTally.Kind
EVERY_KIND = frozenset(Kind)
TAG_KINDS = frozenset({Kind.TAG, Kind.AUTOMATIC_TAG, Kind.SOURCE})
# The kinds read from the photo's own row (and its analysis).
PHOTO_KINDS = frozenset({Kind.UPLOADED, Kind.CAMERA, Kind.ANALYSIS})
AUTOMATIC_SOURCES = frozenset({PhotoTag.Source.REKOGNITION, PhotoTag.Source.LOCAL})
# What the statistics show of an analysis: running and waiting are the same "waiting".
ANALYSIS_STATES = {
    PhotoAnalysis.State.PENDING: "waiting",
    PhotoAnalysis.State.RUNNING: "waiting",
    PhotoAnalysis.State.DONE: "done",
    PhotoAnalysis.State.FAILED: "failed",
    None: "",
}
ALL_TIME = PhotoTally.ALL_TIME
CHUNK = 2000  # photo ids per query: well within SQLite's limit on parameters

# (owner id, month, kind, key): one row of PhotoTally.
Fact = tuple[int, date, str, str]


def month_of(moment) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


class Facts:
    """Photos (and bytes, for Kind.UPLOADED) per fact."""

    def __init__(self):
        self.photos: Counter[Fact] = Counter()
        self.bytes: Counter[Fact] = Counter()

    def minus(self, other: "Facts") -> "Facts":
        difference = Facts()
        for mine, theirs, result in ((self.photos, other.photos, difference.photos), (self.bytes, other.bytes, difference.bytes)):
            result.update(mine)
            result.subtract(theirs)  # keeps what goes below zero, unlike "-"
        return difference

    def rows(self) -> list[tuple]:
        """(owner id, month, kind, key, photos, bytes) of every month, and of all time."""
        photos, sizes = Counter(), Counter()
        for mine, result in ((self.photos, photos), (self.bytes, sizes)):
            for (owner_id, month, kind, key), value in mine.items():
                result[(owner_id, month, kind, key)] += value
                result[(owner_id, ALL_TIME, kind, key)] += value
        return [(*fact, photos[fact], sizes[fact]) for fact in sorted(set(photos) | set(sizes)) if photos[fact] or sizes[fact]]


def facts_of(photo_ids: Iterable[int], kinds=EVERY_KIND) -> Facts:
    """What the photos outside the trash among these count for, in the tallies of these kinds."""
    facts = Facts()
    for ids in _chunks(sorted(set(photo_ids))):
        _add_facts(facts, ids, kinds)
    return facts


def _add_facts(facts: Facts, ids: list[int], kinds) -> None:
    rows = Photo.objects.live().filter(pk__in=ids).values_list(
        "pk", "owner_id", "uploaded_at", "file_size", "camera_make", "camera_model", "analysis__state"
    )
    where: dict[int, tuple[int, date]] = {}
    for pk, owner_id, uploaded_at, size, make, model, state in rows:
        owner_month = where[pk] = (owner_id, month_of(uploaded_at))
        if Kind.UPLOADED in kinds:
            facts.photos[(*owner_month, Kind.UPLOADED, "")] += 1
            facts.bytes[(*owner_month, Kind.UPLOADED, "")] += size
        if Kind.CAMERA in kinds and model:
            facts.photos[(*owner_month, Kind.CAMERA, f"{make}\t{model}")] += 1
        if Kind.ANALYSIS in kinds:
            facts.photos[(*owner_month, Kind.ANALYSIS, ANALYSIS_STATES[state])] += 1
    if not where:
        return
    if kinds & TAG_KINDS:
        tags, automatic = set(), set()
        for photo_id, tag_id, source in PhotoTag.objects.filter(photo_id__in=where).values_list("photo_id", "tag_id", "source"):
            tags.add((photo_id, tag_id))
            if source in AUTOMATIC_SOURCES:
                automatic.add((photo_id, tag_id))
            if Kind.SOURCE in kinds:
                facts.photos[(*where[photo_id], Kind.SOURCE, source)] += 1
        for kind, pairs in ((Kind.TAG, tags), (Kind.AUTOMATIC_TAG, automatic)):
            if kind in kinds:
                for photo_id, tag_id in pairs:
                    facts.photos[(*where[photo_id], kind, str(tag_id))] += 1
    if Kind.ALBUM in kinds:
        for photo_id, album_id in AlbumPhoto.objects.filter(photo_id__in=where).values_list("photo_id", "album_id"):
            facts.photos[(*where[photo_id], Kind.ALBUM, str(album_id))] += 1
    if Kind.PERSON in kinds:
        shown = Face.objects.filter(photo_id__in=where, person__isnull=False).values_list("photo_id", "person_id")
        for photo_id, person_id in set(shown):
            facts.photos[(*where[photo_id], Kind.PERSON, str(person_id))] += 1
    if Kind.PLACE in kinds:
        for photo_id, country, city in PhotoPlace.objects.filter(photo_id__in=where).values_list("photo_id", "country", "city"):
            facts.photos[(*where[photo_id], Kind.PLACE, f"{country}\t{city}")] += 1


def add(facts: Facts) -> None:
    """Add the facts to the tallies (subtract, where they are negative)."""
    adapt = connection.ops.adapt_datefield_value
    rows = [(owner, adapt(month), kind, key, photos, size) for owner, month, kind, key, photos, size in facts.rows()]
    if not rows:
        return
    table = connection.ops.quote_name(PhotoTally._meta.db_table)
    # One statement that PostgreSQL and SQLite both run as an atomic "add to the row, or create
    # it": two changes at once never lose one another's counts.
    sql = (
        f"INSERT INTO {table} (owner_id, month, kind, key, photos, bytes) VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (owner_id, kind, key, month) DO UPDATE SET "
        f"photos = {table}.photos + excluded.photos, bytes = {table}.bytes + excluded.bytes"
    )
    # Rows brought down to nothing go; so do those of an album, person or tag deleted within
    # the change, whose rows went first (forget_key) and came back below zero.
    emptied = [row[:4] for row in rows if row[4] < 0 or row[5] < 0]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        if emptied:
            cursor.executemany(
                f"DELETE FROM {table} WHERE owner_id = %s AND month = %s AND kind = %s AND key = %s "
                f"AND photos <= 0 AND bytes <= 0",
                emptied,
            )


_tracked: contextvars.ContextVar[frozenset] = contextvars.ContextVar("tracked", default=frozenset())


@contextmanager
def tracking(photo_ids: Iterable[int], kinds=EVERY_KIND):
    """Wrap a change to these photos: the tallies of these kinds follow it."""
    photo_ids = sorted(set(photo_ids))
    outer = _tracked.get()
    # Photos grouped by the kinds no outer tracking follows for them already.
    groups: dict[frozenset, list[int]] = {}
    for pk in photo_ids:
        untracked = frozenset(kind for kind in kinds if (pk, kind) not in outer)
        if untracked:
            groups.setdefault(untracked, []).append(pk)
    with transaction.atomic():
        if not groups:
            yield
            return
        for ids in _chunks(photo_ids):  # in one order everywhere: no deadlock between changes
            list(Photo.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        before = {group: facts_of(ids, group) for group, ids in groups.items()}
        token = _tracked.set(outer | {(pk, kind) for group, ids in groups.items() for pk in ids for kind in group})
        try:
            yield
        finally:
            _tracked.reset(token)
        for group, ids in groups.items():
            add(facts_of(ids, group).minus(before[group]))


def untracked_kinds(photo_id: int) -> frozenset:
    """The kinds no tracking around the current code follows for this photo."""
    outer = _tracked.get()
    return frozenset(kind for kind in EVERY_KIND if (photo_id, kind) not in outer)


def forget_key(kind: str, key) -> None:
    """An album, person or tag deleted: its rows go (what it counted no longer exists)."""
    PhotoTally.objects.filter(kind=kind, key=str(key)).delete()


def recount(owner_id: int, *, fix: bool) -> list[str]:
    """Count the owner's tallies from scratch; describe where the kept ones differ, and store
    the counted ones if ``fix``."""
    counted = facts_of(Photo.objects.filter(owner_id=owner_id).live().values_list("pk", flat=True))
    wanted = {row[:4]: row[4:] for row in counted.rows()}
    kept = {
        (owner_id, month, kind, key): (photos, size)
        for month, kind, key, photos, size in PhotoTally.objects.filter(owner_id=owner_id)
        .values_list("month", "kind", "key", "photos", "bytes")
        if photos or size
    }
    drifted = sorted({fact[2] for fact in wanted.keys() | kept.keys() if wanted.get(fact) != kept.get(fact)})
    if drifted and fix:
        with transaction.atomic():
            PhotoTally.objects.filter(owner_id=owner_id).delete()
            PhotoTally.objects.bulk_create(
                [PhotoTally(owner_id=owner_id, month=month, kind=kind, key=key, photos=photos, bytes=size)
                 for (_, month, kind, key), (photos, size) in wanted.items()],
                batch_size=2000,
            )
    return [f"{kind} tallies" for kind in drifted]
