from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from albums.models import Album, AlbumPhoto, ShareLink
from analysis.models import PhotoAnalysis
from gallery.models import Photo
from pictura.testing.factories import files_under
from pictura.testing.images import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def trashed(owner, add_photos):
    photo = add_photos(owner, 1)[0]
    photo.move_to_trash()
    return photo


def test_trashed_photos_appear_nowhere_but_the_trash(owner_client, owner, add_photos):
    kept, trashed = add_photos(owner, 2)
    for photo in (kept, trashed):  # analysed and clear, so that share links may show them
        PhotoAnalysis.objects.create(photo=photo, state=PhotoAnalysis.State.DONE)
    album = Album.objects.create(owner=owner, title="A")
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in (kept, trashed)])
    link = ShareLink.objects.create(owner=owner, photo=trashed)
    album_link = ShareLink.objects.create(owner=owner, album=album)
    owner_client.post(reverse("gallery:photo_delete", args=[trashed.pk]))

    assert list(owner_client.get(reverse("gallery:index")).context["page"].object_list) == [kept]
    assert list(owner_client.get(album.get_absolute_url()).context["page"].object_list) == [kept]
    assert owner_client.get(reverse("albums:list")).context["albums"][0].photo_count == 1
    assert owner_client.get(trashed.get_absolute_url()).status_code == 404
    assert owner_client.get(reverse("gallery:photo_original", args=[trashed.pk])).status_code == 404
    assert owner_client.get(kept.get_absolute_url()).context["newer"] is None
    assert owner_client.get(kept.get_absolute_url()).context["older"] is None
    assert owner_client.get(link.get_absolute_url()).status_code == 404
    assert list(owner_client.get(album_link.get_absolute_url()).context["page"].object_list) == [kept]
    assert owner_client.get(reverse("accounts:profile")).context["library"].photos == 1
    assert list(owner_client.get(reverse("gallery:trash")).context["page"].object_list) == [trashed]


def test_trash_page_shows_thumbnails_and_when_each_goes(owner_client, trashed):
    html = owner_client.get(reverse("gallery:trash")).content.decode()
    assert f"/photos/{trashed.pk}/thumbnail.jpg?trash=1" in html
    assert "Deleted for good in 4\xa0weeks" in html  # purged 30 days from now
    response = owner_client.get(reverse("gallery:photo_thumbnail", args=[trashed.pk]), {"trash": "1"})
    assert response.status_code == 200


def test_restore(owner_client, owner, trashed):
    response = owner_client.post(reverse("gallery:trash_restore", args=[trashed.pk]))
    assert response.status_code == 302
    assert list(Photo.objects.visible_to(owner)) == [trashed]


def test_delete_for_good_removes_files_and_row(owner_client, trashed, media_root):
    assert len(files_under(media_root)) == 3
    owner_client.post(reverse("gallery:trash_delete", args=[trashed.pk]))
    assert not Photo.objects.exists()
    assert files_under(media_root) == []


def test_only_trashed_photos_can_be_deleted_for_good(owner_client, owner, add_photos):
    [photo] = add_photos(owner, 1)
    assert owner_client.post(reverse("gallery:trash_delete", args=[photo.pk])).status_code == 404
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_empty_trash(owner_client, owner, add_photos, media_root):
    kept, *gone = add_photos(owner, 3)
    for photo in gone:
        photo.move_to_trash()
    confirm = owner_client.get(reverse("gallery:trash_empty")).content.decode()
    assert "2 photos and their original files will be deleted for good." in confirm
    assert Photo.objects.count() == 3  # asking deletes nothing
    response = owner_client.post(reverse("gallery:trash_empty"), follow=True)
    assert "Deleted 2 photos for good." in response.content.decode()
    assert list(Photo.objects.all()) == [kept]
    assert len(files_under(media_root)) == 3


@pytest.mark.parametrize("name", ["trash_restore", "trash_delete"])
def test_stranger_cannot_touch_my_trash(stranger_client, trashed, name):
    assert stranger_client.post(reverse(f"gallery:{name}", args=[trashed.pk])).status_code == 404
    trashed.refresh_from_db()
    assert trashed.in_trash


def test_stranger_empty_trash_leaves_mine(stranger_client, trashed):
    stranger_client.post(reverse("gallery:trash_empty"))
    assert Photo.objects.filter(pk=trashed.pk).exists()


@pytest.mark.parametrize("name, args", [("trash", []), ("trash_restore", [1]), ("trash_delete", [1]), ("trash_empty", [])])
def test_anonymous_is_sent_to_sign_in(client, name, args):
    response = client.post(reverse(f"gallery:{name}", args=args)) if args else client.get(reverse(f"gallery:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_empty_trash_command_deletes_only_what_expired(owner, add_photos, media_root, settings):
    settings.PICTURA_TRASH_DAYS = 30
    old, recent, kept = add_photos(owner, 3)
    Photo.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    Photo.objects.filter(pk=recent.pk).update(deleted_at=timezone.now() - timedelta(days=29))
    stdout = StringIO()

    call_command("empty_trash", "--dry-run", stdout=stdout)
    assert "Would delete 1 photo(s)" in stdout.getvalue()
    assert Photo.objects.count() == 3

    call_command("empty_trash", stdout=stdout)

    assert f"Deleted 1 photo(s), {old.file_size} bytes, in the trash for more than 30 days." in stdout.getvalue()
    assert sorted(Photo.objects.values_list("pk", flat=True)) == sorted([recent.pk, kept.pk])
    assert not any(str(old.uuid) in name for name in files_under(media_root))
    assert len(files_under(media_root)) == 6


def test_uploading_a_photo_that_is_in_the_trash_says_where_it_is(owner_client, owner, trashed, media_root):
    data = (media_root / trashed.original.name).read_bytes()
    response = owner_client.post(
        reverse("gallery:upload"), {"files": [upload("again.png", data, "image/png")]}, HTTP_ACCEPT="application/json"
    )
    assert response.json()["results"][0] == {
        "filename": "again.png",
        "status": "duplicate",
        "message": "You have already uploaded this photo; it is in your trash.",
        "url": reverse("gallery:trash"),
    }
