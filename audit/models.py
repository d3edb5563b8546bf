"""The audit trail: an append-only record of security-relevant and moderation actions.

django-auditlog and django-simple-history record field changes of models; what is recorded here
are events that are not model changes (a failed sign-in, a moderation decision over many photos,
an account's deletion), each said once, in words a reviewer reads.
"""
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditTrailIsAppendOnly(Exception):
    """Entries are never changed or deleted, except by the retention period running out."""


class AuditEntryQuerySet(models.QuerySet):
    def concerning(self, user):
        """What happened to ``user``'s account, whoever did it."""
        return self.filter(account=user)

    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("Audit entries are never changed.")

    def delete(self):
        raise AuditTrailIsAppendOnly("Audit entries are deleted only when PICTURA_AUDIT_DAYS have passed.")

    def expired(self):
        return self.filter(at__lt=timezone.now() - timedelta(days=settings.PICTURA_AUDIT_DAYS))

    def delete_expired(self) -> int:
        return models.QuerySet.delete(self.expired())[0]


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGNED_OUT = "signed_out", "Signed out"
        ACCOUNT_CREATED = "account_created", "Account created"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        EMAIL_CHANGED = "email_changed", "Email address changed"
        SHARE_LINK_CREATED = "share_link_created", "Share link made"
        SHARE_LINK_REVOKED = "share_link_revoked", "Share link revoked"
        MODERATION_APPROVED = "moderation_approved", "Moderation: approved"
        MODERATION_HIDDEN = "moderation_hidden", "Moderation: hidden"
        ADMIN_DELETED = "admin_deleted", "Deleted in the admin"
        ACCOUNT_DELETION_REQUESTED = "account_deletion_requested", "Account deletion requested"
        ACCOUNT_DELETED = "account_deleted", "Account deleted"
        API_TOKEN_CREATED = "api_token_created", "API token made"
        API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"

    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    action = models.CharField(max_length=40, choices=Action.choices, editable=False)
    # Who did it: kept by name as well, since the account may be deleted before the entry expires.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    actor_name = models.CharField("by", max_length=150, blank=True, editable=False)
    # Whose account it concerns (a staff member's decision concerns the photo's owner).
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries",
        editable=False,
    )
    account_name = models.CharField("account", max_length=150, blank=True, editable=False)
    target = models.CharField(max_length=300, blank=True, editable=False)
    address = models.GenericIPAddressField("from address", null=True, blank=True, editable=False)
    details = models.JSONField(default=dict, blank=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["account", "-at"], name="audit_account_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.target}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit entries are deleted only when PICTURA_AUDIT_DAYS have passed.")
