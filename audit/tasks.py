from celery import shared_task

from .services import audit_delete_expired


@shared_task(acks_late=True)
def delete_expired_audit_entries() -> int:
    """Run by Celery beat: entries older than PICTURA_AUDIT_DAYS go."""
    return audit_delete_expired()
