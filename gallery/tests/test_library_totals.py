"""A user's totals (photos, trash, bytes) are kept as photos change, and stay equal to what
counting the photos says: through upload, trash, restore, delete, emptying the trash, the admin
and album actions. ``manage.py recount`` finds and mends drift."""
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from albums.models import Album
from albums.services import album_add_photos, album_delete
from gallery.models import Library, Photo
from gallery.services import photos_move_to_trash
from pictura.testing.images import make_image, upload

pytestmark = pytest.mark.django_db


def kept(user) -> tuple[int, int, int]:
    library = Library.objects.get(owner_id=user.pk)
    return library.photos, library.trashed, library.bytes


def counted(user) -> tuple[int, int, int]:
    library = Library.counted(user.pk)
    return library.photos, library.trashed, library.bytes


def test_totals_follow_every_change_and_equal_a_count(owner, owner_client, ingest):
    photos = [ingest(owner, f"{n}.png", make_image(fmt="PNG", color=(n, 9, 9))) for n in range(4)]
    size = sum(photo.file_size for photo in photos)
    assert kept(owner) == counted(owner) == (4, 0, size)

    owner_client.post(reverse("gallery:photo_delete", args=[photos[0].pk]))  # to the trash
    photos_move_to_trash(owner=owner, photo_ids=[photos[1].pk, photos[2].pk, photos[0].pk])  # one already there
    assert kept(owner) == counted(owner) == (1, 3, size)

    owner_client.post(reverse("gallery:trash_restore", args=[photos[2].pk]))
    assert kept(owner) == counted(owner) == (2, 2, size)

    owner_client.post(reverse("gallery:trash_delete", args=[photos[1].pk]))
    owner_client.post(reverse("gallery:trash_empty"))
    left = size - photos[0].file_size - photos[1].file_size
    assert kept(owner) == counted(owner) == (2, 0, left)

    Photo.objects.filter(pk=photos[3].pk).delete()  # as the admin deletes: no service involved
    assert kept(owner) == counted(owner) == (1, 0, left - photos[3].file_size)


def test_deleting_an_album_with_its_photos_keeps_the_totals(owner, ingest):
    photos = [ingest(owner, f"{n}.png", make_image(fmt="PNG", color=(n, 7, 7))) for n in range(3)]
    album = Album.objects.create(owner=owner, title="Trip")
    album_add_photos(album=album, photo_ids=[photo.pk for photo in photos[:2]])
    album_delete(album=album, delete_photos=True)
    assert kept(owner) == counted(owner) == (1, 2, sum(photo.file_size for photo in photos))


def test_totals_are_counted_when_first_asked_for(owner, add_photos):
    add_photos(owner, 3)  # rows made without the services
    Library.objects.filter(owner_id=owner.pk).delete()
    assert (Library.of(owner.pk).photos, Library.of(owner.pk).trashed) == (3, 0)


def test_the_gallery_shows_the_kept_count_without_counting(owner, owner_client, ingest):
    ingest(owner, "a.png", make_image(fmt="PNG"))
    Library.objects.filter(owner_id=owner.pk).update(photos=12345)  # shown as kept, not recounted
    assert "12,345 photos" in owner_client.get(reverse("gallery:index")).content.decode()


def test_the_quota_reads_the_kept_bytes(owner, owner_client, ingest, settings):
    settings.PICTURA_TIER_QUOTAS_MB = {owner.tier: 1}
    ingest(owner, "a.png", make_image(fmt="PNG"))
    Library.objects.filter(owner_id=owner.pk).update(bytes=1024 * 1024)
    response = owner_client.post(
        reverse("gallery:upload"), {"files": [upload("b.png", make_image(fmt="PNG", color=(1, 2, 3)), "image/png")]},
        HTTP_ACCEPT="application/json",
    )
    assert "past the 1.0" in response.json()["results"][0]["message"]


def test_recount_reports_drift_and_mends_it_with_fix(owner, stranger, ingest):
    ingest(owner, "a.png", make_image(fmt="PNG"))
    ingest(stranger, "b.png", make_image(fmt="PNG", color=(5, 5, 5)))
    Library.objects.filter(owner_id=owner.pk).update(photos=7, bytes=1)
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "olivia: photos 7 → 1, bytes 1 →" in out.getvalue() and "sam" not in out.getvalue()
    assert kept(owner) != counted(owner)  # reported, not changed
    call_command("recount", "--fix", stdout=io.StringIO())
    assert kept(owner) == counted(owner)
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert out.getvalue().strip() == "No drift."


def test_a_photo_trashed_by_two_requests_at_once_counts_once(owner, ingest):
    photo = ingest(owner, "a.png", make_image(fmt="PNG"))
    first, second = Photo.objects.get(pk=photo.pk), Photo.objects.get(pk=photo.pk)
    first.move_to_trash()
    second.move_to_trash()  # loaded before the first moved it
    assert kept(owner) == counted(owner) == (0, 1, photo.file_size)
    first.restore()
    second.restore()
    assert kept(owner) == counted(owner) == (1, 0, photo.file_size)


def test_photos_recorded_together_count_against_the_quota_together(owner, settings, media_root):
    """Each passed the quota alone when stored; recorded as one batch (an import), the second
    would take the library past it: it is refused and its files go, the first is kept."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gallery.services import PhotoRejected, photo_store, photos_record
    from pictura.testing.factories import files_under

    files = [make_image(size=(900, 700), color=(n * 60, 20, 20)) for n in range(2)]
    settings.PICTURA_TIER_QUOTAS_MB = {owner.tier: 1}
    Library.of(owner.pk)
    Library.objects.filter(owner_id=owner.pk).update(bytes=1024 * 1024 - len(files[0]) - len(files[1]) // 2)
    stored = [photo_store(owner=owner, upload=SimpleUploadedFile(f"{n}.jpg", data), render_now=True)
              for n, data in enumerate(files)]
    kept, refused = photos_record(owner, stored)
    assert isinstance(kept, Photo) and kept.pk and isinstance(refused, PhotoRejected)
    assert "past the 1.0" in str(refused)
    assert Library.of(owner.pk).photos == 1
    assert files_under(media_root) == sorted([kept.original.name, kept.thumbnail.name, kept.preview.name])
