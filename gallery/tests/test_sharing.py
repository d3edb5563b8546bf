import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from albums.models import Album, AlbumPhoto
from conftest import SHARED_PHOTOS, camera_exif, make_image, needs_shared_photos, upload
from gallery.models import ShareLink
from gallery.services import photo_ingest

pytestmark = pytest.mark.django_db(transaction=True)

GPS = (("N", (48.0, 51.0, 30.0)), ("E", (2.0, 17.0, 40.0)))


@pytest.fixture
def photo(owner):
    return photo_ingest(owner=owner, upload=upload("eiffel.jpg", make_image(size=(900, 600), exif=camera_exif(gps=GPS))))


@pytest.fixture
def album(owner, add_photos):
    album = Album.objects.create(owner=owner, title="Paris", description="Spring trip")
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in add_photos(owner, 2)])
    return album


def create_link(client, follow=False, **data):
    return client.post(reverse("gallery:share_create"), data, follow=follow)


def file_url(link, photo, kind):
    return reverse("gallery:shared_file", args=[link.token, photo.pk, kind])


def test_owner_creates_a_link_with_an_unguessable_token(owner_client, photo):
    response = create_link(owner_client, photo=photo.pk)
    assert response["Location"] == f"{photo.get_absolute_url()}#sharing"
    link = ShareLink.objects.get()
    assert (link.photo, link.album, link.expires_at, link.include_location) == (photo, None, None, False)
    assert len(link.token) >= 43
    page = owner_client.get(photo.get_absolute_url()).content.decode()
    assert f"http://testserver/s/{link.token}/" in page and "Copy link" in page


def test_expiry_date_is_the_last_day_the_link_works(owner_client, photo):
    tomorrow = timezone.localdate() + timedelta(days=1)
    create_link(owner_client, photo=photo.pk, expires_on=tomorrow.isoformat())
    link = ShareLink.objects.get()
    assert timezone.localtime(link.expires_at).date() == tomorrow + timedelta(days=1)
    assert link.status == "active"


def test_expiry_in_the_past_is_refused(owner_client, photo):
    response = create_link(owner_client, photo=photo.pk, expires_on="2001-01-01", follow=True)
    assert "Choose today or a day in the future." in response.content.decode()
    assert not ShareLink.objects.exists()


def test_stranger_cannot_share_my_photo_or_album(stranger_client, photo, album):
    assert create_link(stranger_client, photo=photo.pk).status_code == 404
    assert create_link(stranger_client, album=album.pk).status_code == 404
    assert create_link(stranger_client, photo="nonsense").status_code == 404
    assert not ShareLink.objects.exists()


def test_shared_photo_page_works_without_signing_in_and_counts_views(client, owner, photo):
    link = ShareLink.objects.create(owner=owner, photo=photo)
    for _ in range(2):
        response = client.get(link.get_absolute_url())
        assert response.status_code == 200
    html = response.content.decode()
    assert "eiffel.jpg" in html and "Download" in html
    assert "Edit" not in html and "Delete" not in html and "Move to trash" not in html
    link.refresh_from_db()
    assert link.view_count == 2
    assert client.get(file_url(link, photo, "preview")).status_code == 200
    assert client.get(file_url(link, photo, "thumbnail"))["Content-Type"] == "image/jpeg"


def test_shared_album_shows_only_its_photos(client, owner, album, add_photos):
    outsider = add_photos(owner, 1)[0]
    inside = list(album.visible_photos())
    link = ShareLink.objects.create(owner=owner, album=album)

    response = client.get(link.get_absolute_url())

    assert response.status_code == 200
    assert set(response.context["page"].object_list) == set(inside)
    assert "Spring trip" in response.content.decode()
    assert client.get(reverse("gallery:shared_photo", args=[link.token, inside[0].pk])).status_code == 200
    for kind in ("thumbnail", "preview", "original"):
        assert client.get(file_url(link, inside[0], kind)).status_code == 200
        assert client.get(file_url(link, outsider, kind)).status_code == 404
    assert client.get(reverse("gallery:shared_photo", args=[link.token, outsider.pk])).status_code == 404


def test_a_photo_link_shows_no_other_photo(client, owner, photo, add_photos):
    other = add_photos(owner, 1)[0]
    link = ShareLink.objects.create(owner=owner, photo=photo)
    assert client.get(file_url(link, other, "original")).status_code == 404
    assert client.get(reverse("gallery:shared_photo", args=[link.token, photo.pk])).status_code == 404


def test_revoked_link_serves_nothing(owner_client, client, owner, photo):
    link = ShareLink.objects.create(owner=owner, photo=photo)
    owner_client.post(reverse("gallery:share_revoke", args=[link.pk]))
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410
    assert "This link was revoked" in response.content.decode()
    for kind in ("thumbnail", "preview", "original"):
        assert client.get(file_url(link, photo, kind)).status_code == 410
    link.refresh_from_db()
    assert link.view_count == 0


def test_expired_link_serves_nothing(client, owner, album):
    link = ShareLink.objects.create(owner=owner, album=album, expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    photo = album.visible_photos().first()
    assert client.get(file_url(link, photo, "original")).status_code == 410


def test_unknown_token_is_404(client):
    assert client.get(reverse("gallery:shared", args=["x" * 43])).status_code == 404


def test_stranger_cannot_revoke_or_list_my_links(stranger_client, owner, photo):
    link = ShareLink.objects.create(owner=owner, photo=photo)
    assert stranger_client.post(reverse("gallery:share_revoke", args=[link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
    assert list(stranger_client.get(reverse("gallery:shared_links")).context["links"]) == []


@pytest.mark.parametrize("name, args, method", [("shared_links", [], "get"), ("share_create", [], "post"), ("share_revoke", [1], "post")])
def test_link_management_needs_sign_in(client, name, args, method):
    response = getattr(client, method)(reverse(f"gallery:{name}", args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_shared_links_page_lists_links_with_view_counts(owner_client, owner, photo, album):
    ShareLink.objects.create(owner=owner, photo=photo, view_count=7)
    ShareLink.objects.create(owner=owner, album=album, revoked_at=timezone.now())
    html = owner_client.get(reverse("gallery:shared_links")).content.decode()
    assert "eiffel.jpg" in html and "Paris" in html
    assert "<td>7</td>" in html and "Revoked" in html


def gps_of(data: bytes):
    return Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_shared_original_has_no_location_but_the_same_picture(client, owner, photo, media_root):
    original = (media_root / photo.original.name).read_bytes()
    assert gps_of(original)  # the upload has a location
    link = ShareLink.objects.create(owner=owner, photo=photo)

    response = client.get(file_url(link, photo, "original"))

    shared = response.content
    assert response["Content-Disposition"] == 'attachment; filename="eiffel.jpg"'
    assert not gps_of(shared)
    assert Image.open(io.BytesIO(shared)).getexif()[ExifTags.Base.Model] == "Canon EOS 40D"
    assert Image.open(io.BytesIO(shared)).tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_owner_can_opt_in_to_share_the_location(client, owner, photo, media_root):
    link = ShareLink.objects.create(owner=owner, photo=photo, include_location=True)
    response = client.get(file_url(link, photo, "original"))
    assert b"".join(response.streaming_content) == (media_root / photo.original.name).read_bytes()


@needs_shared_photos
def test_real_gps_photo_loses_gps_and_xmp_when_shared(client, owner):
    data = (SHARED_PHOTOS / "gps" / "DSCN0010.jpg").read_bytes()
    photo = photo_ingest(owner=owner, upload=upload("DSCN0010.jpg", data))
    link = ShareLink.objects.create(owner=owner, photo=photo)
    shared = client.get(file_url(link, photo, "original")).content
    assert gps_of(data) and not gps_of(shared)
    assert b"http://ns.adobe.com/xap/1.0/" not in shared


def test_png_with_location_is_rewritten_without_it(client, owner):
    exif = camera_exif(gps=GPS)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(buffer, "PNG", exif=exif)
    photo = photo_ingest(owner=owner, upload=upload("map.png", buffer.getvalue(), "image/png"))
    link = ShareLink.objects.create(owner=owner, photo=photo)
    shared = client.get(file_url(link, photo, "original")).content
    assert gps_of(buffer.getvalue()) and not gps_of(shared)
    assert Image.open(io.BytesIO(shared)).tobytes() == Image.open(buffer).tobytes()


def test_album_page_has_a_copy_link_button(owner_client, owner, album):
    link = ShareLink.objects.create(owner=owner, album=album)
    html = owner_client.get(album.get_absolute_url()).content.decode()
    assert f"/s/{link.token}/" in html and 'data-copy="share-link-' in html


def test_expiry_date_today_still_works_today(owner_client, photo):
    create_link(owner_client, photo=photo.pk, expires_on=date.today().isoformat())
    assert ShareLink.objects.get().status == "active"
