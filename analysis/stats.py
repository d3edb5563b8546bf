"""Statistics for the Stats pages: every figure is one aggregate query, whatever the library size."""
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone

from albums.models import Album
from gallery.models import Photo, camera_name

from .models import Person, PhotoAnalysis, PhotoTag


@dataclass(frozen=True)
class Range:
    key: str
    label: str
    days: int | None  # None: all time
    bucket: str  # "day" or "month"


RANGES = {
    "30d": Range("30d", "Last 30 days", 30, "day"),
    "12m": Range("12m", "Last 12 months", 365, "month"),
    "all": Range("all", "All time", None, "month"),
}
DEFAULT_RANGE = "12m"
TOP = 15


def chart(labels, values, **extra) -> dict:
    return {"labels": [str(label) for label in labels], "values": list(values), **extra}


def photo_statistics(photos, albums=None, range_key: str = DEFAULT_RANGE, *, tag_sources=None, people=None) -> dict:
    """Charts over ``photos`` (a Photo queryset, trash already excluded) uploaded within the
    range, and over ``albums`` and named ``people`` when given; top tags only from
    ``tag_sources`` when given.
    Returns {chart name: {"labels", "values", ...}}."""
    period = RANGES.get(range_key) or RANGES[DEFAULT_RANGE]
    since = timezone.now() - timedelta(days=period.days) if period.days else None
    in_range = photos.filter(uploaded_at__gte=since) if since else photos
    trunc = TruncDay if period.bucket == "day" else TruncMonth
    label_format = "%Y-%m-%d" if period.bucket == "day" else "%Y-%m"

    uploads = list(
        in_range.annotate(period=trunc("uploaded_at"))
        .values("period")
        .annotate(count=Count("id"), bytes=Sum("file_size"))
        .order_by("period")
    )
    stored_before = photos.filter(uploaded_at__lt=since).aggregate(total=Sum("file_size"))["total"] if since else 0
    running = stored_before or 0
    storage = []
    for row in uploads:
        running += row["bytes"] or 0
        storage.append(round(running / 1024 / 1024, 2))

    tagged = PhotoTag.objects.filter(photo__in=in_range)
    top_tags = (
        (tagged.filter(source__in=tag_sources) if tag_sources else tagged)
        .values("tag__name")
        .annotate(count=Count("photo", distinct=True))
        .order_by("-count", "tag__name")[:TOP]
    )
    sources = dict(tagged.values_list("source").annotate(count=Count("id")))
    cameras = (
        in_range.exclude(camera_model="")
        .values("camera_make", "camera_model")
        .annotate(count=Count("id"))
        .order_by("-count", "camera_model")[:TOP]
    )
    states = dict(in_range.values_list("analysis__state").annotate(count=Count("id")))

    charts = {
        "top_tags": chart([t["tag__name"] for t in top_tags], [t["count"] for t in top_tags]),
        "uploads": chart([r["period"].strftime(label_format) for r in uploads], [r["count"] for r in uploads]),
        "tags_by_source": chart(
            [label for value, label in PhotoTag.Source.choices],
            [sources.get(value, 0) for value, _ in PhotoTag.Source.choices],
        ),
        "storage": chart([r["period"].strftime(label_format) for r in uploads], storage, unit="MB"),
        "cameras": chart([camera_name(c["camera_make"], c["camera_model"]) for c in cameras], [c["count"] for c in cameras]),
        "analysis": chart(
            ["Done", "Waiting", "Failed", "Not analysed"],
            [
                states.get(PhotoAnalysis.State.DONE, 0),
                states.get(PhotoAnalysis.State.PENDING, 0) + states.get(PhotoAnalysis.State.RUNNING, 0),
                states.get(PhotoAnalysis.State.FAILED, 0),
                states.get(None, 0),
            ],
        ),
    }
    if albums is not None:
        per_album = (
            albums.annotate(count=Count("album_photos", filter=Q(album_photos__photo__in=in_range)))
            .filter(count__gt=0)
            .order_by("-count", "title")[:TOP]
        )
        charts["photos_per_album"] = chart([a.title for a in per_album], [a.count for a in per_album])
    if people is not None:
        per_person = (
            people.filter(hidden=False)
            .exclude(name="")
            .annotate(count=Count("faces__photo", distinct=True, filter=Q(faces__photo__in=in_range)))
            .filter(count__gt=0)
            .order_by("-count", "name")[:TOP]
        )
        charts["people"] = chart([p.name for p in per_person], [p.count for p in per_person])
    return charts


def user_statistics(user, range_key: str = DEFAULT_RANGE) -> dict:
    return photo_statistics(
        Photo.objects.visible_to(user), Album.objects.owned_by(user), range_key, people=Person.objects.of(user)
    )


def site_statistics(range_key: str = DEFAULT_RANGE) -> dict:
    """Figures over everyone, and nothing that belongs to one person: no album titles, no
    people, and of tags only the taggers' words, never what people typed themselves."""
    automatic = [PhotoTag.Source.REKOGNITION, PhotoTag.Source.LOCAL]
    charts = photo_statistics(Photo.objects.live(), range_key=range_key, tag_sources=automatic)
    tiers = dict(get_user_model().objects.values_list("tier").annotate(count=Count("id")))
    tier_choices = get_user_model().Tier.choices
    charts["users_by_tier"] = chart([label for _, label in tier_choices], [tiers.get(value, 0) for value, _ in tier_choices])
    charts["moderation_queue"] = chart(["Flagged for review"], [PhotoAnalysis.objects.flagged().count()])
    return charts
