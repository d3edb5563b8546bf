"""A background import (the admin's, the API's) through a real Celery worker on Redis."""
import pytest

from analysis.models import PhotoAnalysis
from gallery.models import Photo
from imports.models import ImportRun
from imports.services import import_in_background
from pictura.testing.factories import files_under
from pictura.testing.images import make_image
from pictura.testing.servers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_background_import_runs_in_the_worker_and_tagging_follows(owner, staff, tmp_path, media_root,
                                                                   celery_worker_process):
    library = tmp_path / "library"  # beside the worker's log
    library.mkdir()
    for n in range(5):
        (library / f"{n}.jpg").write_bytes(make_image(size=(900, 600), color=(40 * n, 120, 200)))
    (library / "broken.jpg").write_bytes(make_image(size=(900, 600))[:500])

    run = import_in_background(owner=owner, source=str(library), started_by=staff, album="Moved in")
    wait_for(lambda: ImportRun.objects.get(pk=run.pk).state == ImportRun.State.DONE, timeout=90,
             what="the import finished by the worker")
    wait_for(lambda: PhotoAnalysis.objects.filter(state=PhotoAnalysis.State.DONE).count() == 5, timeout=120,
             what="the imported photos tagged by the worker")
    run.refresh_from_db()
    counts = run.counts()
    assert counts["imported"] == 5 and counts["refused"] == 1 and run.due_at is None
    photos = Photo.objects.filter(owner=owner, renditions_state=Photo.Renditions.READY)
    assert photos.count() == 5
    assert sorted(files_under(media_root)) == sorted(
        name for photo in photos for name in (photo.original.name, photo.thumbnail.name, photo.preview.name))
    log = celery_worker_process.read_text()
    assert "imports.tasks.import_step" in log and "analysis.tasks.analyse_photo" in log
