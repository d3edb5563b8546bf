from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gallery.models import Photo
from gallery.services import photo_retry_renditions, renditions_requeue_due
from gallery.tasks import generate_renditions
from pictura.testing.factories import files_under
from pictura.testing.images import make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(owner, ingest):
    return ingest(owner, "a.jpg", make_image(size=(2000, 1000)))


def make_due(photo, **fields):
    """The photo as the sweeper finds it once its due time has passed."""
    values = {"renditions_state": Photo.Renditions.PENDING, "renditions_due_at": timezone.now() - timedelta(seconds=1)}
    Photo.objects.filter(pk=photo.pk).update(**{**values, **fields})


def test_a_second_run_of_due_renditions_replaces_instead_of_piling_up(photo, media_root, after_commit):
    before = files_under(media_root)
    make_due(photo)
    with after_commit():
        generate_renditions.apply(args=[photo.pk])
    photo.refresh_from_db()
    assert photo.renditions_state == Photo.Renditions.READY
    # New keys (a key's bytes never change, for caches), the earlier files gone.
    assert files_under(media_root) == sorted([photo.original.name, photo.thumbnail.name, photo.preview.name])
    assert len(before) == 3 and set(files_under(media_root)) & set(before) == {photo.original.name}


def test_a_duplicate_message_for_finished_renditions_does_nothing(photo, media_root):
    Photo.objects.filter(pk=photo.pk).update(renditions_state=Photo.Renditions.FAILED, renditions_error="Bad")
    generate_renditions.apply(args=[photo.pk])
    photo.refresh_from_db()
    assert (photo.renditions_state, photo.renditions_error, photo.renditions_attempts) == ("failed", "Bad", 1)


def test_task_for_a_deleted_photo_does_nothing(photo, media_root):
    photo_id = photo.pk
    photo.delete()
    result = generate_renditions.apply(args=[photo_id])
    assert result.successful()


def test_an_original_that_no_longer_decodes_marks_the_photo_failed_and_keeps_it(photo, media_root):
    (media_root / photo.original.name).write_bytes(b"overwritten by a disk error")
    make_due(photo)
    generate_renditions.apply(args=[photo.pk])
    photo.refresh_from_db()
    assert photo.renditions_state == Photo.Renditions.FAILED
    assert photo.renditions_error == "The original could not be decoded."
    assert photo.renditions_due_at is None
    assert (media_root / photo.original.name).exists()


def test_storage_outage_waits_for_the_next_try_then_gives_up_with_the_reason(photo, media_root, settings, after_commit):
    settings.PICTURA_WORK_MAX_ATTEMPTS = 3
    # The original vanished from storage: every attempt fails the same way, as an outage would.
    original = (media_root / photo.original.name).read_bytes()
    (media_root / photo.original.name).unlink()
    make_due(photo, renditions_attempts=0)
    generate_renditions.apply(args=[photo.pk])
    photo.refresh_from_db()
    assert (photo.renditions_state, photo.renditions_attempts) == ("pending", 1)
    assert photo.renditions_error == "Storage unavailable (FileNotFoundError)."
    assert photo.renditions_retrying
    # The first retry comes after about PICTURA_WORK_RETRY_SECONDS, not at once.
    wait = (photo.renditions_due_at - timezone.now()).total_seconds()
    assert 0.8 * settings.PICTURA_WORK_RETRY_SECONDS < wait < 1.2 * settings.PICTURA_WORK_RETRY_SECONDS

    assert renditions_requeue_due() == 0  # not due yet
    for attempt in (2, 3):
        make_due(photo, renditions_error=photo.renditions_error)
        assert renditions_requeue_due() == 1  # runs the task here: no broker in this test
        photo.refresh_from_db()
        assert photo.renditions_attempts == attempt
    assert photo.renditions_state == Photo.Renditions.FAILED
    assert photo.renditions_error == "Gave up after 3 attempts: Storage unavailable (FileNotFoundError)."
    assert Photo.objects.filter(pk=photo.pk).exists()

    # The owner's retry starts over once storage is back.
    (media_root / photo.original.name).write_bytes(original)
    with after_commit():
        assert photo_retry_renditions(photo=photo)
    photo.refresh_from_db()
    assert (photo.renditions_state, photo.renditions_attempts, photo.renditions_error) == ("ready", 1, "")


def test_a_photo_whose_worker_was_killed_every_time_fails_instead_of_looping(photo, settings):
    settings.PICTURA_WORK_MAX_ATTEMPTS = 3
    # Three attempts started and none finished: each worker died (out of memory, say).
    make_due(photo, renditions_state=Photo.Renditions.RUNNING, renditions_attempts=3)
    generate_renditions.apply(args=[photo.pk])
    photo.refresh_from_db()
    assert photo.renditions_state == Photo.Renditions.FAILED
    assert photo.renditions_error == "Gave up after 3 attempts; the worker processing it stopped each time."


def test_the_sweeper_requeues_only_work_past_its_due_time(owner, ingest, settings):
    lost, waiting, running, stuck, done = (ingest(owner, f"{i}.jpg", make_image(color=(40 * i, 0, 0))) for i in range(5))
    soon = timezone.now() + timedelta(minutes=5)
    make_due(lost)  # its message never reached the broker
    make_due(waiting, renditions_due_at=soon)  # queued moments ago
    make_due(running, renditions_state=Photo.Renditions.RUNNING, renditions_due_at=soon)
    make_due(stuck, renditions_state=Photo.Renditions.RUNNING)  # its worker was lost
    make_due(done, renditions_state=Photo.Renditions.READY)

    assert renditions_requeue_due() == 2
    states = dict(Photo.objects.values_list("pk", "renditions_state"))
    assert states == {lost.pk: "ready", waiting.pk: "pending", running.pk: "running", stuck.pk: "ready", done.pk: "ready"}


def test_the_sweeper_sends_at_most_a_batch_per_run(owner, ingest, settings):
    settings.PICTURA_SWEEP_BATCH = 2
    photos = [ingest(owner, f"{i}.jpg", make_image(color=(40 * i, 0, 0))) for i in range(3)]
    for photo in photos:
        make_due(photo)
    assert renditions_requeue_due() == 2
    assert renditions_requeue_due() == 1


def test_the_sweep_command_reports_what_it_queued(photo, capsys):
    make_due(photo)
    call_command("sweep")
    assert capsys.readouterr().out == "requeue-due-renditions: 1\n"
    photo.refresh_from_db()
    assert photo.renditions_ready


def test_the_owner_retries_failed_renditions_and_a_stranger_cannot(photo, owner_client, stranger_client):
    Photo.objects.filter(pk=photo.pk).update(renditions_state=Photo.Renditions.FAILED, renditions_error="Gave up")
    page = owner_client.get(photo.get_absolute_url()).content.decode()
    assert "The preview could not be made: Gave up" in page and 'http-equiv="refresh"' not in page
    assert stranger_client.post(reverse("gallery:photo_retry", args=[photo.pk])).status_code == 404
    assert Photo.objects.get(pk=photo.pk).renditions_state == Photo.Renditions.FAILED
    response = owner_client.post(reverse("gallery:photo_retry", args=[photo.pk]))
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.renditions_ready


def test_waiting_photos_say_so_and_refresh_themselves(photo, owner_client):
    make_due(photo, renditions_state=Photo.Renditions.PENDING)
    html = owner_client.get(photo.get_absolute_url()).content.decode()
    assert "Waiting for a worker to prepare this photo" in html and 'content="3"' in html


@pytest.mark.django_db(transaction=True)  # each sweeper is a thread with its own connection
def test_two_sweepers_at_once_never_send_the_same_work_twice(owner):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    from pictura.testing.factories import photo_row

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads share an in-memory SQLite only with table locks; `make test` runs it on a file")
    past = timezone.now() - timedelta(seconds=1)
    due = [photo_row(owner, renditions_due_at=past).pk for _ in range(20)]
    start_together = Barrier(2)

    def sweep():
        start_together.wait()
        try:
            return renditions_requeue_due()  # runs each task here: no broker in this test
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        sent = [future.result() for future in [pool.submit(sweep), pool.submit(sweep)]]

    assert sum(sent) == 20
    # Each photo was tried once (its file is missing: it now waits for a retry), never twice.
    assert set(Photo.objects.filter(pk__in=due).values_list("renditions_attempts", flat=True)) == {1}


@pytest.mark.worker  # needs the broker: `make test` runs it in the pass with REDIS_URL
def test_the_sweeper_adds_nothing_while_the_queue_already_holds_a_batch(owner, settings):
    from celery import current_app

    from pictura.tasks import waiting_messages
    from pictura.testing.factories import photo_row

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    settings.PICTURA_SWEEP_BATCH = 2
    photo_row(owner, renditions_due_at=timezone.now() - timedelta(seconds=1))
    current_app.control.purge()
    try:
        for _ in range(2):
            generate_renditions.delay(0)  # messages waiting for busy workers (about no photo)
        assert waiting_messages() == 2
        assert renditions_requeue_due() == 0
        current_app.control.purge()  # the workers caught up
        assert renditions_requeue_due() == 1
        assert waiting_messages() == 1
    finally:
        current_app.control.purge()


def test_a_remake_that_fails_keeps_the_earlier_renditions_named_so_nothing_is_orphaned(photo, media_root, after_commit):
    from gallery.services import photo_delete, photos_remake_renditions

    (media_root / photo.original.name).unlink()  # storage loses the original: the remake fails
    with after_commit():
        photos_remake_renditions(Photo.objects.filter(pk=photo.pk))
    photo.refresh_from_db()
    assert photo.renditions_retrying and photo.thumbnail and photo.preview
    photo_delete(photo=photo)
    assert files_under(media_root) == []
