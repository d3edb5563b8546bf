from celery import shared_task

from .models import Photo
from .services import StorageUnavailable, photo_generate_renditions


@shared_task(bind=True, acks_late=True, max_retries=5)
def generate_renditions(self, photo_id: int) -> None:
    """Make a photo's thumbnail and preview; retried with backoff while storage is down."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return  # deleted before its turn came
    try:
        photo_generate_renditions(photo=photo)
    except StorageUnavailable as exc:
        if self.request.retries >= self.max_retries:
            photo.mark_renditions(Photo.Renditions.FAILED)
            return
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
