"""Every page asks the database the same number of questions for a library of 10 photos as for
one of 1,000 (bench/pages.py times them at 100,000)."""
import random

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pictura.testing.images import make_image, upload
from pictura.testing.library import fill_library, library_pages


def queries_per_page(user) -> dict[str, int]:
    client = Client()
    client.force_login(user)
    counts = {}
    for page, path in library_pages(user):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[page] = len(queries)
    return counts


@pytest.mark.slow  # a thousand photos filled
@pytest.mark.django_db
def test_every_page_asks_as_many_queries_for_1000_photos_as_for_10():
    small, large, other = (
        get_user_model().objects.create_user(name, f"{name}@example.org", "a-password-1") for name in "slo"
    )
    fill_library({small.pk: 10, large.pk: 1000, other.pk: 5}, random.Random(1))
    assert (small.photos.count(), large.photos.count()) == (10, 1000)
    assert queries_per_page(large) == queries_per_page(small)


def queries_to_upload_trash_and_restore(user) -> list[int]:
    """The queries of uploading one photo, moving it to the trash and restoring it."""
    client = Client()
    client.force_login(user)
    image = upload("new.png", make_image(fmt="PNG", color=(user.pk % 256, 7, 9)), "image/png")
    counts = []
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("gallery:upload"), {"files": [image]}, HTTP_ACCEPT="application/json")
    counts.append(len(queries))
    photo = user.photos.get(original_filename="new.png")
    for action, in_trash_after in (("gallery:photo_delete", True), ("gallery:trash_restore", False)):
        with CaptureQueriesContext(connection) as queries:
            assert client.post(reverse(action, args=[photo.pk])).status_code == 302
        counts.append(len(queries))
        photo.refresh_from_db()
        assert photo.in_trash == in_trash_after
    return counts


@pytest.mark.slow  # a thousand photos filled
@pytest.mark.django_db
def test_an_upload_and_the_trash_ask_as_many_queries_in_a_library_of_1000_as_of_10(media_root):
    small, large = (
        get_user_model().objects.create_user(name, f"{name}@example.org", "a-password-1", tier="full") for name in "sl"
    )  # no quota: a thousand photos of the filler's size would pass the basic tier's
    fill_library({small.pk: 10, large.pk: 1000}, random.Random(2))
    assert queries_to_upload_trash_and_restore(large) == queries_to_upload_trash_and_restore(small)
