"""Where a photo was taken, offline: the nearest of GeoNames' places of 1,000 people or more,
which the reverse_geocode package ships with a k-d tree to search them (loaded once per
process, in under a second).

The nearest place is a point, not an area. Near a big city it is often a district or a
suburb (Vanves by the Eiffel Tower, Lambeth in London): within BIG_CITY_KM of a city of
BIG_CITY_PEOPLE or more, the photo is placed in that city, the name people search for. Far
from any place it says little: a photo more than MAX_CITY_KM from the nearest place gets its
region and country only, and one more than MAX_COUNTRY_KM away (at sea, in a desert) none.
"""
import math
from dataclasses import dataclass

MAX_CITY_KM = 25
BIG_CITY_KM = 15
BIG_CITY_PEOPLE = 100_000
MAX_COUNTRY_KM = 100
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Place:
    country_code: str
    country: str
    region: str
    city: str

    @property
    def names(self) -> list[str]:
        """City, region and country, as far as known, smallest first."""
        return [name for name in (self.city, self.region, self.country) if name]


def distance_km(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*first, *second))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def place_at(latitude: float, longitude: float) -> Place | None:
    import reverse_geocode

    here = (latitude, longitude)
    nearest = reverse_geocode.get(here)
    away = distance_km(here, (nearest["latitude"], nearest["longitude"]))
    if away > MAX_COUNTRY_KM or not nearest.get("country"):
        return None
    big = reverse_geocode.get(here, min_population=BIG_CITY_PEOPLE)
    if big["country_code"] == nearest["country_code"] and distance_km(here, (big["latitude"], big["longitude"])) <= BIG_CITY_KM:
        nearest, away = big, 0.0
    return Place(
        country_code=nearest["country_code"],
        country=nearest["country"],
        region=nearest.get("state", ""),
        city=nearest["city"] if away <= MAX_CITY_KM else "",
    )
