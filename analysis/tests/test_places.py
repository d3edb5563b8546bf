"""Places from GPS, offline: place tags, the Places page, the map and its data."""
import pytest
from botocore.stub import Stubber
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from albums.models import ShareLink
from analysis import selectors
from analysis.models import PhotoAnalysis, PhotoPlace, PhotoTag
from analysis.places import place_at
from analysis.services import photo_locate
from analysis.taggers import forget_taggers, get_tagger
from analysis.tasks import analyse_photo
from pictura.testing.images import SHARED_PHOTOS, camera_exif, make_image, needs_shared_photos

pytestmark = pytest.mark.django_db

# Degrees, minutes, seconds as EXIF has them.
AREZZO = (("N", (43.0, 28.0, 2.8)), ("E", (11.0, 53.0, 6.5)))
PARIS = (("N", (48.0, 51.0, 30.0)), ("E", (2.0, 17.0, 40.0)))


@pytest.fixture
def located(owner, ingest):
    """Two photos in Arezzo, one in Paris, one without a location; all placed."""
    photos = [
        ingest(owner, f"{n}.jpg", make_image(color=(n * 50, 80, 80), exif=camera_exif(gps=gps)))
        for n, gps in enumerate([AREZZO, AREZZO, PARIS, None])
    ]
    for photo in photos:
        photo_locate(photo=photo)
    return photos


def map_points(client) -> list[tuple[int, float, float]]:
    """(id, latitude, longitude) of each photo the map data lists."""
    data = client.get(reverse("analysis:places_map_data")).json()
    flat = data["points"]
    return [(flat[i], flat[i + 1] / data["scale"], flat[i + 2] / data["scale"]) for i in range(0, len(flat), 3)]


def place_tags(photo):
    return sorted(PhotoTag.objects.filter(photo=photo, source="place").values_list("tag__name", flat=True))


def test_the_nearest_place_names_city_region_and_country():
    place = place_at(43.4674, 11.8851)
    assert (place.country_code, place.country, place.region, place.city) == ("IT", "Italy", "Tuscany", "Arezzo")
    # 97 km from the nearest town of the Australian outback: the region, not a town.
    assert place_at(-24.5, 131.5).city == "" and place_at(-24.5, 131.5).country == "Australia"
    assert place_at(0.0, -30.0) is None  # the middle of the Atlantic


def test_photos_with_a_location_get_place_tags_and_the_others_none(located):
    arezzo, _, paris, nowhere = located
    assert place_tags(arezzo) == ["arezzo", "italy", "tuscany"]
    assert place_tags(paris) == ["france", "paris", "île-de-france"]
    assert place_tags(nowhere) == [] and not PhotoPlace.objects.filter(photo=nowhere).exists()
    photo_locate(photo=arezzo)  # again: nothing doubled
    assert place_tags(arezzo) == ["arezzo", "italy", "tuscany"]


def test_analysis_places_the_photo_whatever_the_tagger(owner, ingest, monkeypatch, settings):
    from analysis.tests.test_rekognition import stub_success

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.PICTURA_REKOGNITION_REGION = "us-east-1"
    forget_taggers()
    photo = ingest(owner, "a.jpg", make_image(size=(2400, 1600), exif=camera_exif(gps=AREZZO)))
    with Stubber(get_tagger("rekognition").client) as stubber:
        stub_success(stubber)
        analyse_photo.apply(args=[photo.pk, "rekognition"])
    forget_taggers()
    assert PhotoPlace.objects.get(photo=photo).city == "Arezzo"
    assert "arezzo" in place_tags(photo) and PhotoTag.objects.filter(photo=photo, source="rekognition").exists()


def test_a_place_finds_its_photos_in_search(owner_client, located):
    page = owner_client.get(reverse("analysis:search"), {"q": "arezzo"}).content.decode()
    assert "2 photos found" in page
    page = owner_client.get(reverse("analysis:search"), {"tag": "italy", "source": "place"}).content.decode()
    assert "2 photos found" in page


def test_places_page_countries_then_cities_with_counts_and_covers(owner_client, located):
    page = owner_client.get(reverse("analysis:places")).content.decode()
    assert page.index("Italy") < page.index("Arezzo") < page.index("France") < page.index("Paris")
    assert "2 photos" in page and "1 photo" in page
    assert reverse("gallery:photo_thumbnail", args=[located[1].pk]) in page  # the newest in Arezzo
    assert "?tag=arezzo&amp;source=place" in page


def test_places_beyond_the_newest_photos_get_their_covers_too(owner_client, located, monkeypatch):
    monkeypatch.setattr(selectors, "COVER_SCAN", 1)  # only the newest located photo looked through
    page = owner_client.get(reverse("analysis:places")).content.decode()
    for cover in (located[1], located[2]):  # Arezzo's newest, Paris's only
        assert reverse("gallery:photo_thumbnail", args=[cover.pk]) in page


def test_trashed_photos_leave_the_places(owner_client, located):
    for photo in located[:2]:
        photo.move_to_trash()
    page = owner_client.get(reverse("analysis:places")).content.decode()
    assert "Italy" not in page and "Paris" in page
    assert [row[0] for row in map_points(owner_client)] == [located[2].pk]


def test_map_data_lists_only_the_owner_s_located_photos(owner_client, stranger_client, located):
    data = map_points(owner_client)
    assert sorted(row[0] for row in data) == sorted(photo.pk for photo in located[:3])
    arezzo = next(row for row in data if row[0] == located[0].pk)
    assert arezzo[1] == pytest.approx(43.4674, abs=1e-3) and arezzo[2] == pytest.approx(11.885, abs=1e-3)
    assert map_points(stranger_client) == []
    stranger_page = stranger_client.get(reverse("analysis:places")).content.decode()
    assert "No places yet" in stranger_page and "Italy" not in stranger_page
    assert "No photos with a location" in stranger_client.get(reverse("analysis:places_map")).content.decode()


@pytest.mark.parametrize("name", ["places", "places_map", "places_map_data"])
def test_places_need_sign_in(client, name):
    response = client.get(reverse(f"analysis:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def shared_page(client, owner, photo, **options) -> str:
    """The page a link to the photo shows (analysed and clear first: links show nothing else)."""
    PhotoAnalysis.objects.update_or_create(photo=photo, defaults={"state": "done", "moderation": "clear"})
    response = client.get(ShareLink.objects.create(owner=owner, photo=photo, **options).get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_share_links_do_not_reveal_the_place(client, owner, located):
    page = shared_page(client, owner, located[0])
    assert "Arezzo" not in page and "Tuscany" not in page and "Italy" not in page


def test_share_links_with_location_name_the_place(client, owner, located):
    assert "<dt>Place</dt><dd>Arezzo, Tuscany, Italy</dd>" in shared_page(client, owner, located[0], include_location=True)
    # A photo without GPS: no place, and no empty heading.
    assert "<dt>Place</dt>" not in shared_page(client, owner, located[3], include_location=True)


def test_the_places_command_places_photos_analysed_before(located):
    PhotoPlace.objects.all().delete()
    PhotoTag.objects.filter(source="place").delete()
    call_command("places", stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    assert PhotoPlace.objects.count() == 3 and place_tags(located[0]) == ["arezzo", "italy", "tuscany"]


@needs_shared_photos
def test_real_gps_photos_are_placed(owner, ingest):
    photo = ingest(owner, "DSCN0010.jpg", (SHARED_PHOTOS / "gps" / "DSCN0010.jpg").read_bytes())
    assert str(photo_locate(photo=photo)) == "Arezzo, Tuscany, Italy"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_shows_markers_without_tiles(owner, located, live_site, owner_page):
    page = owner_page
    page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())  # offline, as CI is
    page.goto(f"{live_site}/places/map/")
    # Arezzo's two photos (one spot) clustered, Paris's one a marker; its card opens on a click.
    # (At first all three are one cluster; fitting the map to them splits it.)
    expect(page.locator("path.leaflet-interactive")).to_have_count(1)
    expect(page.locator(".marker-cluster")).to_have_text(["2"])
    page.locator("path.leaflet-interactive").click()
    card = page.locator(".leaflet-popup .map-card")
    expect(card).to_have_attribute("href", f"/photos/{located[2].pk}/")
    expect(card.locator("img")).to_have_attribute("src", f"/photos/{located[2].pk}/thumbnail.jpg")
