import io

import pytest
from django.urls import reverse
from PIL import Image

from analysis.models import PhotoTag
from gallery.models import Photo
from pictura.testing.factories import files_under
from pictura.testing.images import SHARED_PHOTOS, camera_exif, make_image, needs_shared_photos, upload

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("gallery:upload")
JSON = {"HTTP_ACCEPT": "application/json"}


def post_files(client, *files, tags="", **extra):
    return client.post(UPLOAD_URL, {"files": list(files), "tags": tags}, **extra)


def test_upload_stores_the_original_under_a_generated_key_and_makes_renditions(owner_client, owner, media_root):
    data = make_image(size=(2400, 1800), exif=camera_exif())
    response = post_files(owner_client, upload("My Holiday.JPG", data), **JSON)

    assert response.status_code == 200
    [result] = response.json()["results"]
    photo = Photo.objects.get()
    assert result == {
        "filename": "My Holiday.JPG",
        "status": "done",
        "message": "Uploaded.",
        "url": photo.get_absolute_url(),
    }
    assert photo.owner == owner
    assert photo.original.name == f"photos/{owner.pk}/{photo.uuid}.jpg"
    assert photo.original_filename == "My Holiday.JPG"
    assert (photo.width, photo.height, photo.file_size) == (2400, 1800, len(data))
    assert photo.camera_model == "Canon EOS 40D"
    assert photo.sort_at == photo.taken_at
    # Renditions were made in this process right after the commit (no broker configured).
    assert photo.renditions_state == Photo.Renditions.READY
    assert files_under(media_root) == sorted([f"photos/{owner.pk}/{photo.uuid}.jpg", photo.preview.name, photo.thumbnail.name])
    assert photo.thumbnail.name.startswith(f"renditions/{owner.pk}/{photo.uuid}/thumbnail-")
    assert (media_root / photo.original.name).read_bytes() == data
    assert Image.open(media_root / photo.preview.name).size == (1600, 1200)


def test_photo_without_capture_date_sorts_by_upload_time(owner_client):
    post_files(owner_client, upload("plain.png", make_image(fmt="PNG"), "image/png"))
    photo = Photo.objects.get()
    assert photo.taken_at is None
    assert photo.sort_at == photo.uploaded_at


def test_plain_form_upload_of_many_files_with_batch_tags(owner_client):
    files = [upload(f"p{i}.jpg", make_image(color=(i * 40, 100, 100))) for i in range(3)]
    response = post_files(owner_client, *files, upload("notes.txt", b"hello", "text/plain"), tags="Beach,  summer  ,beach")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("Uploaded.") == 3
    assert "This is not an image Pictura can read." in html
    assert Photo.objects.count() == 3
    for photo in Photo.objects.all():
        tags = {pt.tag.name: pt.source for pt in photo.photo_tags.select_related("tag")}
        assert tags == {"beach": PhotoTag.Source.MANUAL, "summer": PhotoTag.Source.MANUAL}


@pytest.mark.parametrize("fmt, ext, content_type", [
    ("PNG", "png", "image/png"),
    ("GIF", "gif", "image/gif"),
    ("WEBP", "webp", "image/webp"),
    ("BMP", "bmp", "image/bmp"),
])
def test_accepted_formats(owner_client, owner, fmt, ext, content_type):
    response = post_files(owner_client, upload(f"picture.{ext}", make_image(fmt=fmt), content_type), **JSON)
    assert response.json()["results"][0]["status"] == "done"
    photo = Photo.objects.get()
    assert (photo.image_format, photo.original.name.rsplit(".", 1)[1]) == (fmt, ext)
    assert photo.renditions_state == Photo.Renditions.READY


@needs_shared_photos
def test_heic_upload(owner_client):
    data = (SHARED_PHOTOS / "heic" / "IMG_5195.HEIC").read_bytes()
    response = post_files(owner_client, upload("IMG_5195.HEIC", data, "image/heic"), **JSON)
    assert response.json()["results"][0]["status"] == "done"
    photo = Photo.objects.get()
    assert (photo.image_format, photo.camera_make) == ("HEIF", "Apple")
    assert photo.original.name.endswith(".heic")
    assert photo.renditions_state == Photo.Renditions.READY


def test_the_content_decides_not_the_name_or_content_type(owner_client):
    # A PNG named .jpg and sent as image/jpeg is stored as what it is.
    post_files(owner_client, upload("liar.jpg", make_image(fmt="PNG"), "image/jpeg"))
    photo = Photo.objects.get()
    assert photo.image_format == "PNG" and photo.original.name.endswith(".png")


def decompression_bomb(megapixels: int) -> bytes:
    side = int((megapixels * 1_000_000) ** 0.5)
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG")  # a few KB that would decode to gigabytes
    return buffer.getvalue()


def zero_by_zero_png() -> bytes:
    data = bytearray(make_image(fmt="PNG", size=(1, 1)))
    data[16:24] = bytes(8)  # IHDR width and height
    return bytes(data)


REJECTIONS = [
    ("empty.jpg", b"", "image/jpeg", "The file is empty."),
    ("notes.jpg", b"just some text, not a photo\n" * 10, "image/jpeg", "This is not an image Pictura can read."),
    ("script.png", b"<script>alert(1)</script>", "image/png", "This is not an image Pictura can read."),
    ("scan.tiff", make_image(fmt="TIFF"), "image/tiff", "TIFF images are not supported."),
    ("half.jpg", make_image(size=(1200, 900))[:4000], "image/jpeg", "The image is damaged or incomplete"),
    ("zero.png", zero_by_zero_png(), "image/png", "The image has no pixels"),
    ("bomb.png", decompression_bomb(150), "image/png", "is more than the 100-megapixel limit"),
    ("big-bomb.png", decompression_bomb(400), "image/png", "is more than the 100-megapixel limit"),
]


@pytest.mark.parametrize("name, data, content_type, message", REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejected_uploads_say_why_and_store_nothing(owner_client, media_root, name, data, content_type, message):
    response = post_files(owner_client, upload(name, data, content_type), **JSON)

    [result] = response.json()["results"]
    assert result["status"] == "rejected"
    assert message in result["message"]
    assert Photo.objects.count() == 0
    assert files_under(media_root) == []


def test_file_over_the_size_limit_is_refused_while_it_streams(owner_client, settings, media_root):
    settings.PICTURA_MAX_UPLOAD_MB = 1
    big = make_image(size=(3000, 3000)) + bytes(2 * 1024 * 1024)  # a valid JPEG padded past 1 MB
    small = make_image()
    response = post_files(owner_client, upload("huge.jpg", big), upload("small.jpg", small), **JSON)

    results = {r["filename"]: r for r in response.json()["results"]}
    assert results["huge.jpg"]["status"] == "rejected"
    assert results["huge.jpg"]["message"] == "The file is larger than the 1 MB limit."
    assert results["small.jpg"]["status"] == "done"
    assert Photo.objects.get().original_filename == "small.jpg"


def test_same_photo_twice_is_a_duplicate_linking_to_the_first(owner_client, media_root):
    data = make_image()
    post_files(owner_client, upload("first.jpg", data))
    first = Photo.objects.get()
    stored_before = files_under(media_root)

    response = post_files(owner_client, upload("again.jpg", data), **JSON)

    assert response.json()["results"][0] == {
        "filename": "again.jpg",
        "status": "duplicate",
        "message": "You have already uploaded this photo.",
        "url": first.get_absolute_url(),
    }
    assert Photo.objects.count() == 1
    assert files_under(media_root) == stored_before


def test_same_photo_from_two_users_is_not_a_duplicate(owner_client, stranger_client):
    data = make_image()
    post_files(owner_client, upload("a.jpg", data))
    response = post_files(stranger_client, upload("a.jpg", data), **JSON)
    assert response.json()["results"][0]["status"] == "done"
    assert Photo.objects.count() == 2


def test_upload_without_files_asks_for_some(owner_client):
    response = post_files(owner_client, **JSON)
    assert response.status_code == 400
    assert response.json()["errors"]["files"][0]["message"] == "Choose at least one photo to upload."


def test_upload_page_renders_the_drop_zone(owner_client):
    response = owner_client.get(UPLOAD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="files" multiple' in html
    assert "Drop photos here" in html


def test_a_database_failure_after_storing_removes_the_stored_file_and_says_so(owner_client, owner, media_root, monkeypatch):
    from django.db import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Photo, "save", refuse)  # the row's INSERT fails after the file is stored
    response = owner_client.post(UPLOAD_URL, {"files": [upload("a.jpg", make_image())]}, **JSON)
    assert response.json()["results"][0] == {
        "filename": "a.jpg", "status": "rejected", "url": "",
        "message": "The photo could not be saved because the database is unavailable. "
                   "Nothing was kept; please try again in a moment.",
    }
    assert files_under(media_root) == []


def test_upload_without_the_tags_field_still_works(owner_client):
    response = owner_client.post(UPLOAD_URL, {"files": [upload("a.jpg", make_image())]}, **JSON)
    assert response.json()["results"][0]["status"] == "done"


def test_a_file_over_the_default_limit_is_dropped_without_being_kept(owner_client, media_root, tmp_path, settings):
    # What a 2 GB upload meets, at a size a test can send: the default 30 MB limit.
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    oversized = make_image() + bytes(31 * 1024 * 1024)
    response = post_files(owner_client, upload("video-export.jpg", oversized), **JSON)
    assert response.json()["results"] == [
        {
            "filename": "video-export.jpg",
            "status": "rejected",
            "message": "The file is larger than the 30 MB limit.",
            "url": "",
        }
    ]
    assert Photo.objects.count() == 0
    assert files_under(media_root) == []
    assert files_under(tmp_path / "spool") == []


def test_an_ingest_that_renders_now_makes_the_renditions_from_the_checking_decode(owner, after_commit, media_root):
    """Imports and uploads already in a task: a JPEG is checked and rendered from one decode,
    stored with its renditions, ready at once; anything else is rendered by the task as usual."""
    from gallery.services import PhotoRejected, photo_ingest

    jpeg = make_image(size=(3000, 2000), exif=camera_exif(orientation=6))
    with after_commit():
        photo = photo_ingest(owner=owner, upload=upload("phone.jpg", jpeg), render_now=True,
                             known={"title": "From the sidecar", "camera_make": "Ignored"})
    assert photo.renditions_ready and photo.renditions_attempts == 0  # no task claimed it
    assert (photo.width, photo.height) == (2000, 3000)
    with photo.preview.open("rb") as preview:
        assert Image.open(preview).size == (1067, 1600)  # oriented, long side 1600
    with photo.thumbnail.open("rb") as thumbnail:
        assert Image.open(thumbnail).size == (400, 400)
    assert photo.title == "From the sidecar" and photo.camera_make == "Canon"  # the file's own wins

    with pytest.raises(PhotoRejected, match="damaged or incomplete"):
        photo_ingest(owner=owner, upload=upload("cut.jpg", make_image(size=(3000, 2000))[:-5000]), render_now=True)
    assert len(files_under(media_root)) == 3  # the first photo's three files, nothing of the damaged one

    with after_commit():
        png = photo_ingest(owner=owner, upload=upload("a.png", make_image("PNG"), "image/png"), render_now=True)
    png.refresh_from_db()
    assert png.renditions_ready and png.renditions_attempts == 1  # made by the rendition task
