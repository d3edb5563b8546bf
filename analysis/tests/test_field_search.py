"""Searching by field: author:, camera:, keyword:, tag:, year: in the header search, and the
advanced search's Author and Camera fields."""
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from analysis import tallies
from analysis.forms import search_terms
from analysis.models import PhotoTag, Tag
from gallery.models import Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def photos(owner, stranger, add_photos):
    ana, ben, old = add_photos(owner, 3)
    Photo.objects.filter(pk=ana.pk).update(author="Ana Ruiz", camera_make="Canon", camera_model="Canon EOS R6")
    Photo.objects.filter(pk=ben.pk).update(author="Ben Ong", camera_make="FUJIFILM", camera_model="X-T4")
    taken = timezone.make_aware(datetime(2019, 6, 1, 12, 0))
    Photo.objects.filter(pk=old.pk).update(taken_at=taken, sort_at=taken)
    theirs = add_photos(stranger, 1)[0]
    Photo.objects.filter(pk=theirs.pk).update(author="Ana Ruiz")
    tram = Tag.objects.create(name="tram")
    with tallies.tracking([ana.pk, ben.pk], tallies.TAG_KINDS):
        PhotoTag.objects.create(photo=ana, tag=tram, source="file")
        PhotoTag.objects.create(photo=ben, tag=tram, source="local")
    return {"ana": ana, "ben": ben, "old": old}


def found(client, **query) -> set[int]:
    page = client.get(reverse("analysis:search"), query).context["page"]
    return {photo.pk for photo in page}


def test_terms_are_split_with_quotes():
    assert search_terms('author:"Ana Ruiz" tram year:2024 note: http://x') == [
        ("author", "Ana Ruiz"), ("", "tram"), ("year", "2024"), ("", "note:"), ("", "http://x")]
    assert search_terms('unbalanced "quote') == [("", "unbalanced"), ("", '"quote')]


def test_each_field_finds_its_photos_and_only_the_owners(owner_client, photos):
    ana, ben, old = photos["ana"].pk, photos["ben"].pk, photos["old"].pk
    assert found(owner_client, q='author:"ana ruiz"') == {ana}
    assert found(owner_client, q="author:ong") == {ben}
    assert found(owner_client, q="camera:eos") == {ana}
    assert found(owner_client, q="camera:fujifilm") == {ben}
    assert found(owner_client, q="keyword:tram") == {ana}  # the model's "tram" is no keyword
    assert found(owner_client, q="tag:tram") == {ana, ben}
    assert found(owner_client, q="year:2019") == {old}
    assert found(owner_client, q="author:ana camera:fujifilm") == set()  # every term must match
    assert found(owner_client, author="Ruiz", camera="canon") == {ana}


def test_a_year_that_is_not_one_says_so(owner_client, photos):
    response = owner_client.get(reverse("analysis:search"), {"q": "year:soon"})
    assert response.context["page"] is None
    assert "year: takes a year such as" in response.content.decode()
