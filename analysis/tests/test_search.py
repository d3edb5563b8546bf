from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.models import Album, AlbumPhoto
from analysis import selectors, tallies
from analysis.models import PhotoTag, Tag
from analysis.services import photo_add_manual_tags
from gallery.models import Photo

pytestmark = pytest.mark.django_db

SEARCH = reverse("analysis:search")


def tag(photo, *names, source="manual"):
    """Tag the photo as a tagger would (with a source and confidence), its tallies kept."""
    with tallies.tracking([photo.pk]):
        for name in names:
            PhotoTag.objects.create(photo=photo, tag=Tag.objects.get_or_create(name=name)[0], source=source, confidence=90)


def found(client, **params) -> set:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    page = response.context["page"]
    return set(page.object_list) if page else set()


def test_every_tag_must_match(owner_client, owner, add_photos):
    both, dog, beach = add_photos(owner, 3)
    tag(both, "dog", "beach")
    tag(dog, "dog")
    tag(beach, "beach")
    assert found(owner_client, tag="dog, Beach") == {both}
    assert found(owner_client, tag="dog") == {both, dog}
    assert found(owner_client, q="dog beach") == {both}


def test_common_and_rare_tags_are_found_alike(owner_client, owner, stranger, add_photos):
    """A tag on many of the user's photos is looked for photo by photo, a rare one as a set
    (selectors.COMMON_TAG_SHARE): both find exactly the photos that carry it."""
    photos = add_photos(owner, 25)
    [theirs] = add_photos(stranger, 1)
    tag(theirs, "dog", "owl")
    for photo in photos[:6]:
        tag(photo, "dog")  # a quarter of the library: common
    tag(photos[5], "owl")  # two in 25: rare
    tag(photos[7], "owl", source="local")
    Photo.objects.filter(pk=photos[8].pk).update(title="An owl at dusk")
    assert "IS NOT NULL" in str(selectors.photos_tagged(Photo.objects.all(), owner, "dog").query)
    assert "IS NOT NULL" not in str(selectors.photos_tagged(Photo.objects.all(), owner, "owl").query)
    assert found(owner_client, tag="dog") == set(photos[:6])
    assert found(owner_client, tag="owl") == {photos[5], photos[7]}
    assert found(owner_client, tag="owl", source="local") == {photos[7]}
    assert found(owner_client, q="owl") == {photos[5], photos[7], photos[8]}
    assert found(owner_client, q="owl dog") == {photos[5]}
    assert found(owner_client, q="zebra") == set() and found(owner_client, tag="zebra") == set()


def test_words_match_tags_titles_and_file_names(owner_client, owner, add_photos):
    named, titled, tagged, other = add_photos(owner, 4)
    Photo.objects.filter(pk=named.pk).update(original_filename="Wedding_001.jpg")
    Photo.objects.filter(pk=titled.pk).update(title="Our wedding day")
    tag(tagged, "wedding")
    assert found(owner_client, q="wedding") == {named, titled, tagged}


def test_source_album_and_capture_dates(owner_client, owner, add_photos):
    a, b, c = add_photos(owner, 3)
    tag(a, "dog", source="rekognition")
    tag(b, "dog", source="manual")
    tag(c, "cat", source="local")
    album = Album.objects.create(owner=owner, title="Pets")
    AlbumPhoto.objects.create(album=album, photo=b)
    Photo.objects.filter(pk=a.pk).update(sort_at=datetime(2020, 5, 1, tzinfo=UTC))
    Photo.objects.filter(pk=c.pk).update(sort_at=datetime(2021, 5, 1, tzinfo=UTC))

    assert found(owner_client, tag="dog", source="rekognition") == {a}
    assert found(owner_client, source="local") == {c}
    assert found(owner_client, album=album.pk) == {b}
    assert found(owner_client, taken_from="2020-01-01", taken_to="2020-12-31") == {a}
    assert found(owner_client, taken_from="2021-01-01") == {b, c}  # b has no capture date: upload day counts


def test_a_reversed_date_range_is_explained(owner_client):
    response = owner_client.get(SEARCH, {"taken_from": "2021-01-01", "taken_to": "2020-01-01"})
    assert "The end of the range is before its start." in response.content.decode()


def test_no_leak_across_users(owner_client, owner, stranger, add_photos):
    [mine] = add_photos(owner, 1)
    [theirs] = add_photos(stranger, 1)
    tag(mine, "dog")
    tag(theirs, "dog")
    Photo.objects.filter(pk=theirs.pk).update(title="dog")
    assert found(owner_client, tag="dog") == {mine}
    assert found(owner_client, q="dog") == {mine}
    their_album = Album.objects.create(owner=stranger, title="Theirs")
    AlbumPhoto.objects.create(album=their_album, photo=theirs)
    response = owner_client.get(SEARCH, {"album": their_album.pk})
    assert response.context["page"] is None
    assert "Select a valid choice" in response.content.decode()


def test_trash_is_not_searched(owner_client, owner, add_photos):
    [photo] = add_photos(owner, 1)
    tag(photo, "dog")
    photo.move_to_trash()
    assert found(owner_client, tag="dog") == set()


@pytest.mark.slow  # many photos made on purpose
def test_query_count_does_not_grow_with_results(owner_client, owner, add_photos):
    def add(n):
        for photo in add_photos(owner, n):
            tag(photo, "dog", "beach")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            owner_client.get(SEARCH, {"tag": "dog,beach", "q": "dog"})
        return len(captured)

    add(2)
    few = queries()
    add(25)
    assert queries() == few


def test_tags_page_lists_my_tags_biggest_first(owner_client, owner, stranger, add_photos):
    a, b, c = add_photos(owner, 3)
    for photo in (a, b, c):
        photo_add_manual_tags(photo=photo, names=("family",))
    tag(a, "dog")
    tag(a, "dog", source="local")  # two sources, still one photo
    [theirs] = add_photos(stranger, 1)
    tag(theirs, "secret")
    c.move_to_trash()
    tags = [(t.name, t.photo_count) for t in owner_client.get(reverse("analysis:tags")).context["tags"]]
    assert tags == [("family", 2), ("dog", 1)]


def test_tags_on_the_photo_page_link_to_their_search(owner_client, owner, add_photos):
    [photo] = add_photos(owner, 1)
    tag(photo, "golden retriever")
    assert f'href="{SEARCH}?tag=golden%20retriever"' in owner_client.get(photo.get_absolute_url()).content.decode()


@pytest.mark.parametrize("url", [SEARCH, reverse("analysis:tags")])
def test_search_and_tags_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_search_box_is_on_every_page(owner_client):
    assert 'role="search"' in owner_client.get(reverse("gallery:index")).content.decode()


def test_results_page_on_with_the_search_kept_and_say_how_many_up_to_a_limit(
    owner_client, owner, add_photos, settings, monkeypatch
):
    settings.PICTURA_PHOTOS_PER_PAGE = 2
    dogs = add_photos(owner, 3)
    for photo in dogs:
        tag(photo, "dog")
    first = owner_client.get(SEARCH, {"q": "dog"})
    assert "3 photos found" in first.content.decode()
    assert "q=dog" in first.context["page"].older
    second = owner_client.get(SEARCH + "?" + first.context["page"].older).context["page"]
    assert len(first.context["page"].object_list) + len(second.object_list) == 3 and not second.has_next

    monkeypatch.setattr("analysis.views.FOUND_COUNT_LIMIT", 2)
    assert "More than 2 photos found" in owner_client.get(SEARCH, {"q": "dog"}).content.decode()
