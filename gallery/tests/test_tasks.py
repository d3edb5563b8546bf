import pytest

from gallery.models import Photo
from gallery.tasks import generate_renditions
from pictura.testing.factories import files_under
from pictura.testing.images import make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(owner, ingest):
    return ingest(owner, "a.jpg", make_image(size=(2000, 1000)))


def test_running_the_rendition_task_twice_replaces_instead_of_piling_up(photo, media_root):
    before = files_under(media_root)
    generate_renditions.apply(args=[photo.pk])
    generate_renditions.apply(args=[photo.pk])
    photo.refresh_from_db()
    assert photo.renditions_state == Photo.Renditions.READY
    assert files_under(media_root) == before
    assert len(before) == 3


def test_task_for_a_deleted_photo_does_nothing(photo, media_root):
    photo_id = photo.pk
    photo.delete()
    result = generate_renditions.apply(args=[photo_id])
    assert result.successful()


def test_an_original_that_no_longer_decodes_marks_the_photo_failed_and_keeps_it(photo, media_root):
    (media_root / photo.original.name).write_bytes(b"overwritten by a disk error")
    generate_renditions.apply(args=[photo.pk])
    photo.refresh_from_db()
    assert photo.renditions_state == Photo.Renditions.FAILED
    assert (media_root / photo.original.name).exists()


def test_storage_outage_is_retried_then_marks_the_photo_failed(photo, media_root):
    # The original vanished from storage: every attempt fails the same way, as an outage would.
    (media_root / photo.original.name).unlink()
    generate_renditions.apply(args=[photo.pk])
    photo.refresh_from_db()
    assert photo.renditions_state == Photo.Renditions.FAILED
    assert Photo.objects.filter(pk=photo.pk).exists()
