"""Uploads straight to S3 through the API, against SeaweedFS on loopback (it checks every
signature): a file in parts, resumed, checked and ingested like any upload; a refusal; another
user's upload out of reach; and where files are on local disk, a 404 that says to POST /photos/."""
import pytest
import requests
from django.urls import reverse

from gallery.direct_uploads import PART_SIZE
from gallery.models import Photo
from pictura.testing.images import make_image

pytestmark = pytest.mark.django_db


def put_part(api, upload_id, number, data) -> dict:
    url = api.post(reverse("api:upload-part", args=[upload_id, number])).json()["url"]
    response = requests.put(url, data=data, timeout=30)
    assert response.status_code == 200, response.text
    return {"PartNumber": number, "ETag": response.headers["ETag"]}


@pytest.mark.s3
def test_a_file_goes_up_in_parts_resumes_and_becomes_a_photo_and_strangers_cannot_touch_it(
    owner, stranger, api_as, s3_storage
):
    api, stranger_api = api_as(owner), api_as(stranger)
    data = make_image(size=(2000, 1500)) + bytes(PART_SIZE + 99)  # two parts
    started = api.post(reverse("api:upload-list"), {"filename": "big.jpg", "size": len(data), "tags": "harbour"},
                       content_type="application/json")
    assert started.status_code == 201, started.content
    upload = started.json()
    assert upload["parts"] == 2 and upload["part_size"] == PART_SIZE and upload["state"] == "uploading"

    first = put_part(api, upload["id"], 1, data[:PART_SIZE])
    assert api.get(reverse("api:upload-parts", args=[upload["id"]])).json()["parts"] == [
        {"PartNumber": 1, "ETag": first["ETag"], "Size": PART_SIZE}]
    for operation in (lambda: stranger_api.get(reverse("api:upload-detail", args=[upload["id"]])),
                      lambda: stranger_api.post(reverse("api:upload-part", args=[upload["id"], 2])),
                      lambda: stranger_api.delete(reverse("api:upload-detail", args=[upload["id"]]))):
        assert operation().status_code == 404
    second = put_part(api, upload["id"], 2, data[PART_SIZE:])

    completed = api.post(reverse("api:upload-complete", args=[upload["id"]]), {"parts": [first, second]},
                         content_type="application/json")
    assert completed.json()["state"] == "ingesting"
    done = api.get(reverse("api:upload-detail", args=[upload["id"]])).json()
    assert done["state"] == "done", done
    photo = Photo.objects.get(owner=owner, pk=done["photo"])
    with photo.original.open("rb") as original:
        assert original.read() == data
    tags = api.get(reverse("api:photo-detail", args=[photo.pk])).json()["tags"]
    assert [t["name"] for t in tags] == ["harbour"]

    refused = api.post(reverse("api:upload-list"), {"filename": "x.jpg", "size": 0}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["message"] == "x.jpg: the file is empty."
    no_parts = api.post(reverse("api:upload-complete", args=[upload["id"]]), {}, content_type="application/json")
    assert no_parts.json()["error"]["message"] == "List the parts uploaded, each with its PartNumber and ETag."


def test_without_s3_the_direct_flow_is_a_404_that_points_to_the_plain_upload(owner, api_as):
    response = api_as(owner).post(reverse("api:upload-list"), {"filename": "a.jpg", "size": 10},
                                  content_type="application/json")
    assert response.status_code == 404
    assert "POST /api/v1/photos/" in response.json()["error"]["message"]
