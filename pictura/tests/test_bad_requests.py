"""Requests refused before any view runs get a page (or JSON) that says why, not a bare 400."""
import json

import pytest
from django.urls import reverse

from gallery.models import Photo
from pictura.testing.images import make_image, upload
from pictura.testing.servers import signed_in_session

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def reason_in(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)["errors"]["request"][0]["message"]
    return response.content.decode()


@pytest.fixture
def photos():
    return [upload(f"{i}.jpg", make_image(size=(32, 32), color=(40 * i, 0, 0))) for i in range(5)]


@pytest.mark.parametrize("accept", [{}, JSON], ids=["page", "json"])
def test_too_many_files_in_one_request_say_the_limit(owner_client, settings, photos, accept):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    response = owner_client.post(reverse("gallery:upload"), {"files": photos}, **accept)
    assert response.status_code == 400
    assert "more than 3 files in one upload" in reason_in(response)
    assert not Photo.objects.exists()


@pytest.mark.slow  # starts gunicorn
@pytest.mark.django_db(transaction=True)  # gunicorn reads the session from the database
def test_a_file_name_too_long_to_parse_says_so(owner, live_site):
    # Through a real socket: Django's test client frames the part so that the parser copes.
    session = signed_in_session(live_site, owner)
    files = {"files": ("x" * 1000 + ".jpg", make_image(), "image/jpeg")}
    response = session.post(f"{live_site}/upload/", files=files, timeout=30)
    assert response.status_code == 400
    assert "A file name is too long" in response.text and "Back to uploading" in response.text
    response = session.post(f"{live_site}/upload/", files=files, headers={"Accept": "application/json"}, timeout=30)
    assert response.json()["errors"]["request"][0]["message"].startswith("A file name is too long")
    assert not Photo.objects.exists()


def test_a_garbled_upload_says_it_could_not_be_read(owner_client):
    response = owner_client.generic(
        "POST", reverse("gallery:upload"), b"--\r\n", content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert "arrived incomplete or garbled" in response.content.decode()


@pytest.mark.parametrize("accept", [{}, JSON], ids=["page", "json"])
def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(owner_client, settings, accept):
    settings.PICTURA_MAX_REQUEST_MB = 1
    two_gigabytes = 2 * 1024**3
    # The body is never read: a stream that fails on read proves it.
    response = owner_client.generic(
        "POST", reverse("gallery:upload"), b"", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(two_gigabytes), **{"wsgi.input": Unreadable()}, **accept,
    )
    assert response.status_code == 413
    assert "The upload is 2.0\xa0GB; one upload can carry at most 1.0\xa0MB" in reason_in(response)
    assert response["Connection"] == "close"


class Unreadable:
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read
