"""Imports through the API: staff start them, the person whose library they fill follows them."""
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from gallery.models import Photo
from imports.models import ImportRun
from pictura.testing.images import make_image

pytestmark = pytest.mark.django_db


def test_only_staff_start_imports_and_bad_requests_say_why(owner, staff, api_as):
    mine = api_as(owner).post(reverse("api:import-list"), {"user": "olivia", "source": "s3://b/p/"},
                              content_type="application/json")
    assert mine.status_code == 403 and mine.json()["error"]["message"] == "Only staff start imports."
    staff_api = api_as(staff)
    local = staff_api.post(reverse("api:import-list"), {"user": "olivia", "source": "/srv/photos"},
                           content_type="application/json")
    assert local.json()["error"]["fields"] == {"source": ["Give an S3 prefix, s3://bucket/prefix/."]}
    nobody = staff_api.post(reverse("api:import-list"), {"user": "nobody", "source": "s3://b/p/"},
                            content_type="application/json")
    assert nobody.json()["error"]["fields"] == {"user": ["No user named 'nobody'."]}
    assert not ImportRun.objects.exists()


@pytest.mark.s3
def test_staff_import_an_s3_prefix_and_its_owner_follows_it(owner, staff, stranger, api_as, s3_storage, after_commit):
    for n in range(3):
        s3_storage.client().put_object(Bucket=s3_storage.bucket, Key=f"batch/{n}.jpg",
                                       Body=make_image(color=(n * 60, 10, 10)))
    s3_storage.client().put_object(Bucket=s3_storage.bucket, Key="batch/readme.txt", Body=b"hello")
    started = api_as(staff).post(reverse("api:import-list"),
                                 {"user": "olivia", "source": f"s3://{s3_storage.bucket}/batch/", "tags": "old"},
                                 content_type="application/json")
    assert started.status_code == 201, started.content
    run = started.json()
    assert run["owner"] == "olivia" and run["files"]["pending"] == 4
    with after_commit():
        call_command("sweep", stdout=io.StringIO())
    followed = api_as(owner).get(reverse("api:import-detail", args=[run["id"]])).json()
    assert followed["state"] == "done" and followed["files"]["imported"] == 3 and followed["files"]["refused"] == 1
    assert followed["refusals"][0]["reason"].startswith("This is not an image Pictura can read.")
    assert Photo.objects.filter(owner=owner).count() == 3
    assert api_as(stranger).get(reverse("api:import-detail", args=[run["id"]])).status_code == 404
