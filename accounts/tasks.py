import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from .deletion import account_delete_step, accounts_requeue_due_deletions
from .notifications import notifications_send_due

logger = logging.getLogger(__name__)
RFC5322_LINE_LIMIT = 998


class UnfoldedEmail(EmailMultiAlternatives):
    """Header lines up to RFC 5322's limit. Python's compat32 policy, which Django's messages
    use, folds at 78 characters and so splits, or RFC 2047-encodes, a List-Unsubscribe URL that
    mail programs must read whole."""

    def message(self):
        message = super().message()
        message.policy = message.policy.clone(max_line_length=RFC5322_LINE_LIMIT)
        return message


@shared_task(bind=True, acks_late=True, max_retries=5)
def send_email(self, *, to: str, subject: str, text: str, html: str = "", headers: dict | None = None) -> None:
    """Send one email (plain text, and HTML when given); retried with backoff while the mail
    server cannot be reached. Without workers it runs in the web process: no retry there, so a
    page never waits on several timeouts; the person can ask again."""
    message = UnfoldedEmail(subject, text, to=[to], headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            logger.error("Could not send %r to %s: %s", subject, to, exc)
            return
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task
def send_due_notifications() -> int:
    """Run by Celery beat: the digests that are due (accounts.notifications); returns how many."""
    return notifications_send_due()


@shared_task(acks_late=True)
def delete_account(user_id: int) -> None:
    """One step of deleting an account; it queues the next until the account is gone."""
    account_delete_step(user_id)


@shared_task
def resume_account_deletions() -> int:
    """Run by Celery beat: account deletions whose message was lost or whose retry is due."""
    return accounts_requeue_due_deletions()
