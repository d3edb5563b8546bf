"""Every page asks the database the same number of questions for a library of 10 photos as for
one of 1,000 (bench/pages.py times them at 100,000)."""
import random

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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


@pytest.mark.django_db
def test_every_page_asks_as_many_queries_for_1000_photos_as_for_10():
    small, large, other = (
        get_user_model().objects.create_user(name, f"{name}@example.org", "a-password-1") for name in "slo"
    )
    fill_library({small.pk: 10, large.pk: 1000, other.pk: 5}, random.Random(1))
    assert (small.photos.count(), large.photos.count()) == (10, 1000)
    assert queries_per_page(large) == queries_per_page(small)
