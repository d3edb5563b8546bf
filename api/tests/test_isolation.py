"""Nothing of one user's reaches another through the API: every operation of the schema is
replayed by a stranger with the owner's ids, by a request without credentials, and with a
read-only token where it would change something."""
import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import ApiToken
from albums.models import Album, AlbumPhoto, ShareLink
from analysis.models import Face, Person, PhotoTag
from gallery.models import DirectUpload, Photo
from pictura.testing.factories import files_under
from pictura.testing.images import make_image

pytestmark = pytest.mark.django_db

PUBLIC = {"/api/v1/schema/", "/api/v1/docs/"}  # describe the API, not anyone's data


def operations():
    """(method, path template) of every operation in the API's schema, the public ones aside."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path not in PUBLIC
        for method in item
    ]


def fill(path: str, lib) -> str:
    """The path with the ids of ``lib``'s things of the kind the path is about."""
    if "{" not in path:
        return path
    kind = path.split("/")[3]
    ids = {"photos": lib.photos[0].pk, "trash": lib.trashed.pk, "albums": lib.album.pk, "people": lib.person.pk,
           "share-links": lib.link.pk, "uploads": lib.upload.pk, "imports": lib.run.pk}
    return path.replace("{id}", str(ids[kind])).replace("{number}", "1")


def hostile_body(lib) -> dict:
    """Every field any operation takes, naming ``lib``'s things: what a stranger would try."""
    return {
        "photos": [p.pk for p in lib.photos], "target": lib.album.pk, "album": lib.album.pk, "photo": lib.photos[0].pk,
        "cover": lib.photos[0].pk, "title": "taken over", "description": "taken over", "name": "taken over",
        "hidden": True, "keywords": ["taken over"], "author": "taken over", "filename": "x.jpg", "size": 10,
        "parts": [{"PartNumber": 1, "ETag": '"x"'}], "user": lib.marker, "source": "s3://bucket/x/",
    }


def hostile_query(lib) -> dict:
    return {"album": lib.album.pk, "people": lib.person.pk, "q": lib.marker, "tag": f"{lib.marker}tag"}


def snapshot(user, media_root) -> dict:
    """Everything of the user's that a request could change."""
    return {
        "photos": list(Photo.objects.filter(owner=user).order_by("pk").values()),
        "albums": list(Album.objects.filter(owner=user).order_by("pk").values()),
        "album_photos": sorted(AlbumPhoto.objects.filter(album__owner=user).values_list("album_id", "photo_id")),
        "tags": sorted(PhotoTag.objects.filter(photo__owner=user).values_list("photo_id", "tag__name", "source")),
        "people": list(Person.objects.filter(owner=user).order_by("pk").values("pk", "name", "hidden")),
        "faces": list(Face.objects.filter(photo__owner=user).order_by("pk").values("pk", "person_id")),
        "links": list(ShareLink.objects.filter(owner=user).order_by("pk").values()),
        "uploads": list(DirectUpload.objects.filter(owner=user).order_by("pk").values()),
        "tokens": list(ApiToken.objects.filter(owner=user).values_list("pk", flat=True)),
        "files": [name for name in files_under(media_root) if f"/{user.pk}/" in f"/{name}"],
    }


def send(client, method, url, lib):
    if method in ("GET", "DELETE"):
        return client.generic(method, url, data=None, QUERY_STRING="&".join(f"{k}={v}" for k, v in hostile_query(lib).items())
                              if method == "GET" else "")
    if url.endswith("/api/v1/photos/"):  # the upload, multipart: a real photo, for the stranger's album
        image = make_image(color=(1, 2, 3))
        from pictura.testing.images import upload
        return client.post(url, {"file": upload("mine.jpg", image), "album": lib.album.pk})
    return client.generic(method, url, json.dumps(hostile_body(lib)), content_type="application/json")


def test_a_stranger_replaying_every_operation_with_the_owners_ids_gets_404_and_changes_nothing(
    owner, stranger, build_library, api_as, media_root
):
    mine, theirs = build_library(owner, "alpha"), build_library(stranger, "bravo", shade=7)
    before = snapshot(owner, media_root)
    stranger_api = api_as(stranger, "write")
    leaks = []
    for method, path in operations():
        url = fill(path, mine)
        response = send(stranger_api, method, url, mine)
        body = response.content.decode(errors="replace") if not response.streaming else ""
        if "{id}" in path:
            assert response.status_code == 404, f"{method} {url}: {response.status_code} {body[:300]}"
            assert response.json()["error"]["code"] == "not_found", f"{method} {url}: {body[:300]}"
        else:
            assert response.status_code < 500, f"{method} {url}: {response.status_code} {body[:300]}"
        if "alpha" in body or mine.link.token in body:
            leaks.append(f"{method} {url}: {body[:300]}")
    assert leaks == []
    assert snapshot(owner, media_root) == before
    # Nothing of the stranger's came to hold the owner's things either.
    assert not AlbumPhoto.objects.filter(album__owner=stranger, photo__owner=owner).exists()
    assert not ShareLink.objects.filter(owner=stranger, photo__owner=owner).exists()
    assert not Face.objects.filter(photo__owner=stranger, person__owner=owner).exists()
    assert theirs.album.album_photos.count() == 2


def test_every_operation_without_credentials_is_a_401_that_says_how_to_authenticate(owner, build_library, client):
    mine = build_library(owner, "alpha")
    for method, path in operations():
        url = fill(path, mine)
        response = send(client, method, url, mine)
        assert response.status_code == 401, f"{method} {url}: {response.status_code}"
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["error"]["code"] == "not_authenticated"


def test_a_read_only_token_reads_and_every_change_is_a_403(owner, build_library, api_as, media_root):
    mine = build_library(owner, "alpha")
    reader = api_as(owner, "read")
    before = snapshot(owner, media_root)
    changes = [(method, path) for method, path in operations() if method not in ("GET", "HEAD", "OPTIONS")]
    assert len(changes) >= 15
    for method, path in changes:
        url = fill(path, mine)
        response = send(reader, method, url, mine)
        assert response.status_code == 403, f"{method} {url}: {response.status_code}"
        assert re.search("only read", response.json()["error"]["message"])
    assert snapshot(owner, media_root) == before
    reads = [path for method, path in operations() if method == "GET" and "uploads" not in path]
    for path in reads:
        assert reader.get(fill(path, mine)).status_code == 200, path
