from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gallery.models import Photo
from gallery.services import photo_ingest
from pictura.testing.factories import files_under, photo_row
from pictura.testing.images import camera_exif, make_image, upload

pytestmark = pytest.mark.django_db

PHOTO_PAGES = ["photo", "photo_edit", "photo_delete", "photo_original", "photo_thumbnail", "photo_preview"]


@pytest.fixture
def photo(owner, ingest):
    return ingest(owner, "Sunset.jpg", make_image(size=(2000, 1500), exif=camera_exif()))


def url(name, photo=None):
    return reverse(f"gallery:{name}", args=[photo.pk] if photo else [])


@pytest.mark.parametrize("name", PHOTO_PAGES)
def test_owner_reaches_every_photo_page(owner_client, photo, name):
    assert owner_client.get(url(name, photo)).status_code == 200


@pytest.mark.parametrize("name", PHOTO_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_stranger_gets_404_on_every_photo_page(stranger_client, photo, name, method, media_root):
    stored = files_under(media_root)
    response = getattr(stranger_client, method)(url(name, photo), {"title": "pwned"})
    assert response.status_code in (404, 405)
    photo.refresh_from_db()
    assert photo.title == ""
    assert files_under(media_root) == stored


@pytest.mark.parametrize("name", PHOTO_PAGES)
def test_anonymous_is_sent_to_sign_in_from_every_photo_page(client, photo, name):
    response = client.get(url(name, photo))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url(name, photo)}"


@pytest.mark.parametrize("name", ["index", "upload"])
def test_anonymous_is_sent_to_sign_in_from_the_gallery_and_upload(client, name):
    response = client.get(url(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_unknown_photo_is_404(owner_client):
    assert owner_client.get(reverse("gallery:photo", args=[987654])).status_code == 404


def test_gallery_empty_state(owner_client):
    response = owner_client.get(url("index"))
    assert response.status_code == 200
    assert "No photos yet" in response.content.decode()


def test_gallery_shows_only_the_users_photos_newest_capture_first(owner_client, owner, stranger):
    def add(user, name, taken):
        exif = camera_exif(taken=taken) if taken else None
        return photo_ingest(owner=user, upload=upload(name, make_image(color=(len(name) * 20, 9, 9), exif=exif)))

    old = add(owner, "old.jpg", "2001:01:01 10:00:00")
    new = add(owner, "new.jpg", "2020:01:01 10:00:00")
    undated = add(owner, "undated.jpg", None)  # sorts by upload time: today, so first
    theirs = add(stranger, "theirs.jpg", "2022:01:01 10:00:00")

    response = owner_client.get(url("index"))

    assert list(response.context["page"].object_list) == [undated, new, old]
    assert reverse("gallery:photo", args=[theirs.pk]) not in response.content.decode()


def test_gallery_pages_walk_older_and_back_by_the_edge_photos(owner_client, owner, settings):
    settings.PICTURA_PHOTOS_PER_PAGE = 2
    same_time = timezone.now()
    photos = [photo_row(owner, sort_at=same_time) for _ in range(5)]  # one instant: ties go by id
    newest_first = photos[::-1]

    def walk(query, direction):
        pages, page = [], owner_client.get(url("index") + "?" + query).context["page"]
        while True:
            pages.append(list(page.object_list))
            link = page.older if direction == "older" else page.newer
            if not link:
                return pages
            page = owner_client.get(url("index") + "?" + link).context["page"]

    assert walk("", "older") == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    # The oldest page is full, and walking newer from it reaches the newest photo.
    assert walk("oldest=1", "newer") == [newest_first[3:5], newest_first[1:3], newest_first[0:1]]
    for nonsense in ("older=nonsense", "newer=1.2.3", "older=99999999999999999999999.1", "page=7"):
        page = owner_client.get(url("index") + "?" + nonsense).context["page"]
        assert list(page.object_list) == newest_first[0:2] and not page.has_previous


def test_the_gallery_is_grouped_by_month_and_jumps_to_one(owner_client, owner, settings):
    settings.PICTURA_PHOTOS_PER_PAGE = 3
    at = [datetime(2024, 7, 20, tzinfo=UTC), datetime(2024, 7, 2, tzinfo=UTC),
          datetime(2024, 5, 31, 23, tzinfo=UTC), datetime(2023, 12, 25, tzinfo=UTC)]
    photos = [photo_row(owner, sort_at=moment) for moment in at]

    first = owner_client.get(url("index"))
    assert [(month, list(shown)) for month, shown in first.context["page"].by_month()] == [
        (date(2024, 7, 1), photos[0:2]), (date(2024, 5, 1), photos[2:3])
    ]
    html = first.content.decode()
    assert html.index("July 2024") < html.index("May 2024") and "December 2023" not in html
    assert 'type="month"' in html

    jumped = owner_client.get(url("index"), {"month": "2024-06"}).context["page"]  # no photo in June
    assert list(jumped.object_list) == photos[2:4] and jumped.has_previous
    assert "month=" not in jumped.older + jumped.newer  # the links go on from the photos shown
    assert list(owner_client.get(url("index"), {"month": "2023-12"}).context["page"].object_list) == photos[3:4]
    for nonsense in ("2024-13", "2024", "x-y", "99999-01", "0-01"):
        page = owner_client.get(url("index"), {"month": nonsense}).context["page"]
        assert list(page.object_list) == photos[0:3], nonsense


def test_a_page_whose_edge_photo_was_deleted_still_follows_on(owner_client, owner, settings):
    settings.PICTURA_PHOTOS_PER_PAGE = 2
    photos = [photo_row(owner, sort_at=timezone.now() - timedelta(days=n)) for n in range(4)]
    first = owner_client.get(url("index")).context["page"]
    photos[1].delete()  # the edge of the first page
    second = owner_client.get(url("index") + "?" + first.older).context["page"]
    assert list(second.object_list) == photos[2:4]


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.slow  # many photos made on purpose
def test_gallery_query_count_does_not_grow_with_photos(owner_client, owner):
    def add(n, start):
        for i in range(start, start + n):
            photo_ingest(owner=owner, upload=upload(f"{i}.png", make_image(fmt="PNG", size=(8, 8), color=(i, 1, 1))))

    add(2, 0)
    few = count_queries(owner_client, url("index"))
    add(40, 2)
    many = count_queries(owner_client, url("index"))
    assert few == many
    assert many <= 5  # session, user, count, page, the user's albums for the selection bar


def test_photo_page_shows_metadata_and_neighbours(owner_client, owner):
    photos = [
        photo_ingest(owner=owner, upload=upload(f"{day}.jpg", make_image(color=(day, 5, 5), exif=camera_exif(
            taken=f"2020:01:{day:02d} 10:00:00"))))
        for day in (1, 2, 3)
    ]
    response = owner_client.get(photos[1].get_absolute_url())
    html = response.content.decode()
    assert (response.context["newer"], response.context["older"]) == (photos[2], photos[0])
    assert "Canon EOS 40D" in html and "1/250 s" in html and "ƒ/5.6" in html and "ISO 400" in html
    first = owner_client.get(photos[2].get_absolute_url()).context
    assert first["newer"] is None and first["older"] == photos[1]


def test_photo_page_shows_location_when_the_photo_has_one(owner_client, owner):
    gps = (("N", (48.0, 51.0, 30.0)), ("E", (2.0, 17.0, 40.0)))
    photo = photo_ingest(owner=owner, upload=upload("paris.jpg", make_image(exif=camera_exif(gps=gps))))
    assert "48.85833, 2.29444" in owner_client.get(photo.get_absolute_url()).content.decode()


def test_pending_photo_page_refreshes_itself_until_renditions_exist(owner_client, photo):
    Photo.objects.filter(pk=photo.pk).update(renditions_state=Photo.Renditions.PENDING, thumbnail="", preview="")
    html = owner_client.get(photo.get_absolute_url()).content.decode()
    assert '<meta http-equiv="refresh"' in html and "Preparing…" in html
    assert owner_client.get(url("photo_preview", photo)).status_code == 404


def test_download_gives_the_original_bytes_under_the_original_name(owner_client, photo, media_root):
    response = owner_client.get(url("photo_original", photo))
    assert response["Content-Disposition"] == 'attachment; filename="Sunset.jpg"'
    assert b"".join(response.streaming_content) == (media_root / photo.original.name).read_bytes()
    assert response["Cache-Control"].startswith("private")


def test_renditions_are_served_inline_as_jpeg(owner_client, photo):
    response = owner_client.get(url("photo_thumbnail", photo))
    assert response["Content-Type"] == "image/jpeg"
    assert "attachment" not in response.get("Content-Disposition", "")


def test_edit_title_and_description(owner_client, photo):
    response = owner_client.post(url("photo_edit", photo), {"title": "Evening", "description": "At the lake"})
    assert response.status_code == 302 and response["Location"] == photo.get_absolute_url()
    photo.refresh_from_db()
    assert (photo.title, photo.description) == ("Evening", "At the lake")


def test_edit_rejects_an_overlong_title(owner_client, photo):
    response = owner_client.post(url("photo_edit", photo), {"title": "x" * 201, "description": ""})
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()


def test_delete_asks_first_then_moves_the_photo_to_the_trash(owner_client, photo, media_root):
    assert "Move this photo to the trash?" in owner_client.get(url("photo_delete", photo)).content.decode()

    response = owner_client.post(url("photo_delete", photo))

    assert response.status_code == 302 and response["Location"] == reverse("gallery:index")
    photo.refresh_from_db()
    assert photo.in_trash
    assert len(files_under(media_root)) == 3  # nothing is lost until the trash is emptied


def test_sort_at_uses_capture_time_with_its_offset(owner):
    photo = photo_ingest(owner=owner, upload=upload("a.jpg", make_image(exif=camera_exif(offset="-05:00"))))
    assert photo.sort_at == datetime(2021, 6, 1, 17, 30, tzinfo=UTC)
    assert photo.uploaded_at - photo.sort_at > timedelta(days=1)


def test_downloads_carry_the_detected_content_type_not_the_clients(owner_client):
    png = make_image("PNG", size=(120, 80))
    owner_client.post(reverse("gallery:upload"), {"files": [upload("notes.html", png, "text/html")]})
    photo = Photo.objects.get()
    response = owner_client.get(reverse("gallery:photo_original", args=[photo.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="notes.html"'
