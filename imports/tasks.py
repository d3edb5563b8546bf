from celery import shared_task

from . import services


@shared_task(acks_late=True)
def import_step(run_id: int) -> None:
    """One step of a background import; it queues the next until every file is done."""
    services.import_step(run_id)


@shared_task
def resume_imports() -> int:
    """Run by Celery beat: background imports whose message was lost or whose worker died."""
    return services.imports_requeue_due()
