"""Watermarks on share links: set by the owner, drawn once by a task over the thumbnail, preview
and full-size picture, served only through links marked so, made again when the watermark
changes, and deleted with their photo or account."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from albums.models import Album, AlbumPhoto, ShareLink, Watermark, WatermarkedCopy
from gallery.models import Photo
from gallery.services import photo_ingest, photos_delete_for_good
from pictura.testing.factories import files_under
from pictura.testing.images import camera_exif, make_image, upload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("photos_pass_moderation")]

GPS = (("N", (48.0, 51.0, 30.0)), ("E", (2.0, 17.0, 40.0)))


@pytest.fixture
def photo(owner):
    photo = photo_ingest(owner=owner, upload=upload("eiffel.jpg", make_image(size=(1200, 800), exif=camera_exif(gps=GPS))))
    return Photo.objects.get(pk=photo.pk)  # with its renditions, made at commit


def png_logo(size=(120, 120)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (220, 40, 40, 255)).save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), "image/png")


def set_watermark(client, **overrides):
    data = {"text": "© 2026 Olivia", "position": "bottom-right", "size": 30, "opacity": 80, **overrides}
    return client.post(reverse("sharing:watermark"), data)


def marked_link(client, **target) -> ShareLink:
    client.post(reverse("sharing:create"), {**{k: v.pk for k, v in target.items()}, "watermark": "on"})
    return ShareLink.objects.get(watermark=True)


def fetched(client, link, photo, kind) -> bytes:
    response = client.get(reverse("sharing:file", args=[link.token, photo.pk, kind]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_links_marked_serve_watermarked_pictures_and_the_owner_sees_them_unmarked(
        owner_client, client, owner, photo, media_root):
    assert set_watermark(owner_client, logo_file=png_logo()).status_code == 302
    link = marked_link(owner_client, photo=photo)
    copy = WatermarkedCopy.objects.get(photo=photo)  # made when the link was (in-process here)

    for kind in ("thumbnail", "preview"):
        served = fetched(client, link, photo, kind)
        assert served == (media_root / getattr(copy, kind).name).read_bytes()
        assert served != (media_root / getattr(photo, kind).name).read_bytes()
    assert "Download (watermarked JPEG)" in client.get(link.get_absolute_url()).content.decode()
    response = client.get(reverse("sharing:file", args=[link.token, photo.pk, "original"]))
    assert response["Content-Disposition"] == 'attachment; filename="eiffel-watermarked.jpg"'
    full = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert (full.format, full.size) == ("JPEG", (1200, 800))
    assert not full.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # no location either
    # The mark is there: the bottom-right corner differs from the same corner of the preview.
    plain = Image.open(media_root / photo.preview.name).convert("RGB")
    marked = Image.open(io.BytesIO(fetched(client, link, photo, "preview"))).convert("RGB")
    corner = (plain.width * 3 // 4, plain.height * 7 // 8, plain.width - 10, plain.height - 10)
    assert plain.crop(corner).tobytes() != marked.crop(corner).tobytes()
    top_left = (0, 0, plain.width // 4, plain.height // 4)
    assert _close(plain.crop(top_left), marked.crop(top_left))

    # The owner's own pages and files never carry it; an unmarked link neither.
    own = owner_client.get(reverse("gallery:photo_preview", args=[photo.pk]))
    assert b"".join(own.streaming_content) == (media_root / photo.preview.name).read_bytes()
    plain_link = ShareLink.objects.create(owner=owner, photo=photo)
    assert fetched(client, plain_link, photo, "preview") == (media_root / photo.preview.name).read_bytes()


def _close(a: Image.Image, b: Image.Image) -> bool:
    """Equal but for JPEG's re-encoding noise."""
    return max(abs(x - y) for x, y in zip(a.tobytes(), b.tobytes(), strict=True)) < 40


def test_changing_the_watermark_makes_the_copies_again_and_deletes_the_old(owner_client, client, photo, media_root):
    set_watermark(owner_client)
    link = marked_link(owner_client, photo=photo)
    before = WatermarkedCopy.objects.get(photo=photo)
    old_files = [before.thumbnail.name, before.preview.name, before.full.name]
    first = fetched(client, link, photo, "preview")

    set_watermark(owner_client, text="Olivia Photography", position="center")
    after = WatermarkedCopy.objects.get(photo=photo)
    assert after.version == Watermark.objects.get().version == before.version + 1
    assert fetched(client, link, photo, "preview") != first
    assert not any((media_root / name).exists() for name in old_files)


def test_a_photo_added_to_a_marked_album_later_is_marked_when_first_asked(owner_client, client, owner, add_photos):
    set_watermark(owner_client)
    album = Album.objects.create(owner=owner, title="Paris")
    link = marked_link(owner_client, album=album)
    [later] = add_photos(owner, 1)
    AlbumPhoto.objects.create(album=album, photo=later)
    assert not WatermarkedCopy.objects.filter(photo=later).exists()
    fetched(client, link, later, "thumbnail")
    assert WatermarkedCopy.objects.filter(photo=later).exists()


def test_nothing_unmarked_goes_out_while_the_copy_cannot_be_made(owner_client, client, photo, media_root):
    set_watermark(owner_client)
    (media_root / photo.original.name).unlink()  # the task cannot read the original now
    link = marked_link(owner_client, photo=photo)
    assert not WatermarkedCopy.objects.exists()
    preview = client.get(reverse("sharing:file", args=[link.token, photo.pk, "preview"]))
    assert preview.status_code == 503 and preview["Retry-After"] == "30"
    original = client.get(reverse("sharing:file", args=[link.token, photo.pk, "original"]))
    assert original.status_code == 503 and "with its owner's watermark" in original.content.decode()


def test_deleting_the_photo_deletes_its_marked_copy(owner_client, owner, photo, media_root):
    set_watermark(owner_client)
    marked_link(owner_client, photo=photo)
    names = [file.name for file in WatermarkedCopy.objects.get(photo=photo).stored_files()]
    photos_delete_for_good(Photo.objects.filter(pk=photo.pk))
    assert not any((media_root / name).exists() for name in names)
    assert not [name for name in files_under(media_root) if f"/{owner.pk}/" in name and "renditions" in name]


def test_a_marked_link_needs_a_watermark_first(owner_client, photo):
    response = owner_client.post(reverse("sharing:create"), {"photo": photo.pk, "watermark": "on"}, follow=True)
    assert "Set up your watermark first" in response.content.decode() and not ShareLink.objects.exists()


def test_the_settings_refuse_what_would_not_work(owner_client, owner):
    response = set_watermark(owner_client, text="")
    assert "Type a text, add a logo, or both." in response.content.decode()
    response = set_watermark(owner_client, logo_file=SimpleUploadedFile("logo.png", b"not an image", "image/png"))
    assert "The logo cannot be used" in response.content.decode()
    big = SimpleUploadedFile("big.png", make_image("PNG", size=(10, 10)) + bytes(3 * 1024 * 1024), "image/png")
    assert "larger than 2 MB" in set_watermark(owner_client, logo_file=big).content.decode()
    assert set_watermark(owner_client, size=90).status_code == 200  # 5-60 percent
    assert not Watermark.objects.exists()


def test_a_strangers_watermark_and_sample_stay_theirs(owner_client, stranger_client, owner, photo):
    set_watermark(owner_client, text="Olivia's own")
    assert owner_client.get(reverse("sharing:watermark_sample"))["Content-Type"] == "image/jpeg"
    assert stranger_client.get(reverse("sharing:watermark_sample")).status_code == 404
    page = stranger_client.get(reverse("sharing:watermark")).content.decode()
    assert "Olivia's own" not in page
    assert owner_client.get(reverse("sharing:watermark")).status_code == 200


def test_the_logo_goes_with_the_account(owner_client, owner, photo, media_root):
    set_watermark(owner_client, logo_file=png_logo())
    logo = Watermark.objects.get().logo.name
    assert (media_root / logo).is_file()
    owner.delete()
    assert not (media_root / logo).exists()
