"""Uploads straight to S3 in parts, against SeaweedFS on loopback (it checks every signature):
resumed after an interruption, checked and ingested like any upload, refused objects removed,
expired or altered part URLs refused, another user's upload out of reach, abandoned uploads
aborted by the sweeper."""
import json
import time

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from analysis.models import PhotoTag
from gallery import direct_uploads
from gallery.direct_uploads import PART_SIZE, direct_uploads_sweep
from gallery.models import DirectUpload, Photo
from pictura.testing.images import make_image

pytestmark = [pytest.mark.s3, pytest.mark.django_db]


def post_json(client, name, body=None, **kwargs):
    return client.post(reverse(name, kwargs=kwargs), json.dumps(body or {}), content_type="application/json")


def put_part(client, upload_id, number, data) -> dict:
    url = post_json(client, "gallery:direct_part", pk=upload_id, number=number).json()["url"]
    response = requests.put(url, data=data, timeout=30)
    assert response.status_code == 200, response.text
    return {"PartNumber": number, "ETag": response.headers["ETag"]}


def status(client, upload) -> dict:
    return client.get(reverse("gallery:direct_status", args=[upload["id"]])).json()


def test_a_large_file_goes_up_in_parts_resumes_after_a_break_and_is_ingested(owner_client, owner, s3_storage):
    data = make_image(size=(3000, 2000)) + bytes(2 * PART_SIZE + 1234)  # three parts
    started = post_json(owner_client, "gallery:direct_start", {"filename": "big.jpg", "size": len(data), "tags": "holiday"})
    assert started.status_code == 201, started.content
    upload = started.json()
    assert s3_storage.keys(f"uploads/{owner.pk}/") == []  # nothing there until complete

    first = put_part(owner_client, upload["id"], 1, data[:PART_SIZE])
    # The connection drops; the page is opened again: S3 says what it has.
    assert owner_client.get(reverse("gallery:direct_parts", args=[upload["id"]])).json()["parts"] == [
        {"PartNumber": 1, "ETag": first["ETag"], "Size": PART_SIZE}]
    rest = [put_part(owner_client, upload["id"], n, data[(n - 1) * PART_SIZE:n * PART_SIZE]) for n in (2, 3)]

    completed = post_json(owner_client, "gallery:direct_complete", {"parts": [first, *rest]}, pk=upload["id"]).json()
    assert completed["state"] == "ingesting"  # checked by a task (here: at commit, in this process)
    done = status(owner_client, upload)
    assert done["state"] == "done" and done["message"] == "Uploaded."
    photo = Photo.objects.get(owner=owner)
    assert done["url"] == photo.get_absolute_url() and photo.file_size == len(data)
    with photo.original.open("rb") as original:
        assert original.read() == data  # byte for byte, parts in order
    assert s3_storage.keys("uploads/") == []  # the upload's object is gone; the photo has its own key
    assert s3_storage.keys(f"photos/{owner.pk}/") == [photo.original.name]
    assert list(PhotoTag.objects.filter(photo=photo).values_list("tag__name", flat=True)) == ["holiday"]
    again = post_json(owner_client, "gallery:direct_complete", {"parts": [first, *rest]}, pk=upload["id"])
    assert again.json()["state"] == "done"  # a retried request changes nothing


def test_a_file_that_is_no_photo_is_refused_and_removed(owner_client, owner, s3_storage):
    data = b"%PDF-1.7 not a photo" * 100
    upload = post_json(owner_client, "gallery:direct_start", {"filename": "cv.pdf", "size": len(data)}).json()
    part = put_part(owner_client, upload["id"], 1, data)
    post_json(owner_client, "gallery:direct_complete", {"parts": [part]}, pk=upload["id"])
    done = status(owner_client, upload)
    assert done["state"] == "rejected" and "not an image Pictura can read" in done["message"]
    assert s3_storage.keys("uploads/") == [] and not Photo.objects.exists()


def test_a_file_over_the_limit_is_refused_before_a_byte_is_sent(owner_client, settings, s3_storage):
    response = post_json(owner_client, "gallery:direct_start",
                         {"filename": "huge.jpg", "size": settings.PICTURA_MAX_UPLOAD_MB * 1024 * 1024 + 1})
    assert response.status_code == 400 and "larger than the" in response.json()["error"]
    assert not DirectUpload.objects.exists()


def test_a_file_bigger_than_announced_is_refused_at_the_end(owner_client, s3_storage):
    data = make_image()
    upload = post_json(owner_client, "gallery:direct_start", {"filename": "a.jpg", "size": 100}).json()
    part = put_part(owner_client, upload["id"], 1, data)
    done = post_json(owner_client, "gallery:direct_complete", {"parts": [part]}, pk=upload["id"]).json()
    assert done["state"] == "rejected" and "another size than announced" in done["message"]
    assert s3_storage.keys("uploads/") == []


def test_part_urls_expire_and_cannot_be_bent_to_another_key(owner_client, stranger_client, owner, s3_storage,
                                                            monkeypatch):
    data = make_image()
    upload = post_json(owner_client, "gallery:direct_start", {"filename": "a.jpg", "size": len(data)}).json()
    url = post_json(owner_client, "gallery:direct_part", pk=upload["id"], number=1).json()["url"]
    bent = url.replace(f"uploads/{owner.pk}/", f"uploads/{owner.pk + 1}/")
    assert requests.put(bent, data=data, timeout=30).status_code == 403  # the signature covers the key
    monkeypatch.setattr(direct_uploads, "PART_URL_SECONDS", 1)
    short = post_json(owner_client, "gallery:direct_part", pk=upload["id"], number=1).json()["url"]
    time.sleep(2)
    assert requests.put(short, data=data, timeout=30).status_code == 403
    # Parts a file of this size does not have, and someone else's upload, are refused.
    assert post_json(owner_client, "gallery:direct_part", pk=upload["id"], number=2).status_code == 400
    assert post_json(stranger_client, "gallery:direct_part", pk=upload["id"], number=1).status_code == 404
    assert stranger_client.get(reverse("gallery:direct_status", args=[upload["id"]])).status_code == 404


def test_an_abandoned_upload_is_aborted_by_the_sweeper(owner_client, s3_storage):
    data = make_image(size=(2000, 1500)) + bytes(PART_SIZE)
    upload = post_json(owner_client, "gallery:direct_start", {"filename": "a.jpg", "size": len(data)}).json()
    put_part(owner_client, upload["id"], 1, data[:PART_SIZE])
    DirectUpload.objects.filter(pk=upload["id"]).update(due_at=timezone.now())
    assert direct_uploads_sweep() == 1
    assert DirectUpload.objects.get().state == "aborted"
    pending = direct_uploads._s3().list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", [])
    assert upload["key"] not in [pending_upload["Key"] for pending_upload in pending]


def test_without_s3_the_api_is_not_there(owner_client):
    assert post_json(owner_client, "gallery:direct_start", {"filename": "a.jpg", "size": 10}).status_code == 404
