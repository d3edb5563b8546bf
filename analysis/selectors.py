"""Reads about tags that several pages share: search, the tags page, statistics."""
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull

from gallery.models import Library, Photo

from .models import Face, Person, PhotoPlace, PhotoTag, PhotoTally, Tag, normalise_tag_name

# A tag on at least this share of the user's photos is looked for photo by photo, in gallery
# order: a page fills at once. A rarer one is looked up as the set of photos that carry it.
# (PostgreSQL hashes that set even for a common tag, everyone's photos with it: 131,000 rows,
# 60 ms, for "dog" at 100,000 photos a user; SQLite probes photo by photo either way.)
COMMON_TAG_SHARE = 0.1


def _carrying(user, tag_id: int, *, source: str = "") -> Q:
    """The condition that a photo of the user's carries the tag (from this source, if given)."""
    links = PhotoTag.objects.filter(tag_id=tag_id, **({"source": source} if source else {}))
    share = PhotoTally.objects.of(user).sums_of(PhotoTally.Kind.TAG, [tag_id]).get(str(tag_id), 0) / max(
        1, Library.of(user.pk).photos
    )
    if share >= COMMON_TAG_SHARE:
        return Q(IsNull(Subquery(links.filter(photo=OuterRef("pk")).values("pk")[:1]), False))
    return Q(pk__in=links.values("photo_id"))


def _tag_id(name: str) -> int | None:
    return Tag.objects.filter(name=normalise_tag_name(name)).values_list("pk", flat=True).first()


def photos_tagged(photos, user, name: str, *, source: str = ""):
    """The user's ``photos`` that carry this tag (from this source, if given). Chained calls
    mean AND."""
    tag_id = _tag_id(name)
    return photos.filter(_carrying(user, tag_id, source=source)) if tag_id else photos.none()


def photos_with_tags_from(photos, source: str):
    return photos.filter(Exists(PhotoTag.objects.filter(photo=OuterRef("pk"), source=source)))


def photos_with_person(photos, person):
    """``photos`` where this person's face was found. Chained calls mean all of them."""
    return photos.filter(Exists(Face.objects.filter(photo=OuterRef("pk"), person=person)))


def photos_matching_term(photos, user, term: str):
    """The user's ``photos`` whose tag is this word, that show someone whose name contains it
    (people the owner hid excepted), or whose title, file name or description contains it."""
    matching = Q(title__icontains=term) | Q(original_filename__icontains=term) | Q(description__icontains=term)
    if tag_id := _tag_id(term):
        matching |= _carrying(user, tag_id)
    named = Person.objects.of(user).filter(name__icontains=term, hidden=False).values_list("pk", flat=True)
    if people := list(named):
        matching |= Q(pk__in=Face.objects.filter(person_id__in=people).values("photo_id"))
    return photos.filter(matching)


@dataclass
class PlaceCount:
    """A country or a city of the places page: how many photos, and the newest one's id."""

    name: str
    count: int = 0
    cover_id: int = 0
    cities: list["PlaceCount"] = field(default_factory=list)
    cover: object = None  # the Photo of cover_id

    @property
    def tag(self) -> str:
        return normalise_tag_name(self.name)


def places_of(user) -> list[PlaceCount]:
    """The countries of the user's photos, most photographed first, each with its cities
    (photos away from any town count for the country only)."""
    rows = (
        PhotoPlace.objects.of(user)
        .values("country", "city")
        .annotate(count=Count("photo"), cover_id=Max("photo_id"))
        .order_by()
    )
    countries: dict[str, PlaceCount] = {}
    for row in rows:
        country = countries.setdefault(row["country"], PlaceCount(row["country"]))
        country.count += row["count"]
        country.cover_id = max(country.cover_id, row["cover_id"])
        if row["city"]:
            country.cities.append(PlaceCount(row["city"], row["count"], row["cover_id"]))
    places = [*countries.values(), *(city for country in countries.values() for city in country.cities)]
    covers = Photo.objects.in_bulk([place.cover_id for place in places])
    for place in places:
        place.cover = covers[place.cover_id]
    for country in countries.values():
        country.cities.sort(key=lambda city: (-city.count, city.name))
    return sorted(countries.values(), key=lambda country: (-country.count, country.name))
