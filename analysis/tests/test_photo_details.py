"""Correcting a photo's details on its page, and many photos' at once from a selection."""
import io
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from albums.models import Album, AlbumPhoto
from analysis import tallies
from analysis.models import PhotoTag, Tag
from gallery.file_metadata import read_file_description
from gallery.models import Photo
from gallery.services import photo_ingest
from pictura.testing.images import make_image, upload

pytestmark = pytest.mark.django_db


def tags_of(photo, *sources) -> list[str]:
    tags = PhotoTag.objects.filter(photo=photo)
    if sources:
        tags = tags.filter(source__in=sources)
    return sorted(tags.values_list("tag__name", flat=True))


def test_the_photo_page_edits_author_credit_copyright_and_the_capture_date(owner_client, owner, add_photos):
    older, photo = add_photos(owner, 2)
    album = Album.objects.create(owner=owner, title="Scans")
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in (older, photo)])
    Album.objects.filter(pk=album.pk).refresh_figures()
    response = owner_client.post(reverse("gallery:photo_edit", args=[photo.pk]), {
        "title": "Grandma, 1962", "description": "Scanned from a slide", "author": "Grandpa",
        "credit": "Family archive", "copyright": "© Ruiz family", "taken_at": "1962-07-14T15:30"})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.author, photo.credit, photo.copyright) == ("Grandpa", "Family archive", "© Ruiz family")
    assert timezone.localtime(photo.taken_at).replace(tzinfo=None) == datetime(1962, 7, 14, 15, 30)
    assert photo.sort_at == photo.taken_at  # it moves to 1962 in the gallery
    album.refresh_from_db()
    assert album.newest_photo_id == older.pk  # the album's newest photo follows
    page = owner_client.get(photo.get_absolute_url()).content.decode()
    assert "Family archive" in page and "14 Jul 1962" in page

    # Cleared: back at its upload date.
    owner_client.post(reverse("gallery:photo_edit", args=[photo.pk]), {"title": "", "taken_at": ""})
    photo.refresh_from_db()
    assert photo.taken_at is None and photo.sort_at == photo.uploaded_at and photo.author == ""


@pytest.mark.parametrize("when", ["1700-01-01T00:00", "2999-01-01T00:00", "yesterday"])
def test_impossible_capture_dates_are_refused_with_a_reason(owner_client, owner, add_photos, when):
    [photo] = add_photos(owner, 1)
    response = owner_client.post(reverse("gallery:photo_edit", args=[photo.pk]), {"taken_at": when})
    assert response.status_code == 200
    errors = response.context["form"].errors["taken_at"]
    assert errors and ("1826" in errors[0] or "valid date" in errors[0])


def test_a_selection_sets_clears_and_adds_for_many_photos_at_once(owner_client, owner, stranger, add_photos):
    photos = add_photos(owner, 3)
    theirs = add_photos(stranger, 1)[0]
    Photo.objects.filter(pk=photos[0].pk).update(copyright="old ©", title="Keep me")
    with tallies.tracking([photos[0].pk], tallies.TAG_KINDS):
        PhotoTag.objects.create(photo=photos[0], tag=Tag.objects.create(name="dog"), source="local")
        PhotoTag.objects.create(photo=photos[0], tag=Tag.objects.create(name="old keyword"), source="file")
    ids = [p.pk for p in photos[:2]] + [theirs.pk]

    form = owner_client.post(reverse("analysis:photos_details"), {"photos": ids, "next": "/"})
    assert form.status_code == 200 and "Edit details of 2 photos" in form.content.decode()  # not the stranger's

    response = owner_client.post(reverse("analysis:photos_details"), {
        "apply": "1", "photos": ids, "next": "/?page=2",
        "author_change": "set", "author": "Ana Ruiz", "copyright_change": "clear",
        "keywords_change": "add", "keywords": "Lisbon, holiday", "taken_at_change": "set",
        "taken_at": "2024-05-01T10:00", "title_change": "keep", "description_change": "keep",
        "credit_change": "keep"})
    assert response.status_code == 302 and response["Location"] == "/?page=2"
    for photo in photos[:2]:
        photo.refresh_from_db()
        assert (photo.author, photo.copyright) == ("Ana Ruiz", "")
        assert photo.taken_at.year == 2024 and photo.sort_at == photo.taken_at
    assert photos[0].title == "Keep me"
    assert tags_of(photos[0]) == ["dog", "holiday", "lisbon", "old keyword"]
    photos[2].refresh_from_db()
    theirs.refresh_from_db()
    assert photos[2].author == theirs.author == "" and tags_of(theirs) == []

    owner_client.post(reverse("analysis:photos_details"), {
        "apply": "1", "photos": [photos[0].pk], "keywords_change": "set", "keywords": "porto",
        **{f"{name}_change": "keep" for name in ("author", "copyright", "taken_at", "title", "description", "credit")}})
    assert tags_of(photos[0]) == ["dog", "porto"]  # automatic tags are not keywords
    owner_client.post(reverse("analysis:photos_details"), {
        "apply": "1", "photos": [photos[0].pk], "keywords_change": "clear",
        **{f"{name}_change": "keep" for name in ("author", "copyright", "taken_at", "title", "description", "credit")}})
    assert tags_of(photos[0]) == ["dog"]
    assert tallies.recount(owner.pk, fix=False) == []


def test_setting_without_a_value_says_what_is_missing(owner_client, owner, add_photos):
    photos = add_photos(owner, 2)
    response = owner_client.post(reverse("analysis:photos_details"), {
        "apply": "1", "photos": [p.pk for p in photos], "author_change": "set", "author": "",
        "keywords_change": "add", "keywords": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Type the value to set" in page and "Type the keywords" in page


def test_nothing_ticked_goes_back_with_a_message(owner_client):
    response = owner_client.post(reverse("analysis:photos_details"), {"next": "/albums/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/albums/" and "Tick the photos to edit first." in response.content.decode()


def test_download_with_my_edits_writes_them_into_the_files_xmp(owner_client, stranger_client, owner):
    photo = photo_ingest(owner=owner, upload=upload("beach.jpg", make_image(color=(30, 90, 200))))
    owner_client.post(reverse("gallery:photo_edit", args=[photo.pk]), {
        "title": "Praia da Rocha", "description": "Late swim", "author": "Ana Ruiz", "credit": "Ana / Pictura",
        "copyright": "© 2026 Ana Ruiz", "taken_at": ""})
    owner_client.post(reverse("analysis:photos_details"), {
        "apply": "1", "photos": [photo.pk], "keywords_change": "add", "keywords": "beach, Algarve",
        **{f"{name}_change": "keep" for name in ("author", "copyright", "taken_at", "title", "description", "credit")}})

    response = owner_client.get(reverse("analysis:photo_with_details", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="beach.jpg"'
    written = read_file_description(Image.open(io.BytesIO(response.content)))
    assert (written.title, written.description, written.author, written.credit, written.copyright) == (
        "Praia da Rocha", "Late swim", "Ana Ruiz", "Ana / Pictura", "© 2026 Ana Ruiz")
    assert sorted(written.file_keywords) == ["algarve", "beach"]
    # The original download is the file as uploaded, byte for byte.
    with photo.original.open("rb") as original:
        as_uploaded = original.read()
    download = owner_client.get(reverse("gallery:photo_original", args=[photo.pk]))
    assert b"".join(download.streaming_content) == as_uploaded
    assert stranger_client.get(reverse("analysis:photo_with_details", args=[photo.pk])).status_code == 404


def test_download_with_my_edits_explains_when_it_cannot(owner_client, owner, add_photos, settings):
    bmp = photo_ingest(owner=owner, upload=upload("scan.bmp", make_image("BMP"), "image/bmp"))
    response = owner_client.get(reverse("analysis:photo_with_details", args=[bmp.pk]), follow=True)
    assert "BMP files cannot carry these details" in response.content.decode()
    [jpeg] = add_photos(owner, 1)
    settings.PICTURA_EXIFTOOL = "/nonexistent/exiftool"
    response = owner_client.get(reverse("analysis:photo_with_details", args=[jpeg.pk]), follow=True)
    assert "could not be written into this file just now" in response.content.decode()
