"""API test fixtures: tokens, clients that send them, and a whole library per user."""
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.api_tokens import api_token_create
from albums.models import ShareLink
from albums.services import album_add_photos, album_create, album_set_cover, share_link_create
from analysis import people
from analysis.faces import Face as FoundFace
from analysis.services import photo_add_manual_tags, photo_locate
from gallery.models import DirectUpload, Photo
from gallery.services import photos_update_details
from imports.models import ImportRun
from pictura.testing.images import camera_exif, make_image

AREZZO = (("N", (43.0, 28.0, 2.8)), ("E", (11.0, 53.0, 6.5)))


@pytest.fixture
def token_for():
    """token_for(user, scope="write") -> the secret of a new personal token."""

    def make(user, scope="write", valid_days=None):
        return api_token_create(owner=user, name=f"{scope} token", scope=scope, valid_days=valid_days)[1]

    return make


@pytest.fixture
def api_as(token_for):
    """api_as(user, scope="write") -> a test client that sends a new token of the user's."""
    from conftest import CommittingClient

    def make(user, scope="write"):
        return CommittingClient(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope)}")

    return make


@dataclass
class Library:
    """One user's things, each with a word (``marker``) in its name that no other user's has."""

    marker: str
    photos: list = field(default_factory=list)
    trashed: Photo | None = None
    album: object = None
    person: object = None
    link: ShareLink | None = None
    upload: DirectUpload | None = None
    run: ImportRun | None = None


@pytest.fixture
def build_library(ingest):
    def build(user, marker: str, shade: int = 0) -> Library:
        lib = Library(marker)
        for n in range(3):
            data = make_image(color=(40 * n + shade, 90, 140 - shade), exif=camera_exif(gps=AREZZO if n == 0 else None))
            lib.photos.append(ingest(user, f"{marker}-{n}.jpg", data))
        first, second, third = lib.photos
        photos_update_details(owner=user, photo_ids=[first.pk], details={"title": f"{marker} sunset"})
        photo_locate(photo=first)
        photo_add_manual_tags(photo=second, names=(f"{marker}tag",))
        crops = people.store_face_crops(third, [_face()])
        with transaction.atomic():
            [face] = people.photo_replace_faces(photo=third, source="local", found=[_face()], crops=crops)
        lib.person = people.person_rename(person=face.person, name=f"{marker} person")
        lib.album = album_create(owner=user, title=f"{marker} album")
        album_add_photos(album=lib.album, photo_ids=[first.pk, second.pk])
        album_set_cover(album=lib.album, photo_id=second.pk)
        lib.trashed = ingest(user, f"{marker}-trashed.jpg", make_image(color=(shade, 10, 10)))
        lib.trashed.move_to_trash()
        lib.link = share_link_create(owner=user, photo=first)
        lib.upload = DirectUpload.objects.create(owner=user, key=f"uploads/{marker}", upload_id="x", filename=f"{marker}.jpg",
                                                 size=10, due_at=timezone.now() + timedelta(hours=1))
        lib.run = ImportRun.objects.create(owner=user, source=f"/srv/{marker}/")
        return lib

    return build


def _face() -> FoundFace:
    return FoundFace(box=(0.2, 0.2, 0.3, 0.3), confidence=99.0, size=200, sharpness=80.0, embedding=tuple([0.05] * 128))
