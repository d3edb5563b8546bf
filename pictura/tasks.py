"""What every Celery task of Pictura shares.

Background work (renditions, analysis) is recorded in the database first: a row says what is
to be done and by when it is due. The message on the broker only says "look now"; when it is
lost (broker down at upload, worker killed, Redis restarted), the sweeper finds the row past
its due time and sends the message again. So queueing never fails the caller, and the tasks
are written to be run twice.
"""
import logging
import random
import time
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# After a failed send, the broker is left alone this long: a batch of 200 uploads while Redis
# is down must not wait for 200 timeouts. The sweeper sends what was skipped.
BROKER_PAUSE_SECONDS = 30
_broker_down_until = 0.0


def enqueue(task, *args) -> bool:
    """Send ``task`` to the workers (without a broker: run it here); True if it was sent.

    Never raises: the row that records the work is what counts, and the sweeper sends the
    message again when this one could not be.
    """
    global _broker_down_until
    if queueing_paused():
        return False
    try:
        task.apply_async(args=args)
    except Exception:  # noqa: BLE001 - any broker failure; the sweeper sends it later
        logger.exception("Could not queue %s%r; the sweeper will queue it again", task.name, args)
        _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
        return False
    return True


def queueing_paused() -> bool:
    """Whether the last send failed moments ago: work queued now waits for the sweeper."""
    return time.monotonic() < _broker_down_until


_work_left_to_sweeper = False


def work_is_left_to_sweeper() -> bool:
    """Whether work queued now is only to be made due (see ``work_left_to_sweeper``)."""
    return _work_left_to_sweeper and current_app.conf.task_always_eager


@contextmanager
def work_left_to_sweeper():
    """Inside, work that would run in this very process (no broker: laptop mode) and that a row
    records is only made due, for `manage.py sweep` to do: a bulk import is not held up by
    tagging each photo as it goes. With a broker nothing changes: workers do the work. (A
    module flag, not a context variable: the processes an import forks inherit it.)"""
    global _work_left_to_sweeper
    before, _work_left_to_sweeper = _work_left_to_sweeper, True
    try:
        yield
    finally:
        _work_left_to_sweeper = before


def enqueue_after_commit(task, *args, due_row=None) -> None:
    """``enqueue`` once the current transaction commits. ``due_row``, (queryset, due field), is
    the row that records this work: if the message cannot be sent it is made due at once, so
    the first sweep after the broker returns sends it."""

    def send():
        if due_row is not None and work_is_left_to_sweeper():
            rows, due_field = due_row
            rows.update(**{due_field: timezone.now()})
            return
        if not enqueue(task, *args) and due_row is not None:
            rows, due_field = due_row
            rows.update(**{due_field: timezone.now()})

    transaction.on_commit(send, robust=True)


def enqueue_next_step(task, *args, due_row) -> None:
    """Queue the next step of long work once the current transaction commits. With a broker it
    is sent at once. Without one (tasks run in the calling process) the row is made due instead
    and the sweeper, a process of its own, runs it: steps never nest in one process, and a web
    request never waits for them."""
    if current_app.conf.task_always_eager:
        rows, due_field = due_row
        transaction.on_commit(lambda: rows.update(**{due_field: timezone.now()}), robust=True)
    else:
        enqueue_after_commit(task, *args, due_row=due_row)


def wait_deadline():
    """When work just queued counts as lost if no worker has started it."""
    return timezone.now() + timedelta(seconds=settings.PICTURA_WORK_WAIT_SECONDS)


def run_deadline():
    """When work a worker just started counts as lost (the worker was killed) if not finished:
    Celery's hard time limit has passed by then."""
    return timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def retry_deadline(attempts: int):
    """When to try again after ``attempts`` failed attempts, or None once they are all used:
    30 s, 1 min, 2 min... doubling up to an hour between tries, so an outage of a few hours
    is waited out (PICTURA_WORK_MAX_ATTEMPTS, PICTURA_WORK_RETRY_SECONDS)."""
    if attempts >= settings.PICTURA_WORK_MAX_ATTEMPTS:
        return None
    first, longest = settings.PICTURA_WORK_RETRY_SECONDS, settings.PICTURA_WORK_RETRY_MAX_SECONDS
    seconds = min(longest, first * 2 ** max(0, attempts - 1)) * random.uniform(0.9, 1.1)
    return timezone.now() + timedelta(seconds=seconds)


def attempts_used_up(attempts: int, last_error: str, *, doing: str) -> str | None:
    """Why to give up work just claimed for attempt ``attempts``, or None to go on. Every
    attempt is used once the claim counts one more than allowed; those that ended without a
    word (``last_error`` empty) died with their worker (out of memory, say)."""
    if attempts <= settings.PICTURA_WORK_MAX_ATTEMPTS:
        return None
    return f"Gave up after {attempts - 1} attempts; " + (last_error or f"the worker {doing} it stopped each time.")


def waiting_messages() -> int:
    """How many messages wait in Pictura's queue on the broker (0 without one)."""
    app = current_app
    if app.conf.task_always_eager:
        return 0
    with app.connection_for_write() as connection:
        # Not passive: a broker that restarted empty does not know the queue yet, which is no error.
        declared = connection.default_channel.queue_declare(queue=app.conf.task_default_queue)
        return declared.message_count


def requeue_due(due_rows, *, due_field: str, task, batch: int | None = None) -> int:
    """Send ``task`` again for the rows of ``due_rows`` (work past its due time), oldest first,
    at most ``batch`` per call; returns how many were sent (those that could not be stay due).

    Safe when several sweepers run at once (one per worker machine): each claims its rows with
    SELECT ... FOR UPDATE SKIP LOCKED and moves their due time on before sending. While the
    queue already holds a batch of messages the workers are busy, and nothing is added.
    """
    batch = batch or settings.PICTURA_SWEEP_BATCH
    try:
        room = batch - waiting_messages()
    except Exception:  # noqa: BLE001 - the broker is unreachable: nothing could be sent now
        logger.warning("The broker cannot be reached; the sweep waits for the next run", exc_info=True)
        return 0
    if room <= 0:
        return 0
    with transaction.atomic():
        claimed = list(
            due_rows.select_for_update(skip_locked=True).order_by(due_field).values_list("pk", flat=True)[:room]
        )
        due_rows.model.objects.filter(pk__in=claimed).update(**{due_field: wait_deadline()})
    unsent = [pk for pk in claimed if not enqueue(task, pk)]
    due_rows.model.objects.filter(pk__in=unsent).update(**{due_field: timezone.now()})  # next run
    sent = len(claimed) - len(unsent)
    if sent:
        logger.info("Queued %s again for %d row(s) past their due time", task.name, sent)
    return sent


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with jitter: about 5 s, 10 s, 20 s... capped at 10 minutes."""
    return min(600, 5 * 2**retries) * random.uniform(0.8, 1.2)


def retry_with_backoff(task, exc: Exception, *, max_retries: int | None = None) -> None:
    """Have Celery run ``task`` again after ``backoff_seconds`` (raises celery's Retry), or
    return once it has been retried ``max_retries`` times (default: the task's own), so that
    the caller can record that it gave up. For short-lived work that has no row to sweep."""
    limit = task.max_retries if max_retries is None else max_retries
    if task.request.retries >= limit:
        return
    raise task.retry(exc=exc, countdown=backoff_seconds(task.request.retries), max_retries=limit)
