import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=5)
def send_email(self, *, to: str, subject: str, text: str, html: str = "") -> None:
    """Send one email (plain text, and HTML when given); retried with backoff while the mail
    server cannot be reached. Without workers it runs in the web process: no retry there, so a
    page never waits on several timeouts; the person can ask again."""
    message = EmailMultiAlternatives(subject, text, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            logger.error("Could not send %r to %s: %s", subject, to, exc)
            return
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
