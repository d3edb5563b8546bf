"""What every Celery task of Pictura shares: one retry policy."""
import random


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with jitter: about 5 s, 10 s, 20 s... capped at 10 minutes."""
    return min(600, 5 * 2**retries) * random.uniform(0.8, 1.2)


def retry_with_backoff(task, exc: Exception, *, max_retries: int | None = None) -> None:
    """Have Celery run ``task`` again after ``backoff_seconds`` (raises celery's Retry), or
    return once it has been retried ``max_retries`` times (default: the task's own), so that
    the caller can record that it gave up."""
    limit = task.max_retries if max_retries is None else max_retries
    if task.request.retries >= limit:
        return
    raise task.retry(exc=exc, countdown=backoff_seconds(task.request.retries), max_retries=limit)
