import logging

from celery import shared_task

from gallery.services import StorageUnavailable
from pictura.tasks import retry_with_backoff

from .watermarks import photo_make_watermarked_copy

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=8)
def make_watermarked_copy(self, photo_id: int) -> None:
    """A photo's watermarked thumbnail, preview and full-size picture, for marked share links;
    retried while storage is down."""
    try:
        photo_make_watermarked_copy(photo_id=photo_id)
    except StorageUnavailable as exc:
        retry_with_backoff(self, exc)
        logger.error("Gave up making the watermarked copy of photo %s: %s", photo_id, exc)
