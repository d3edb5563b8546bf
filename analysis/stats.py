"""Statistics for the Stats pages, added up from the tallies kept as photos change
(analysis/tallies.py): a few queries over a few thousand rows, whatever the library size."""
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum
from django.utils import timezone

from albums.models import Album
from gallery.models import camera_name

from .models import Person, PhotoAnalysis, PhotoTag, PhotoTally, Tag

Kind = PhotoTally.Kind


@dataclass(frozen=True)
class Range:
    key: str
    label: str
    months: int | None  # None: all time

    def first_month(self) -> date | None:
        """The first day of the range's first month (this month is the last)."""
        if self.months is None:
            return None
        today = timezone.localdate()
        index = today.year * 12 + today.month - self.months  # months since year 0, zero-based
        return date(index // 12, index % 12 + 1, 1)


RANGES = {
    "3m": Range("3m", "Last 3 months", 3),
    "12m": Range("12m", "Last 12 months", 12),
    "all": Range("all", "All time", None),
}
DEFAULT_RANGE = "12m"
TOP = 15


def chart(labels, values, **extra) -> dict:
    return {"labels": [str(label) for label in labels], "values": list(values), **extra}


def top(counts: dict[str, int], names: dict[str, str]) -> list[tuple[str, int]]:
    """The biggest of ``counts`` that have a name, as (name, count), ties by name."""
    named = [(names[key], count) for key, count in counts.items() if key in names]
    return sorted(named, key=lambda item: (-item[1], item[0]))[:TOP]


def tally_statistics(tallies, range_key: str = DEFAULT_RANGE, *, tag_kind=Kind.TAG, albums=None, people=None) -> dict:
    """Charts over the tallies (a PhotoTally queryset) of photos uploaded within the range, and
    over ``albums`` and named ``people`` when given; top tags from the tallies of ``tag_kind``.
    Returns {chart name: {"labels", "values", ...}}."""
    since = (RANGES.get(range_key) or RANGES[DEFAULT_RANGE]).first_month()
    monthly = tallies.monthly().filter(kind=Kind.UPLOADED)
    uploads = list(
        (monthly.filter(month__gte=since) if since else monthly)
        .values("month").annotate(count=Sum("photos"), bytes=Sum("bytes")).order_by("month")
    )
    before = monthly.filter(month__lt=since).aggregate(total=Sum("bytes"))["total"] if since else 0
    running = before or 0
    storage = []
    for row in uploads:
        running += row["bytes"] or 0
        storage.append(round(running / 1024 / 1024, 2))
    sums = tallies.since(since).sums_by_kind()

    tag_counts = sums.get(tag_kind, {})
    tag_names = {str(pk): name for pk, name in Tag.objects.filter(pk__in=list(tag_counts)[: TOP * 2]).values_list("pk", "name")}
    sources = sums.get(Kind.SOURCE, {})
    cameras = {key: camera_name(*key.split("\t", 1)) for key in sums.get(Kind.CAMERA, {})}
    states = sums.get(Kind.ANALYSIS, {})

    charts = {
        "top_tags": chart(*_columns(top(tag_counts, tag_names))),
        "uploads": chart([row["month"].strftime("%Y-%m") for row in uploads], [row["count"] for row in uploads]),
        "tags_by_source": chart(
            [label for value, label in PhotoTag.Source.choices],
            [sources.get(value, 0) for value, _ in PhotoTag.Source.choices],
        ),
        "storage": chart([row["month"].strftime("%Y-%m") for row in uploads], storage, unit="MB"),
        "cameras": chart(*_columns(top(sums.get(Kind.CAMERA, {}), cameras))),
        "analysis": chart(
            ["Done", "Waiting", "Failed", "Not analysed"],
            [states.get("done", 0), states.get("waiting", 0), states.get("failed", 0), states.get("", 0)],
        ),
    }
    if albums is not None:
        per_album = sums.get(Kind.ALBUM, {})
        titles = {str(pk): title for pk, title in albums.values_list("pk", "title")}
        charts["photos_per_album"] = chart(*_columns(top(per_album, titles)))
    if people is not None:
        per_person = sums.get(Kind.PERSON, {})
        # The named are few; the tallies also count every unnamed group, which may be thousands.
        named = people.filter(hidden=False).exclude(name="").values_list("pk", "name")
        charts["people"] = chart(*_columns(top(per_person, {str(pk): name for pk, name in named})))
    return charts


def _columns(pairs):
    return [name for name, _ in pairs], [count for _, count in pairs]


def user_statistics(user, range_key: str = DEFAULT_RANGE) -> dict:
    return tally_statistics(
        PhotoTally.objects.of(user), range_key, albums=Album.objects.owned_by(user), people=Person.objects.of(user)
    )


def site_statistics(range_key: str = DEFAULT_RANGE) -> dict:
    """Figures over everyone, and nothing that belongs to one person: no album titles, no
    people, and of tags only the taggers' words, never what people typed themselves."""
    charts = tally_statistics(PhotoTally.objects.all(), range_key, tag_kind=Kind.AUTOMATIC_TAG)
    tiers = dict(get_user_model().objects.values_list("tier").annotate(count=Count("id")))
    tier_choices = get_user_model().Tier.choices
    charts["users_by_tier"] = chart([label for _, label in tier_choices], [tiers.get(value, 0) for value, _ in tier_choices])
    charts["moderation_queue"] = chart(["Flagged for review"], [PhotoAnalysis.objects.flagged().count()])
    return charts
