"""Faults on the real stack: Redis, Celery workers, gunicorn and SeaweedFS, each started (and
broken) by the test itself. Whatever fails between an upload and its renditions, the photo is
kept and its work is done once the fault is over. bench/faults.py runs more of them."""
import io
import os
import signal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from skimage import data as samples

from analysis.models import PhotoAnalysis, PhotoTag
from gallery.models import Photo
from pictura.testing.images import make_image, upload
from pictura.testing.servers import CeleryWorker, GunicornSite, RedisServer, signed_in_session, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, which it may stop: never the shared one."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_worker(tmp_path):
    """``start_worker(env, beat=...)``: a real worker, stopped at the end of the test."""
    workers = []

    def start(env, *, beat=False):
        worker = CeleryWorker(env=env, log=tmp_path / f"worker-{len(workers)}.log", beat=beat)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()


def chelsea_jpeg() -> bytes:
    """A real photo of a cat, which the local tagger recognises."""
    buffer = io.BytesIO()
    Image.fromarray(samples.chelsea()).save(buffer, "JPEG")
    return buffer.getvalue()


def photo_state(photo) -> str:
    photo.refresh_from_db()
    return photo.renditions_state


def test_broker_down_at_upload_keeps_the_photo_and_finishes_it_when_the_broker_is_back(
    owner, process_env, own_redis, start_worker, media_root, tmp_path
):
    env = {
        **process_env, "REDIS_URL": own_redis.url, "PICTURA_ANALYSE_UPLOADS": "true", "PICTURA_TAGGER": "local",
        "PICTURA_SWEEP_SECONDS": "1",
    }
    site = GunicornSite(env=env, log=tmp_path / "gunicorn.log")
    site.start()
    try:
        session = signed_in_session(site.url, owner)
        own_redis.stop()
        response = session.post(
            f"{site.url}/upload/", files={"files": ("cat.jpg", chelsea_jpeg(), "image/jpeg")},
            headers={"Accept": "application/json"}, timeout=60,
        )
    finally:
        site.stop()

    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert (result["status"], result["message"]) == ("done", "Uploaded. Processing will start shortly.")
    photo = Photo.objects.get()
    assert photo.renditions_state == Photo.Renditions.PENDING
    assert photo.renditions_due_at <= timezone.now()  # not sent: due at once, for the first sweep
    assert (media_root / photo.original.name).read_bytes()[:2] == b"\xff\xd8"  # the original stays

    # The broker comes back empty (it kept nothing): the sweeper finds the photo in the database.
    own_redis.start()
    start_worker(env, beat=True)
    wait_for(
        lambda: PhotoAnalysis.objects.filter(photo=photo, state=PhotoAnalysis.State.DONE).exists(),
        timeout=120, what="renditions and tags after the broker came back",
    )
    assert photo_state(photo) == Photo.Renditions.READY
    assert PhotoTag.objects.filter(photo=photo, source="local", tag__name="cat").exists()


@pytest.mark.s3
def test_a_worker_killed_mid_task_gives_the_task_back_and_it_is_finished(
    owner_client, process_env, s3_storage, start_worker
):
    env = {**process_env, **s3_storage.environ(), "PICTURA_ANALYSE_UPLOADS": "false"}
    response = owner_client.post(reverse("gallery:upload"), {"files": [upload("a.jpg", make_image())]})
    assert response.status_code == 200
    photo = Photo.objects.get()

    # Storage hangs, so the task is caught in the middle; then its process is killed.
    s3_storage.pause()
    try:
        worker = start_worker(env)
        wait_for(lambda: photo_state(photo) == Photo.Renditions.RUNNING, timeout=60, what="the task starting")
        [pool_process] = worker.pool_children()
        os.kill(pool_process, signal.SIGKILL)
    finally:
        s3_storage.resume()

    wait_for(lambda: photo_state(photo) == Photo.Renditions.READY, timeout=90, what="the task done again")
    assert photo.renditions_attempts == 2
    assert sorted(s3_storage.keys(f"renditions/{photo.owner_id}/")) == sorted([photo.thumbnail.name, photo.preview.name])
    assert "WorkerLostError" in worker.log.read_text()


@pytest.mark.s3
def test_storage_down_during_renditions_is_waited_out_and_they_are_made_when_it_returns(
    owner_client, process_env, s3_storage, start_worker
):
    env = {
        **process_env, **s3_storage.environ(), "PICTURA_ANALYSE_UPLOADS": "false",
        "PICTURA_WORK_RETRY_SECONDS": "1", "PICTURA_SWEEP_SECONDS": "1",
    }
    owner_client.post(reverse("gallery:upload"), {"files": [upload("a.jpg", make_image())]})
    photo = Photo.objects.get()

    s3_storage.stop()
    try:
        start_worker(env, beat=True)
        wait_for(lambda: photo_state(photo) and photo.renditions_retrying, timeout=90, what="a failed attempt")
        assert photo.renditions_error.startswith("Storage unavailable")
        page = owner_client.get(photo.get_absolute_url()).content.decode()
        assert "Preparing this photo will be tried again at" in page
    finally:
        s3_storage.start()

    wait_for(lambda: photo_state(photo) == Photo.Renditions.READY, timeout=120, what="renditions after storage returned")
    assert photo.renditions_error == ""
    assert photo.renditions_attempts >= 2
