import random

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from gallery.models import Photo

from .services import photo_analyse, photo_analysis_record_failure
from .taggers import TaggerError, TaggerUnavailable, get_tagger


def backoff_seconds(retries: int) -> float:
    """Exponential backoff with jitter: about 5 s, 10 s, 20 s... capped at 10 minutes."""
    return min(600, 5 * 2**retries) * random.uniform(0.8, 1.2)


@shared_task(bind=True, acks_late=True)
def analyse_photo(self, photo_id: int, tagger_name: str | None = None) -> None:
    """Tag one photo. Retried with backoff while the tagger is throttled or out of reach;
    after the last attempt the analysis is marked failed and the photo is kept."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return  # deleted meanwhile
    if not photo.preview:
        error = TaggerUnavailable("The preview is not ready yet.")
    else:
        try:
            photo_analyse(photo=photo, tagger_name=tagger_name)
            return
        except TaggerError as exc:
            photo_analysis_record_failure(photo_id=photo_id, error=str(exc), final=True)
            return
        except TaggerUnavailable as exc:
            error = exc
    attempts = settings.PICTURA_ANALYSIS_MAX_ATTEMPTS
    final = self.request.retries + 1 >= attempts
    photo_analysis_record_failure(photo_id=photo_id, error=str(error), final=final)
    if not final:
        raise self.retry(exc=error, countdown=backoff_seconds(self.request.retries), max_retries=attempts - 1)


@worker_process_init.connect
def load_the_tagger(**kwargs):
    """Each worker process loads its tagger (and its models) once, as it starts."""
    get_tagger()
