from celery import shared_task
from celery.signals import worker_process_init

from .services import analyses_requeue_due, photo_analyse
from .taggers import get_tagger


@shared_task
def analyse_photo(photo_id: int, tagger_name: str | None = None) -> None:
    """Tag one photo, if its analysis is still due. A failed attempt is recorded on the
    analysis; the sweeper queues the next try."""
    photo_analyse(photo_id=photo_id, tagger_name=tagger_name)


@shared_task
def requeue_due_analyses() -> None:
    """Run by Celery beat: analyses whose message was lost are queued again."""
    analyses_requeue_due()


@worker_process_init.connect
def load_the_tagger(**kwargs):
    """Each worker process loads its tagger (and its models) once, as it starts."""
    get_tagger()
