from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from gallery.models import Photo
from pictura.tasks import retry_with_backoff

from .services import photo_analyse, photo_analysis_record_failure
from .taggers import TaggerError, TaggerUnavailable, get_tagger


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
    retries_allowed = settings.PICTURA_ANALYSIS_MAX_ATTEMPTS - 1
    final = self.request.retries >= retries_allowed
    photo_analysis_record_failure(photo_id=photo_id, error=str(error), final=final)
    retry_with_backoff(self, error, max_retries=retries_allowed)


@worker_process_init.connect
def load_the_tagger(**kwargs):
    """Each worker process loads its tagger (and its models) once, as it starts."""
    get_tagger()
