import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from albums.models import Album, AlbumPhoto
from analysis.models import Face, Person, PhotoAnalysis, PhotoTag, Tag
from gallery.models import Photo

pytestmark = pytest.mark.django_db

DATA = reverse("analysis:stats_data")


def make_rows(user, n, *, start=0, uploaded_at=None, camera=("Canon", "Canon EOS 40D"), size=1024 * 1024):
    now = timezone.now()
    photos = [
        Photo(owner=user, original=f"photos/{user.pk}/{user.pk}-{i}.jpg", original_filename=f"{i}.jpg",
              image_format="JPEG", file_size=size, sha256=f"{user.pk:08x}{i:056x}", width=10, height=10,
              camera_make=camera[0], camera_model=camera[1], sort_at=uploaded_at or now, uploaded_at=uploaded_at or now)
        for i in range(start, start + n)
    ]
    return Photo.objects.bulk_create(photos)


def tag(photo, name, source):
    PhotoTag.objects.create(photo=photo, tag=Tag.objects.get_or_create(name=name)[0], source=source)


@pytest.fixture
def library(owner, stranger):
    a, b, c = make_rows(owner, 3)
    tag(a, "dog", "rekognition")
    tag(b, "dog", "rekognition")
    tag(b, "cat", "manual")
    album = Album.objects.create(owner=owner, title="Pets")
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in (a, b)])
    PhotoAnalysis.objects.create(photo=a, state="done")
    PhotoAnalysis.objects.create(photo=b, state="failed")
    [old] = make_rows(owner, 1, start=10, uploaded_at=timezone.now() - timedelta(days=800), camera=("NIKON", "D70"))
    theirs = make_rows(stranger, 5, camera=("Apple", "iPhone 12"))
    tag(theirs[0], "secret", "manual")
    # Ana on a and b (twice on b), Bo on c, an unnamed group on a and a hidden person on c.
    ana, bo, unnamed = (Person.objects.create(owner=owner, name=name) for name in ("Ana", "Bo", ""))
    hidden = Person.objects.create(owner=owner, name="Hidden Hugo", hidden=True)
    stranger_s = Person.objects.create(owner=stranger, name="Stranger's friend")
    for photo, person in [(a, ana), (b, ana), (b, ana), (c, bo), (a, unnamed), (c, hidden), (theirs[0], stranger_s)]:
        Face.objects.create(photo=photo, person=person, source="local", left=0, top=0, width=.1, height=.1,
                            confidence=99, size=100, sharpness=80)
    count_tallies()
    return a, b, c, old


def count_tallies():
    """The rows above were written directly, around the services that keep the tallies: count
    them as `manage.py recount --fix` would after such a change."""
    call_command("recount", "--fix", stdout=io.StringIO())


def test_user_statistics_on_known_data(owner_client, library):
    charts = owner_client.get(DATA, {"range": "12m"}).json()["charts"]
    today = timezone.now().strftime("%Y-%m")
    assert charts["top_tags"] == {"labels": ["dog", "cat"], "values": [2, 1]}
    assert charts["uploads"] == {"labels": [today], "values": [3]}
    assert charts["tags_by_source"] == {
        "labels": ["Amazon Rekognition", "Local model", "Added by you", "Place (from GPS)", "Keyword in the file"],
        "values": [2, 0, 1, 0, 0]
    }
    assert charts["photos_per_album"] == {"labels": ["Pets"], "values": [2]}
    assert charts["people"] == {"labels": ["Ana", "Bo"], "values": [2, 1]}
    assert charts["storage"] == {"labels": [today], "values": [4.0], "unit": "MB"}  # 1 MB before the range + 3
    assert charts["cameras"] == {"labels": ["Canon EOS 40D"], "values": [3]}
    assert charts["analysis"] == {"labels": ["Done", "Waiting", "Failed", "Not analysed"], "values": [1, 0, 1, 1]}


def test_ranges(owner_client, library):
    all_time = owner_client.get(DATA, {"range": "all"}).json()["charts"]
    assert sum(all_time["uploads"]["values"]) == 4
    assert all_time["cameras"] == {"labels": ["Canon EOS 40D", "NIKON D70"], "values": [3, 1]}
    recent = owner_client.get(DATA, {"range": "3m"}).json()
    assert recent["range"] == "3m"
    assert recent["charts"]["uploads"] == {"labels": [timezone.now().strftime("%Y-%m")], "values": [3]}
    assert owner_client.get(DATA, {"range": "nonsense"}).json()["range"] == "12m"


def test_statistics_are_isolated_per_user(stranger_client, library):
    charts = stranger_client.get(DATA).json()["charts"]
    assert charts["top_tags"] == {"labels": ["secret"], "values": [1]}
    assert charts["cameras"] == {"labels": ["Apple iPhone 12"], "values": [5]}
    assert charts["photos_per_album"] == {"labels": [], "values": []}
    assert charts["people"] == {"labels": ["Stranger's friend"], "values": [1]}


def test_trash_is_left_out(owner_client, owner, library):
    library[0].move_to_trash()
    assert owner_client.get(DATA).json()["charts"]["top_tags"] == {"labels": ["cat", "dog"], "values": [1, 1]}


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.slow  # many photos made on purpose
@pytest.mark.parametrize("url_name", ["analysis:stats_data", "analysis:stats"])
def test_query_count_is_the_same_for_10_and_1000_photos(owner_client, owner, url_name):
    album = Album.objects.create(owner=owner, title="All")
    tags = [Tag.objects.get_or_create(name=f"t{i % 30}")[0] for i in range(30)]
    few = make_rows(owner, 10)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in few])
    PhotoTag.objects.bulk_create([PhotoTag(photo=p, tag=tags[i], source="local") for i, p in enumerate(few)])
    count_tallies()
    at_10 = count_queries(owner_client, reverse(url_name))
    many = make_rows(owner, 990, start=10)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in many])
    PhotoTag.objects.bulk_create([PhotoTag(photo=p, tag=tags[i % 30], source="local") for i, p in enumerate(many)])
    count_tallies()
    assert count_queries(owner_client, reverse(url_name)) == at_10


def test_page_is_readable_without_javascript(owner_client, library):
    html = owner_client.get(reverse("analysis:stats")).content.decode()
    assert html.count('<table class="chart-table">') == 8
    assert "<td>dog</td><td>2</td>" in html
    assert 'data-url="/stats/data.json?range=12m"' in html


def test_site_statistics_are_for_staff(owner_client, client, django_user_model, library):
    assert owner_client.get(reverse("analysis:site_stats_data")).status_code == 302
    assert owner_client.get(reverse("analysis:site_stats")).status_code == 302
    staff = django_user_model.objects.create_user("boss", "boss@example.org", "boss pass 123", is_staff=True, tier="full")
    client.force_login(staff)
    PhotoAnalysis.objects.filter(photo=library[0]).update(moderation="flagged")
    charts = client.get(reverse("analysis:site_stats_data")).json()["charts"]
    assert charts["users_by_tier"] == {"labels": ["Basic", "Core", "Full"], "values": [2, 0, 1]}
    assert charts["moderation_queue"] == {"labels": ["Flagged for review"], "values": [1]}
    assert charts["cameras"] == {"labels": ["Apple iPhone 12", "Canon EOS 40D"], "values": [5, 3]}
    assert client.get(reverse("analysis:site_stats")).status_code == 200


@pytest.mark.parametrize("name", ["stats", "stats_data"])
def test_stats_need_sign_in(client, name):
    response = client.get(reverse(f"analysis:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_site_statistics_show_no_album_titles_or_typed_tags(admin_client, library):
    charts = admin_client.get(reverse("analysis:site_stats_data")).json()["charts"]
    assert "photos_per_album" not in charts and "people" not in charts
    assert charts["top_tags"] == {"labels": ["dog"], "values": [2]}  # not "cat" nor "secret": typed by people
    html = admin_client.get(reverse("analysis:site_stats")).content.decode()
    assert "Pets" not in html and "secret" not in html and ">Ana<" not in html and ">cat<" not in html
