import io

import pytest
from django.urls import reverse
from PIL import Image
from skimage import data as samples

from analysis.models import PhotoAnalysis, PhotoTag
from gallery.models import Photo
from pictura.testing.factories import files_under
from pictura.testing.images import SHARED_FACES, needs_shared_faces, upload
from pictura.testing.servers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_upload_goes_through_a_real_worker_to_renditions_and_tags(owner_client, owner, media_root, celery_worker_process):
    buffer = io.BytesIO()
    Image.fromarray(samples.chelsea()).save(buffer, "JPEG")
    response = owner_client.post(
        reverse("gallery:upload"), {"files": [upload("chelsea.jpg", buffer.getvalue())]},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["results"][0]["status"] == "done"
    photo = Photo.objects.get()

    wait_for(
        lambda: PhotoAnalysis.objects.filter(photo=photo, state=PhotoAnalysis.State.DONE).exists(),
        timeout=90, what="renditions and tags from the worker",
    )
    photo.refresh_from_db()
    assert photo.renditions_state == Photo.Renditions.READY
    assert sorted(files_under(media_root)) == sorted([photo.original.name, photo.thumbnail.name, photo.preview.name])
    tags = dict(PhotoTag.objects.filter(photo=photo).values_list("tag__name", "source"))
    assert tags["cat"] == "local"
    log = celery_worker_process.read_text()
    assert "gallery.tasks.generate_renditions" in log and "analysis.tasks.analyse_photo" in log


@needs_shared_faces
def test_faces_are_found_and_grouped_by_a_real_worker(owner_client, owner, media_root, celery_worker_process):
    from analysis.models import Face

    files = [upload(f"obama-{name}", (SHARED_FACES / "obama" / name).read_bytes()) for name in ("1.jpg", "2.jpg")]
    response = owner_client.post(reverse("gallery:upload"), {"files": files}, HTTP_ACCEPT="application/json")
    assert [result["status"] for result in response.json()["results"]] == ["done", "done"]
    wait_for(
        lambda: PhotoAnalysis.objects.filter(state=PhotoAnalysis.State.DONE).count() == 2,
        timeout=120, what="both photos analysed by the worker",
    )
    faces = list(Face.objects.select_related("person").order_by("-size"))
    main = [next(face for face in faces if face.photo_id == photo.pk) for photo in Photo.objects.all()]
    assert main[0].person == main[1].person and main[0].person.owner == owner
    assert {face.crop.name for face in faces} <= set(files_under(media_root))
