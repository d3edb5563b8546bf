import logging

from celery import shared_task

from pictura.tasks import retry_with_backoff

from .direct_uploads import direct_upload_ingest, direct_uploads_sweep
from .imaging import LocationNotRemoved
from .models import Photo
from .services import (
    StorageUnavailable,
    photo_generate_renditions,
    photo_prepare_shareable_original,
    renditions_requeue_due,
)

logger = logging.getLogger(__name__)


@shared_task
def generate_renditions(photo_id: int) -> None:
    """Make a photo's thumbnail and preview, if they are still due."""
    photo_generate_renditions(photo_id=photo_id)


@shared_task
def requeue_due_renditions() -> int:
    """Run by Celery beat: renditions whose message was lost are queued again; returns how many."""
    return renditions_requeue_due()


@shared_task(bind=True, acks_late=True, max_retries=5)
def prepare_shareable_original(self, photo_id: int) -> None:
    """Store a photo's original without location, for share links; retried while storage is down."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return
    try:
        photo_prepare_shareable_original(photo=photo)
    except (StorageUnavailable, LocationNotRemoved) as exc:
        retry_with_backoff(self, exc)
        logger.error("Gave up making the shareable original of photo %s: %s", photo_id, exc)


@shared_task(acks_late=True)
def ingest_direct_upload(upload_pk: int) -> None:
    """Check and ingest a file the browser uploaded straight to S3."""
    direct_upload_ingest(upload_pk)


@shared_task
def sweep_direct_uploads() -> int:
    """Run by Celery beat: abandoned direct uploads aborted, lost ingests queued again."""
    return direct_uploads_sweep()
