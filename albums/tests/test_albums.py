import io
import re
import zipfile
from datetime import UTC

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.models import Album, AlbumPhoto
from albums.services import (
    ZIP_CHUNK,
    album_add_photos,
    album_move_photos,
    album_remove_photos,
    archive_entries,
    unique_archive_names,
    zip_chunks,
)
from gallery.models import Photo
from pictura.testing.images import make_image, upload

pytestmark = pytest.mark.django_db

ALBUM_PAGES = ["detail", "edit", "delete", "download"]


@pytest.fixture
def album(owner):
    return Album.objects.create(owner=owner, title="Holiday")


def select(client, action, photos, *, source=None, target=None, next_url="/"):
    data = {"action": action, "photos": [p.pk for p in photos], "next": next_url}
    if source:
        data["source"] = source.pk
    if target:
        data["target"] = target.pk
    return client.post(reverse("albums:selection"), data)


def in_album(album) -> list[int]:
    return sorted(AlbumPhoto.objects.filter(album=album).values_list("photo_id", flat=True))


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALBUM_PAGES)
def test_owner_reaches_every_album_page(owner_client, album, name):
    assert owner_client.get(reverse(f"albums:{name}", args=[album.pk])).status_code == 200


@pytest.mark.parametrize("name", ALBUM_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_stranger_gets_404_on_every_album_page(stranger_client, album, name, method):
    response = getattr(stranger_client, method)(reverse(f"albums:{name}", args=[album.pk]), {"title": "x", "photos": "delete"})
    assert response.status_code in (404, 405)
    album.refresh_from_db()
    assert album.title == "Holiday"


@pytest.mark.parametrize("name, args", [("list", []), ("create", []), *[(n, [1]) for n in ALBUM_PAGES]])
def test_anonymous_is_sent_to_sign_in(client, album, name, args):
    response = client.get(reverse(f"albums:{name}", args=[album.pk] if args else []))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_stranger_cannot_add_their_photos_to_my_album_or_mine_to_theirs(stranger_client, stranger, owner, album, add_photos):
    theirs = Album.objects.create(owner=stranger, title="Theirs")
    mine = add_photos(owner, 2)
    select(stranger_client, "add", mine, target=theirs)
    select(stranger_client, "add", add_photos(stranger, 1), target=album)
    assert in_album(theirs) == [] and in_album(album) == []


# --- Creating and editing -------------------------------------------------------------------


def test_create_rename_describe_and_list_albums(owner_client, owner):
    response = owner_client.post(reverse("albums:create"), {"title": "Alps 2024", "description": "Hiking"})
    album = Album.objects.get(owner=owner)
    assert response["Location"] == album.get_absolute_url()
    owner_client.post(reverse("albums:edit", args=[album.pk]), {"title": "Alps", "description": "Hiking week"})
    album.refresh_from_db()
    assert (album.title, album.description) == ("Alps", "Hiking week")
    assert "Alps" in owner_client.get(reverse("albums:list")).content.decode()


def test_album_needs_a_title(owner_client):
    response = owner_client.post(reverse("albums:create"), {"title": "", "description": ""})
    assert "This field is required." in response.content.decode()
    assert not Album.objects.exists()


def test_album_list_shows_counts_and_covers(owner_client, owner, add_photos):
    first, second, newest = add_photos(owner, 3)
    Photo.objects.filter(pk=newest.pk).update(sort_at=first.sort_at.replace(year=2030))
    chosen = Album.objects.create(owner=owner, title="Chosen cover", cover=first)
    default = Album.objects.create(owner=owner, title="Newest as cover")
    empty = Album.objects.create(owner=owner, title="Empty")
    for album in (chosen, default):
        album_add_photos(album=album, photo_ids=[first.pk, second.pk, newest.pk])
    second.move_to_trash()

    albums = {a.title: a for a in owner_client.get(reverse("albums:list")).context["albums"]}

    assert {t: a.photo_count for t, a in albums.items()} == {"Chosen cover": 2, "Newest as cover": 2, "Empty": 0}
    assert albums["Chosen cover"].cover_photo == first
    assert albums["Newest as cover"].cover_photo == newest
    assert albums["Empty"].cover_photo is None
    assert empty.title in owner_client.get(reverse("albums:list")).content.decode()


def test_a_trashed_cover_falls_back_to_the_newest_photo(owner_client, owner, add_photos):
    old, new = add_photos(owner, 2)
    album = Album.objects.create(owner=owner, title="A", cover=old)
    album_add_photos(album=album, photo_ids=[old.pk, new.pk])
    old.move_to_trash()
    [listed] = owner_client.get(reverse("albums:list")).context["albums"]
    assert listed.cover_photo == new


def figures(album) -> tuple[int, int | None]:
    album.refresh_from_db()
    return album.photo_count, album.newest_photo_id


def test_counts_and_covers_are_kept_through_every_change(owner, stranger, add_photos):
    old, middle, new = add_photos(owner, 3)
    [theirs] = add_photos(stranger, 1)
    album, other = (Album.objects.create(owner=owner, title=title) for title in ("A", "B"))
    assert figures(album) == (0, None)
    album_add_photos(album=album, photo_ids=[old.pk, middle.pk, theirs.pk])
    assert figures(album) == (2, middle.pk)
    album_add_photos(album=album, photo_ids=[new.pk, old.pk])  # old once
    assert figures(album) == (3, new.pk)
    new.move_to_trash()
    assert figures(album) == (2, middle.pk)
    new.restore()
    assert figures(album) == (3, new.pk)
    album_move_photos(source=album, target=other, photo_ids=[new.pk])
    assert figures(album) == (2, middle.pk) and figures(other) == (1, new.pk)
    album_remove_photos(album=album, photo_ids=[middle.pk])
    assert figures(album) == (1, old.pk)
    Photo.objects.get(pk=old.pk).delete()  # outside the trash, as the admin can
    assert figures(album) == (0, None)

    Album.objects.filter(pk=other.pk).update(photo_count=9)  # drift: recount says so and mends it
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert f"album {other.pk} 9 photos → 1" in out.getvalue()
    call_command("recount", "--fix", stdout=io.StringIO())
    assert figures(other) == (1, new.pk)


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.slow  # many photos made on purpose
def test_album_list_and_page_query_counts_do_not_grow_with_photos(owner_client, owner, add_photos):
    albums = [Album.objects.create(owner=owner, title=f"A{i}") for i in range(3)]

    def fill(n):
        for album in albums:
            AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in add_photos(owner, n)])

    fill(1)
    few = (count_queries(owner_client, reverse("albums:list")), count_queries(owner_client, albums[0].get_absolute_url()))
    fill(15)
    many = (count_queries(owner_client, reverse("albums:list")), count_queries(owner_client, albums[0].get_absolute_url()))
    assert few == many
    albums.append(Album.objects.create(owner=owner, title="One more"))
    assert count_queries(owner_client, reverse("albums:list")) == many[0]


# --- Adding, removing, moving ---------------------------------------------------------------


def test_add_many_from_the_gallery_and_a_photo_can_be_in_several_albums(owner_client, owner, album, add_photos):
    other = Album.objects.create(owner=owner, title="Best of")
    photos = add_photos(owner, 3)
    response = select(owner_client, "add", photos, target=album, next_url=reverse("gallery:index"))
    assert response["Location"] == reverse("gallery:index")
    select(owner_client, "add", photos[:1], target=other)
    select(owner_client, "add", photos, target=album)  # again: nothing doubles
    assert in_album(album) == sorted(p.pk for p in photos)
    assert in_album(other) == [photos[0].pk]


def test_add_from_the_photo_page(owner_client, owner, album, add_photos):
    [photo] = add_photos(owner, 1)
    html = owner_client.get(photo.get_absolute_url()).content.decode()
    assert "Add to album" in html and f'value="{album.pk}"' in html
    select(owner_client, "add", [photo], target=album, next_url=photo.get_absolute_url())
    assert in_album(album) == [photo.pk]


def test_move_keeps_each_photo_exactly_once_in_the_target(owner_client, owner, album, add_photos):
    target = Album.objects.create(owner=owner, title="Target")
    a, b, c = add_photos(owner, 3)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in (a, b, c)])
    AlbumPhoto.objects.create(album=target, photo=a)  # already there

    select(owner_client, "move", [a, b], source=album, target=target)

    assert in_album(album) == [c.pk]
    assert in_album(target) == sorted([a.pk, b.pk])
    assert AlbumPhoto.objects.filter(album=target, photo=a).count() == 1


def test_move_needs_another_album(owner_client, owner, album, add_photos):
    photos = add_photos(owner, 1)
    AlbumPhoto.objects.create(album=album, photo=photos[0])
    response = select(owner_client, "move", photos, source=album, target=album)
    assert in_album(album) == [photos[0].pk]
    assert response.status_code == 302


def test_remove_from_album_keeps_the_photo(owner_client, owner, album, add_photos):
    a, b = add_photos(owner, 2)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in (a, b)])
    select(owner_client, "remove", [a], source=album)
    assert in_album(album) == [b.pk]
    assert Photo.objects.visible_to(owner).filter(pk=a.pk).exists()


def test_choose_a_cover(owner_client, owner, album, add_photos):
    a, b = add_photos(owner, 2)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in (a, b)])
    select(owner_client, "cover", [a], source=album)
    album.refresh_from_db()
    assert album.cover == a


def test_selection_of_nothing_says_so(owner_client, album):
    response = owner_client.post(reverse("albums:selection"), {"action": "add", "target": album.pk, "next": "/"}, follow=True)
    assert "Select at least one photo." in response.content.decode()


def test_upload_straight_into_an_album(owner_client, owner, album):
    assert f'value="{album.pk}" selected' in owner_client.get(reverse("gallery:upload"), {"album": album.pk}).content.decode()
    response = owner_client.post(
        reverse("gallery:upload"),
        {"files": [upload("a.jpg", make_image())], "tags": "", "album": album.pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["results"][0]["status"] == "done"
    assert in_album(album) == [Photo.objects.get().pk]


def test_cannot_upload_into_someone_elses_album(stranger_client, album):
    response = stranger_client.post(
        reverse("gallery:upload"),
        {"files": [upload("a.jpg", make_image())], "tags": "", "album": album.pk},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert not Photo.objects.exists() and in_album(album) == []


# --- Deleting ---------------------------------------------------------------------------------


def test_delete_album_keeps_its_photos_by_default(owner_client, owner, album, add_photos):
    photos = add_photos(owner, 2)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in photos])
    page = owner_client.get(reverse("albums:delete", args=[album.pk])).content.decode()
    [keep] = re.findall(r'<input[^>]*value="keep"[^>]*>', page)
    assert "checked" in keep
    [delete] = re.findall(r'<input[^>]*value="delete"[^>]*>', page)
    assert "checked" not in delete

    owner_client.post(reverse("albums:delete", args=[album.pk]), {"photos": "keep"})

    assert not Album.objects.exists()
    assert Photo.objects.visible_to(owner).count() == 2


def test_delete_album_with_its_photos_moves_them_to_the_trash(owner_client, owner, album, add_photos):
    inside, also_elsewhere, outside = add_photos(owner, 3)
    other = Album.objects.create(owner=owner, title="Other")
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in (inside, also_elsewhere)])
    AlbumPhoto.objects.create(album=other, photo=also_elsewhere)

    owner_client.post(reverse("albums:delete", args=[album.pk]), {"photos": "delete"})

    assert not Album.objects.filter(pk=album.pk).exists()
    assert sorted(Photo.objects.in_trash_of(owner).values_list("pk", flat=True)) == sorted([inside.pk, also_elsewhere.pk])
    assert list(Photo.objects.visible_to(owner)) == [outside]
    assert list(other.visible_photos()) == []


# --- ZIP download ---------------------------------------------------------------------------


def test_unique_archive_names():
    names = ["IMG_1.jpg", "img_1.JPG", "IMG_1.jpg", "../../etc/passwd", "a\\b\\c.png", ""]
    assert unique_archive_names(names) == ["IMG_1.jpg", "img_1 (2).JPG", "IMG_1 (3).jpg", "passwd", "c.png", "photo"]


def test_album_zip_has_every_original_under_unique_names(owner_client, owner, album, add_photos, media_root):
    photos = add_photos(owner, 3, name="IMG_0001.JPG")
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in photos])
    photos[2].move_to_trash()

    response = owner_client.get(reverse("albums:download", args=[album.pk]))

    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="Holiday.zip"'
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    by_name = {info.filename: archive.read(info) for info in archive.infolist()}
    assert sorted(by_name) == ["IMG_0001 (2).JPG", "IMG_0001.JPG"]
    expected = {(media_root / p.original.name).read_bytes() for p in photos[:2]}
    assert set(by_name.values()) == expected


def test_zip_streams_in_bounded_pieces(owner, album, media_root, add_photos):
    big = make_image(size=(3000, 2000)) + bytes(3 * ZIP_CHUNK)  # several chunks of original
    from gallery.services import photo_ingest

    photo = photo_ingest(owner=owner, upload=upload("big.jpg", big))
    pieces = list(zip_chunks(archive_entries([photo])))
    assert max(len(piece) for piece in pieces) <= ZIP_CHUNK + 1024
    assert len(pieces) > 3
    assert zipfile.ZipFile(io.BytesIO(b"".join(pieces))).read("big.jpg") == big


def test_album_list_shows_only_my_albums(stranger_client, album):
    assert list(stranger_client.get(reverse("albums:list")).context["albums"]) == []


def test_an_off_site_next_url_is_not_followed(owner_client, owner, album, add_photos):
    response = select(owner_client, "add", add_photos(owner, 1), target=album, next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_zip_entries_are_dated_within_what_zip_can_hold(owner_client, owner, album, add_photos):
    from datetime import datetime

    future, past = add_photos(owner, 2)
    Photo.objects.filter(pk=future.pk).update(sort_at=datetime(2150, 6, 1, tzinfo=UTC))
    Photo.objects.filter(pk=past.pk).update(sort_at=datetime(1900, 6, 1, tzinfo=UTC))
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in (future, past)])

    response = owner_client.get(reverse("albums:download", args=[album.pk]))

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(info.date_time[0] for info in archive.infolist()) == [1980, 2107]
    assert archive.testzip() is None
