import io
import struct
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, PngImagePlugin

from albums.models import Album, AlbumPhoto, ShareLink
from gallery.services import photo_ingest
from pictura.testing.images import SHARED_PHOTOS, camera_exif, make_image, needs_shared_photos, upload

pytestmark = [
    pytest.mark.django_db(transaction=True),  # downloads queue their copy and expect it made at commit
    pytest.mark.usefixtures("photos_pass_moderation"),
]

GPS = (("N", (48.0, 51.0, 30.0)), ("E", (2.0, 17.0, 40.0)))


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


@pytest.fixture
def photo(owner):
    return photo_ingest(owner=owner, upload=upload("eiffel.jpg", make_image(size=(900, 600), exif=camera_exif(gps=GPS))))


@pytest.fixture
def album(owner, add_photos):
    album = Album.objects.create(owner=owner, title="Paris", description="Spring trip")
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in add_photos(owner, 2)])
    return album


def create_link(client, follow=False, **data):
    return client.post(reverse("sharing:create"), data, follow=follow)


def file_url(link, photo, kind):
    return reverse("sharing:file", args=[link.token, photo.pk, kind])


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
    assert client.get(reverse("sharing:photo", args=[link.token, inside[0].pk])).status_code == 200
    for kind in ("thumbnail", "preview", "original"):
        assert client.get(file_url(link, inside[0], kind)).status_code == 200
        assert client.get(file_url(link, outsider, kind)).status_code == 404
    assert client.get(reverse("sharing:photo", args=[link.token, outsider.pk])).status_code == 404


def test_a_photo_link_shows_no_other_photo(client, owner, photo, add_photos):
    other = add_photos(owner, 1)[0]
    link = ShareLink.objects.create(owner=owner, photo=photo)
    assert client.get(file_url(link, other, "original")).status_code == 404
    assert client.get(reverse("sharing:photo", args=[link.token, photo.pk])).status_code == 404


def test_revoked_link_serves_nothing(owner_client, client, owner, photo):
    link = ShareLink.objects.create(owner=owner, photo=photo)
    owner_client.post(reverse("sharing:revoke", args=[link.pk]))
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
    assert client.get(reverse("sharing:shared", args=["x" * 43])).status_code == 404


def test_stranger_cannot_revoke_or_list_my_links(stranger_client, owner, photo):
    link = ShareLink.objects.create(owner=owner, photo=photo)
    assert stranger_client.post(reverse("sharing:revoke", args=[link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
    assert list(stranger_client.get(reverse("sharing:links")).context["links"]) == []


@pytest.mark.parametrize(
    "name, args, method", [("links", [], "get"), ("create", [], "post"), ("revoke", [1], "post")]
)
def test_link_management_needs_sign_in(client, name, args, method):
    response = getattr(client, method)(reverse(f"sharing:{name}", args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_shared_links_page_lists_links_with_view_counts(owner_client, owner, photo, album):
    ShareLink.objects.create(owner=owner, photo=photo, view_count=7)
    ShareLink.objects.create(owner=owner, album=album, revoked_at=timezone.now())
    html = owner_client.get(reverse("sharing:links")).content.decode()
    assert "eiffel.jpg" in html and "Paris" in html
    assert "<td>7</td>" in html and "Revoked" in html


def gps_of(data: bytes):
    return Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_shared_original_has_no_location_but_the_same_picture(client, owner, photo, media_root):
    original = (media_root / photo.original.name).read_bytes()
    assert gps_of(original)  # the upload has a location
    link = ShareLink.objects.create(owner=owner, photo=photo)

    response = client.get(file_url(link, photo, "original"))

    shared = downloaded(response)
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
    shared = downloaded(client.get(file_url(link, photo, "original")))
    assert gps_of(data) and not gps_of(shared)
    assert b"http://ns.adobe.com/xap/1.0/" not in shared


def test_png_with_location_is_rewritten_without_it(client, owner):
    exif = camera_exif(gps=GPS)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(buffer, "PNG", exif=exif)
    photo = photo_ingest(owner=owner, upload=upload("map.png", buffer.getvalue(), "image/png"))
    link = ShareLink.objects.create(owner=owner, photo=photo)
    shared = downloaded(client.get(file_url(link, photo, "original")))
    assert gps_of(buffer.getvalue()) and not gps_of(shared)
    assert Image.open(io.BytesIO(shared)).tobytes() == Image.open(buffer).tobytes()


def test_album_page_has_a_copy_link_button(owner_client, owner, album):
    link = ShareLink.objects.create(owner=owner, album=album)
    html = owner_client.get(album.get_absolute_url()).content.decode()
    assert f"/s/{link.token}/" in html and 'data-copy="share-link-' in html


def test_expiry_date_today_still_works_today(owner_client, photo):
    create_link(owner_client, photo=photo.pk, expires_on=date.today().isoformat())
    assert ShareLink.objects.get().status == "active"


# --- Location, wherever a file hides it ----------------------------------------------------------

XMP_WITH_GPS = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.504N" '
    'exif:GPSLongitude="2,17.67E"/></rdf:RDF></x:xmpmeta>'
)
# Text that only the location in each place contains.
LOCATION_TRACES = [b"51.504N", b"17.67E", b"Paris", b"48.8584"]


def _segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_location_everywhere() -> bytes:
    """EXIF GPS, XMP, extended XMP, IPTC (city) and a motion photo's trailing video."""
    xmp = XMP_WITH_GPS.encode()
    extended = b"http://ns.adobe.com/xmp/extension/\x00" + b"0" * 32 + struct.pack(">II", len(xmp), 0) + xmp
    dataset = b"\x1c\x02\x5a" + struct.pack(">H", 5) + b"Paris"  # IPTC 2:90, City
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(dataset)) + dataset + b"\x00"
    data = make_image(size=(600, 400), exif=camera_exif(gps=GPS))
    return (data[:2] + _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp) + _segment(0xE1, extended)
            + _segment(0xED, b"Photoshop 3.0\x00" + resource) + data[2:]
            + b"\x00\x00\x00\x18ftypmp42 video shot at 48.8584")


def png_with_location_everywhere() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_WITH_GPS)
    info.add_text("Location", "Paris")
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 200, 30)).save(buffer, "PNG", exif=camera_exif(gps=GPS), pnginfo=info)
    return buffer.getvalue()


def saved_with_location(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 20, 30)).save(buffer, fmt, exif=camera_exif(gps=GPS), xmp=XMP_WITH_GPS.encode())
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, make, fmt",
    [
        ("motion.jpg", jpeg_with_location_everywhere, "JPEG"),
        ("map.png", png_with_location_everywhere, "PNG"),
        ("web.webp", lambda: saved_with_location("WEBP"), "WEBP"),
        ("phone.heic", lambda: saved_with_location("HEIF"), "HEIF"),
    ],
)
def test_location_is_removed_from_every_place_it_hides(client, owner, name, make, fmt):
    data = make()
    assert gps_of(data) and any(trace in data for trace in LOCATION_TRACES[:2])
    photo = photo_ingest(owner=owner, upload=upload(name, data, "application/octet-stream"))
    link = ShareLink.objects.create(owner=owner, photo=photo)

    shared = downloaded(client.get(file_url(link, photo, "original")))

    assert not gps_of(shared)
    assert not [trace for trace in LOCATION_TRACES if trace in shared]
    image, before = Image.open(io.BytesIO(shared)), Image.open(io.BytesIO(data))
    assert (image.format, image.size) == (fmt, before.size) and "xmp" not in image.info
    if fmt == "JPEG":
        assert shared.endswith(b"\xff\xd9")  # nothing after the end of the image
        assert image.tobytes() == before.tobytes()  # the picture itself is copied, not re-encoded


def test_the_copy_without_location_is_made_once_when_the_link_is_made(owner_client, client, owner, photo, settings, media_root):
    owner_client.post(reverse("sharing:create"), {"photo": photo.pk})
    photo.refresh_from_db()
    assert (media_root / photo.shareable_original.name).is_file()
    settings.PICTURA_EXIFTOOL = "/nonexistent/exiftool"  # a second strip would now fail
    link = ShareLink.objects.get()
    for _ in range(2):
        assert not gps_of(downloaded(client.get(file_url(link, photo, "original"))))


def test_a_download_not_yet_prepared_says_so(client, owner, photo, settings):
    settings.PICTURA_EXIFTOOL = "/nonexistent/exiftool"  # the task cannot make the copy
    link = ShareLink.objects.create(owner=owner, photo=photo)
    response = client.get(file_url(link, photo, "original"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "The download is being prepared" in response.content.decode()


def test_link_lists_cost_the_same_queries_for_one_link_or_five(owner_client, owner, photo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(url).status_code == 200
        return len(captured)

    ShareLink.objects.create(owner=owner, photo=photo)
    one = (queries(reverse("sharing:links")), queries(photo.get_absolute_url()))
    ShareLink.objects.bulk_create([ShareLink(owner=owner, photo=photo) for _ in range(4)])
    assert (queries(reverse("sharing:links")), queries(photo.get_absolute_url())) == one
