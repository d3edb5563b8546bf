"""Reads that several pages share: what search looks for, the places page."""
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull

from gallery.models import Library, Photo

from .models import Face, Person, PhotoTag, PhotoTally, Tag, normalise_tag_name

# A tag on at least this share of the user's photos is looked for photo by photo, in gallery
# order: a page fills at once. A rarer one is looked up as the set of photos that carry it.
# (PostgreSQL hashes that set even for a common tag, everyone's photos with it: 131,000 rows,
# 60 ms, for "dog" at 100,000 photos a user; SQLite probes photo by photo either way.)
COMMON_TAG_SHARE = 0.1


def _carrying(user, tag_id: int, *, sources=()) -> Q:
    """The condition that a photo of the user's carries the tag (from one of these sources, if
    given)."""
    links = PhotoTag.objects.filter(tag_id=tag_id, **({"source__in": sources} if sources else {}))
    share = PhotoTally.objects.of(user).sums_of(PhotoTally.Kind.TAG, [tag_id]).get(str(tag_id), 0) / max(
        1, Library.of(user.pk).photos
    )
    if share >= COMMON_TAG_SHARE:
        return Q(IsNull(Subquery(links.filter(photo=OuterRef("pk")).order_by().values("tag_id")[:1]), False))
    return Q(pk__in=links.values("photo_id"))


def _tag_id(name: str) -> int | None:
    return Tag.objects.filter(name=normalise_tag_name(name)).values_list("pk", flat=True).first()


def photos_tagged(photos, user, name: str, *, sources=()):
    """The user's ``photos`` that carry this tag (from one of these sources, if given).
    Chained calls mean AND."""
    tag_id = _tag_id(name)
    return photos.filter(_carrying(user, tag_id, sources=sources)) if tag_id else photos.none()


def photos_by_author(photos, user, words: str):
    return photos.filter(_containing(user, words, ("author",)))


def photos_by_camera(photos, user, words: str):
    """Whose camera's make or model contains the words ("canon", "EOS R6")."""
    return photos.filter(_containing(user, words, ("camera_make", "camera_model")))


def photos_with_keyword(photos, user, name: str):
    """Whose keywords (tags the owner typed or the file carried) include this one."""
    return photos_tagged(photos, user, name, sources=PhotoTag.KEYWORD_SOURCES)


def photos_with_tags_from(photos, source: str):
    return photos.filter(Exists(PhotoTag.objects.filter(photo=OuterRef("pk"), source=source)))


def photos_with_person(photos, person):
    """``photos`` where this person's face was found. Chained calls mean all of them."""
    return photos.filter(Exists(Face.objects.filter(photo=OuterRef("pk"), person=person)))


def _containing(user, term: str, fields) -> Q:
    """The condition that one of these text fields of a photo contains the word. On PostgreSQL a
    word of three letters or more is looked up in the trigram indexes (gallery/trigram.py) as a
    set of photos: going through the gallery's order then reads its index alone, not every
    photo's row (EXPLAIN: 20,000 rows for a count of 1,000)."""
    words = Q()
    for name in fields:
        words |= Q(**{f"{name}__icontains": term})
    if connection.vendor == "postgresql" and len(term) >= 3:
        return Q(pk__in=Photo.objects.filter(words, owner=user).values("pk"))
    return words


def photos_matching_term(photos, user, term: str):
    """The user's ``photos`` whose tag is this word, that show someone whose name contains it
    (people the owner hid excepted), or whose title, file name or description contains it."""
    matching = _containing(user, term, ("title", "original_filename", "description"))
    if tag_id := _tag_id(term):
        matching |= _carrying(user, tag_id)
    named = Person.objects.of(user).filter(name__icontains=term, hidden=False).values_list("pk", flat=True)
    if people := list(named):
        matching |= Q(pk__in=Face.objects.filter(person_id__in=people).values("photo_id"))
    return photos.filter(matching)


@dataclass
class PlaceCount:
    """A country or a city of the places page: how many photos, and the newest one."""

    name: str
    count: int = 0
    cities: list["PlaceCount"] = field(default_factory=list)
    cover: object = None  # its newest Photo

    @property
    def tag(self) -> str:
        return normalise_tag_name(self.name)


# The newest photos looked through for the places' covers; a place not among them (a rare one)
# gets its cover from a query about it alone.
COVER_SCAN = 2000


def places_of(user) -> list[PlaceCount]:
    """The countries of the user's photos, most photographed first, each with its cities
    (photos away from any town count for the country only), counted by the tallies. Each
    shows its newest photo."""
    countries: dict[str, PlaceCount] = {}
    for key, count in PhotoTally.objects.of(user).sums(PhotoTally.Kind.PLACE).items():
        country_name, city_name = key.split("\t", 1)
        country = countries.setdefault(country_name, PlaceCount(country_name))
        country.count += count
        if city_name:
            country.cities.append(PlaceCount(city_name, count))
    if not countries:
        return []
    located = Photo.objects.visible_to(user).filter(place__isnull=False)
    covers: dict[tuple[str, str], int] = {}
    for pk, country_name, city_name in located.newest_first().values_list("pk", "place__country", "place__city")[:COVER_SCAN]:
        covers.setdefault((country_name, city_name), pk)
        covers.setdefault((country_name, ""), pk)
    wanted = [(country.name, "") for country in countries.values()]
    wanted += [(country.name, city.name) for country in countries.values() for city in country.cities]
    if rare := [place for place in wanted if place not in covers]:
        rare_places = Q()
        for country_name, city_name in rare:
            rare_places |= Q(place__country=country_name, **({"place__city": city_name} if city_name else {}))
        newest_first = located.filter(rare_places).newest_first().values_list("pk", "place__country", "place__city")
        for pk, country_name, city_name in newest_first.iterator():
            covers.setdefault((country_name, city_name), pk)
            covers.setdefault((country_name, ""), pk)
            if all(place in covers for place in rare):
                break  # each place's newest photo comes first: the rest of them is not read
    photos = Photo.objects.in_bulk(set(covers.values()))
    for country in countries.values():
        country.cover = photos.get(covers.get((country.name, "")))
        for city in country.cities:
            city.cover = photos.get(covers.get((country.name, city.name)))
        country.cities.sort(key=lambda city: (-city.count, city.name))
    return sorted(countries.values(), key=lambda country: (-country.count, country.name))
