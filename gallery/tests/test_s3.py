"""The whole photo life cycle against a real S3-compatible server (SeaweedFS) on loopback."""
import io
import os
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import ExifTags, Image

from gallery.models import Photo
from pictura.testing.images import make_image, upload

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

JSON = {"HTTP_ACCEPT": "application/json"}


def post_photo(client, name="beach.jpg", data=None):
    data = data or make_image(size=(2000, 1500))
    response = client.post(reverse("gallery:upload"), {"files": [upload(name, data)]}, **JSON)
    assert response.json()["results"], response.content
    return response.json()["results"][0], data


def test_upload_renditions_download_and_delete_on_s3(owner_client, owner, s3_storage):
    result, data = post_photo(owner_client)
    assert result["status"] == "done"
    photo = Photo.objects.get()
    prefix_original = f"photos/{owner.pk}/{photo.uuid}"
    assert s3_storage.keys(f"photos/{owner.pk}/") == [f"{prefix_original}.jpg"]
    assert s3_storage.keys(f"renditions/{owner.pk}/{photo.uuid}/") == sorted([photo.preview.name, photo.thumbnail.name])
    assert photo.preview.name.startswith(f"renditions/{owner.pk}/{photo.uuid}/preview-")
    assert photo.renditions_state == Photo.Renditions.READY

    # The download is a redirect to a presigned URL that serves the original under its name.
    response = owner_client.get(reverse("gallery:photo_original", args=[photo.pk]))
    assert response.status_code == 302
    presigned = response["Location"]
    assert presigned.startswith(s3_storage.endpoint) and "X-Amz-Signature=" in presigned
    fetched = requests.get(presigned, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="beach.jpg"'

    thumbnail = requests.get(owner_client.get(reverse("gallery:photo_thumbnail", args=[photo.pk]))["Location"], timeout=10)
    assert thumbnail.status_code == 200 and thumbnail.content[:2] == b"\xff\xd8"

    owner_client.post(reverse("gallery:photo_delete", args=[photo.pk]))  # to the trash: files stay
    assert s3_storage.keys(f"photos/{owner.pk}/") == [f"{prefix_original}.jpg"]
    response = owner_client.post(reverse("gallery:trash_delete", args=[photo.pk]))
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert s3_storage.keys(f"photos/{owner.pk}/") == []
    assert s3_storage.keys(f"renditions/{owner.pk}/{photo.uuid}/") == []


def test_the_bucket_is_private(owner_client, s3_storage):
    post_photo(owner_client)
    photo = Photo.objects.get()
    unsigned = f"{s3_storage.endpoint}/{s3_storage.bucket}/{photo.original.name}"
    assert requests.get(unsigned, timeout=10).status_code == 403


def test_a_tampered_presigned_url_is_refused(owner_client, s3_storage):
    post_photo(owner_client)
    photo = Photo.objects.get()
    presigned = owner_client.get(reverse("gallery:photo_original", args=[photo.pk]))["Location"]
    # Point the signature at another object: the signature no longer matches.
    other_key = photo.original.name.replace(str(photo.uuid), "00000000-0000-0000-0000-000000000000")
    assert requests.get(presigned.replace(photo.original.name, other_key), timeout=10).status_code == 403
    # Lengthen its life: likewise refused.
    parts = urlsplit(presigned)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["X-Amz-Expires"] = "604800"
    assert requests.get(urlunsplit(parts._replace(query=urlencode(query))), timeout=10).status_code == 403


def test_a_presigned_url_expires(owner_client, s3_storage, settings):
    post_photo(owner_client)
    photo = Photo.objects.get()
    settings.STORAGES["default"]["OPTIONS"]["querystring_expire"] = 1
    settings.STORAGES = dict(settings.STORAGES)  # re-set so Django rebuilds the storage
    presigned = owner_client.get(reverse("gallery:photo_original", args=[photo.pk]))["Location"]
    assert "X-Amz-Expires=1&" in presigned or presigned.endswith("X-Amz-Expires=1")
    time.sleep(2.5)
    assert requests.get(presigned, timeout=10).status_code == 403


def test_stranger_gets_no_presigned_url(owner_client, stranger_client, s3_storage):
    post_photo(owner_client)
    photo = Photo.objects.get()
    for name in ("photo_original", "photo_thumbnail", "photo_preview"):
        assert stranger_client.get(reverse(f"gallery:{name}", args=[photo.pk])).status_code == 404


def test_storage_outage_during_upload_leaves_no_row(owner_client, owner, s3_storage):
    s3_storage.stop()
    try:
        result, _ = post_photo(owner_client)
    finally:
        s3_storage.start()
    assert result["status"] == "rejected"
    assert result["message"] == (
        "The photo could not be stored because the storage service is unavailable. "
        "Nothing was saved; please try again in a moment."
    )
    assert not Photo.objects.exists()
    assert s3_storage.keys(f"photos/{owner.pk}/") == []


def test_s3_keeps_the_detected_content_type_not_the_clients(owner_client, owner, s3_storage):
    png = make_image("PNG", size=(300, 200))
    response = owner_client.post(
        reverse("gallery:upload"), {"files": [upload("page.html", png, "text/html")]}, **JSON
    )
    assert response.json()["results"][0]["status"] == "done"
    photo = Photo.objects.get()
    head = s3_storage.client().head_object(Bucket=s3_storage.bucket, Key=photo.original.name)
    assert head["ContentType"] == "image/png"
    fetched = requests.get(owner_client.get(reverse("gallery:photo_original", args=[photo.pk]))["Location"], timeout=10)
    assert fetched.headers["Content-Type"] == "image/png"
    preview = s3_storage.client().head_object(Bucket=s3_storage.bucket, Key=Photo.objects.get().preview.name)
    assert preview["ContentType"] == "image/jpeg"


def test_a_share_link_serves_its_stored_copy_without_location_from_s3(owner_client, client, owner, s3_storage, settings):
    from albums.models import ShareLink
    from analysis.models import PhotoAnalysis
    from pictura.testing.images import camera_exif

    data = make_image(size=(800, 600), exif=camera_exif(gps=(("N", (48.0, 51.0, 30.0)), ("E", (2.0, 17.0, 40.0)))))
    post_photo(owner_client, "eiffel.jpg", data)
    photo = Photo.objects.get()
    PhotoAnalysis.objects.create(photo=photo, state="done")
    owner_client.post(reverse("sharing:create"), {"photo": photo.pk})  # the copy is made now
    photo.refresh_from_db()
    assert photo.shareable_original.name.endswith("original-without-location.jpg")
    assert photo.shareable_original.name in s3_storage.keys(f"renditions/{owner.pk}/")

    settings.PICTURA_EXIFTOOL = "/nonexistent/exiftool"  # from here on nothing could strip again
    link = ShareLink.objects.get()
    response = client.get(reverse("sharing:file", args=[link.token, photo.pk, "original"]))
    assert response.status_code == 302 and "X-Amz-Signature=" in response["Location"]
    fetched = requests.get(response["Location"], timeout=10)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="eiffel.jpg"'
    shared = Image.open(io.BytesIO(fetched.content))
    assert shared.format == "JPEG" and not shared.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    owner_client.post(reverse("gallery:photo_delete", args=[photo.pk]))
    owner_client.post(reverse("gallery:trash_delete", args=[photo.pk]))
    assert s3_storage.keys(f"renditions/{owner.pk}/{photo.uuid}/") == []


def test_a_forked_process_talks_to_s3_over_connections_of_its_own(s3_storage):
    """An import's workers and Celery's pool are forks: one that went on with the client its parent
    had opened would share that client's sockets with the parent and with its siblings."""
    assert default_storage.exists("nothing-here") is False  # the parent's connection, opened
    parents = default_storage.connection
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, and leave without running the test process's cleanup
        try:
            fresh = default_storage.connection is not parents and default_storage.exists("nothing-here") is False
            os.write(write_end, b"fresh" if fresh else b"inherited")
        finally:
            os._exit(0)
    os.close(write_end)
    said = os.read(read_end, 100)
    os.waitpid(pid, 0)
    assert said == b"fresh"
