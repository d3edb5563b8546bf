from celery import shared_task
from celery.signals import worker_process_init

from . import people
from .services import analyses_requeue_due, photo_analyse
from .taggers import get_tagger


@shared_task
def analyse_photo(photo_id: int, tagger_name: str | None = None) -> None:
    """Tag one photo, if its analysis is still due. A failed attempt is recorded on the
    analysis; the sweeper queues the next try."""
    photo_analyse(photo_id=photo_id, tagger_name=tagger_name)


@shared_task
def requeue_due_analyses() -> int:
    """Run by Celery beat: analyses whose message was lost are queued again; returns how many."""
    return analyses_requeue_due()


@shared_task
def forget_faces_of(user_id: int) -> None:
    """Delete the faces of a user who turned face recognition off. Whatever storage or
    Rekognition refuses now, the sweeper deletes later."""
    people.user_forget_faces(user_id)


@shared_task
def forget_faces_left_behind() -> None:
    """Run by Celery beat: faces of users without face recognition that a failed deletion left."""
    people.forget_faces_of_users_without_recognition()


@worker_process_init.connect
def load_the_tagger(**kwargs):
    """Each worker process loads its tagger (and its models) once, as it starts."""
    get_tagger()
