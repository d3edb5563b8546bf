from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils import timezone

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def page_of(request, items, *, count: int | None = None) -> Page:
    """The page of ``items`` that ``?page=`` asks for, PICTURA_PHOTOS_PER_PAGE to a page; an
    invalid or out-of-range number gives the nearest page rather than an error. ``count``, when
    the caller keeps it, spares counting the items."""
    paginator = Paginator(items, settings.PICTURA_PHOTOS_PER_PAGE)
    if count is not None:
        paginator.count = count  # a cached property: set, it is never computed
    return paginator.get_page(request.GET.get("page"))


@dataclass
class PhotosPage:
    """A page of photos, newest first, found from the edge of the page beside it rather than by
    counting and skipping rows: the 100,000th photo comes as fast as the first. There are no
    page numbers; links say "older than this photo" or "newer than that one"."""

    object_list: list
    older: str  # the query string of the next page, "" on the last
    newer: str  # the query string of the page before, "" on the first
    newest: str = ""  # the query string of the first page
    oldest: str = ""  # the query string of the last page

    def __iter__(self):
        return iter(self.object_list)

    def by_month(self) -> list[tuple[date, list]]:
        """The page's photos in runs of one month (taken, or uploaded when that is unknown)."""
        def month_of(photo):
            return timezone.localtime(photo.sort_at).date().replace(day=1)

        return [(month, list(photos)) for month, photos in groupby(self.object_list, key=month_of)]

    def __len__(self):
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return bool(self.older)

    @property
    def has_previous(self) -> bool:
        return bool(self.newer)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def photo_key(photo) -> str:
    """Where a photo stands in the newest-first order: its sort time in microseconds and its id."""
    return f"{(photo.sort_at - EPOCH) // timedelta(microseconds=1)}.{photo.pk}"


def parse_photo_key(key: str) -> tuple[datetime, int] | None:
    try:
        microseconds, pk = (int(part) for part in key.split("."))
        return EPOCH + timedelta(microseconds=microseconds), pk
    except (ValueError, OverflowError):
        return None


def month_edge(value: str) -> tuple[datetime, int] | None:
    """Where the photos of a month ("2024-07") begin in the newest-first order: just older than
    the first instant of the month after it, in the site's time zone."""
    try:
        year, month = (int(part) for part in value.split("-"))
        following = date(year + month // 12, month % 12 + 1, 1) if 1 <= month <= 12 else None
    except (ValueError, OverflowError):
        return None
    if following is None:
        return None
    return timezone.make_aware(datetime.combine(following, datetime.min.time())), 0


def photos_page_of(request, photos) -> PhotosPage:
    """The page of ``photos`` (any Photo queryset) that ``?older=``, ``?newer=``, ``?oldest=1``
    or ``?month=YYYY-MM`` (the month's newest photo first) asks for; anything else, or a key that
    leads nowhere, gives the newest page."""
    size = settings.PICTURA_PHOTOS_PER_PAGE
    newest_first = photos.order_by("-sort_at", "-pk")
    oldest_first = photos.order_by("sort_at", "pk")
    query = request.GET.copy()
    for name in ("older", "newer", "oldest", "month", "page"):
        query.pop(name, None)

    def link(**edge) -> str:
        query.update(edge)
        encoded = query.urlencode()
        for name in edge:
            query.pop(name)
        return encoded

    def page(shown, *, more_older: bool, more_newer: bool) -> PhotosPage:
        return PhotosPage(
            shown,
            older=link(older=photo_key(shown[-1])) if more_older else "",
            newer=link(newer=photo_key(shown[0])) if more_newer else "",
            newest=query.urlencode(),
            oldest=link(oldest="1"),
        )

    # The page plus one row: whether there is more beyond it, without counting.
    if older := parse_photo_key(request.GET.get("older", "")) or month_edge(request.GET.get("month", "")):
        at, pk = older
        rows = list(newest_first.older_than(at, pk)[: size + 1])
        if rows:
            return page(rows[:size], more_older=len(rows) > size, more_newer=True)
    elif newer := parse_photo_key(request.GET.get("newer", "")):
        at, pk = newer
        rows = list(oldest_first.newer_than(at, pk)[: size + 1])
        if rows:
            return page(rows[:size][::-1], more_older=True, more_newer=len(rows) > size)
    elif request.GET.get("oldest"):
        rows = list(oldest_first[: size + 1])
        if rows:
            return page(rows[:size][::-1], more_older=False, more_newer=len(rows) > size)
    rows = list(newest_first[: size + 1])
    return page(rows[:size], more_older=len(rows) > size, more_newer=False)
