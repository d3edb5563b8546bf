"""Reads about tags that several pages share: search, the tags page, statistics."""
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q

from gallery.models import Photo

from .models import Face, PhotoPlace, PhotoTag, normalise_tag_name


def photos_tagged(photos, name: str, *, source: str = ""):
    """``photos`` that carry this tag (from this source, if given). Chained calls mean AND."""
    tags = PhotoTag.objects.filter(photo=OuterRef("pk"), tag__name=name)
    return photos.filter(Exists(tags.filter(source=source) if source else tags))


def photos_with_tags_from(photos, source: str):
    return photos.filter(Exists(PhotoTag.objects.filter(photo=OuterRef("pk"), source=source)))


def photos_with_person(photos, person):
    """``photos`` where this person's face was found. Chained calls mean all of them."""
    return photos.filter(Exists(Face.objects.filter(photo=OuterRef("pk"), person=person)))


def photos_matching_term(photos, term: str):
    """``photos`` whose tag is this word, that show someone whose name contains it (people
    the owner hid excepted), or whose title, file name or description contains it."""
    tagged = PhotoTag.objects.filter(photo=OuterRef("pk"), tag__name=normalise_tag_name(term))
    someone = Face.objects.filter(photo=OuterRef("pk"), person__name__icontains=term, person__hidden=False)
    return photos.filter(
        Exists(tagged)
        | Exists(someone)
        | Q(title__icontains=term)
        | Q(original_filename__icontains=term)
        | Q(description__icontains=term)
    )


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
