import pytest
from django.urls import reverse

from conftest import files_under, make_image, upload, wait_for
from gallery.models import Photo

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_upload_queues_renditions_that_a_real_worker_makes(owner_client, owner, media_root, celery_worker_process):
    response = owner_client.post(
        reverse("gallery:upload"), {"files": [upload("w.jpg", make_image(size=(1800, 1200)))]},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["results"][0]["status"] == "done"
    photo = Photo.objects.get()

    wait_for(
        lambda: Photo.objects.get(pk=photo.pk).renditions_state == Photo.Renditions.READY,
        timeout=60, what="renditions from the worker",
    )
    photo.refresh_from_db()
    assert sorted(files_under(media_root)) == sorted([photo.original.name, photo.thumbnail.name, photo.preview.name])
    log = celery_worker_process.read_text()
    assert "gallery.tasks.generate_renditions" in log and "succeeded" in log
