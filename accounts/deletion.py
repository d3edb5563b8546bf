"""Deleting an account and everything in it: photos with every file stored for them (originals,
renditions, copies for share links, face crops and Rekognition ids), albums, share links,
tags, people, tallies, notification settings, the account itself.

Asking is immediate: the account stops signing in and every session ends. The deleting is a
task, in batches of photos, resumable: each batch is recorded by the rows it removes, the
account's due time tells the sweeper to start again after a lost message, a dead worker or
storage that refused. The last step deletes the account row and confirms by email.
"""
import logging
import time

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import Action, audit_record
from gallery.direct_uploads import direct_uploads_enabled, direct_uploads_forget
from gallery.models import Photo
from gallery.services import photos_delete_for_good
from pictura.tasks import enqueue_next_step, requeue_due, retry_deadline, wait_deadline

from .models import User
from .services import send_email_after_commit

logger = logging.getLogger(__name__)

DELETION_BATCH = 200  # photos deleted between two checks of the time spent
DELETION_STEP_SECONDS = 20  # one step: well within the task time limit


def account_request_deletion(*, user: User, by: User | None = None) -> None:
    """Stop the account at once and queue the deletion of everything in it. ``by`` is the staff
    member who asked, when it is not the owner."""
    from .tasks import delete_account  # the task module imports this one

    if user.deletion_requested_at:
        return
    now = timezone.now()
    user.is_active = False
    user.set_unusable_password()  # changes the session hash: every session of the account ends
    user.deletion_requested_at, user.deletion_due_at = now, wait_deadline()
    with transaction.atomic():
        user.save(update_fields=["is_active", "password", "deletion_requested_at", "deletion_due_at"])
        audit_record(Action.ACCOUNT_DELETION_REQUESTED, account=user, actor=by or user, target=user.username)
        enqueue_next_step(delete_account, user.pk, due_row=_due_row(user.pk))


def account_delete_step(user_id: int) -> None:
    """One step of deleting an account whose deletion was asked for: photos, batch after batch,
    for DELETION_STEP_SECONDS, then the next step is queued; once no photo is left, the account.
    Storage refusing leaves the rest to the sweeper, at the due time. Safe to run twice."""
    from .tasks import delete_account  # the task module imports this one

    user = User.objects.filter(pk=user_id, deletion_requested_at__isnull=False).first()
    if user is None:
        return  # gone already, or never to be deleted
    _due_row(user_id)[0].update(deletion_due_at=wait_deadline())  # being worked on
    started = time.monotonic()
    while batch := list(
        Photo.objects.filter(owner_id=user_id).order_by("pk").values_list("pk", flat=True)[:DELETION_BATCH]
    ):
        _, _, failures = photos_delete_for_good(Photo.objects.filter(pk__in=batch))
        if failures:
            _due_row(user_id)[0].update(deletion_due_at=retry_deadline(1))
            logger.warning("Deleting account %s: storage refused %d photo(s); trying again later", user_id, failures)
            return
        if time.monotonic() - started > DELETION_STEP_SECONDS:
            enqueue_next_step(delete_account, user_id, due_row=_due_row(user_id))
            return
    if direct_uploads_enabled():
        direct_uploads_forget(user)
    address, name = user.email, user.username
    with transaction.atomic():
        audit_record(Action.ACCOUNT_DELETED, account=user, target=name)
        user.delete()  # with it go albums, links, tags, people and faces (their crops first), tallies
        if address:
            context = {"username": name}
            send_email_after_commit(
                to=address,
                subject="Your Pictura account was deleted",
                text=render_to_string("accounts/email/account_deleted.txt", context),
                html=render_to_string("accounts/email/account_deleted.html", context),
            )


def _due_row(user_id: int):
    return User.objects.filter(pk=user_id), "deletion_due_at"


def accounts_requeue_due_deletions() -> int:
    """The sweeper's part: deletions whose message was lost or whose retry is due."""
    from .tasks import delete_account  # the task module imports this one

    due = User.objects.filter(deletion_requested_at__isnull=False, deletion_due_at__lte=timezone.now())
    return requeue_due(due, due_field="deletion_due_at", task=delete_account)
