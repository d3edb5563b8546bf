from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from audit.services import Action, audit_record


class User(AbstractUser):
    """Pictura's user. Custom from day one so later fields (OIDC subject) need no swap."""

    class Tier(models.TextChoices):
        # The seed design's user types; the sign-in issue maps Cognito groups onto them.
        BASIC = "basic", "Basic"
        CORE = "core", "Core"
        FULL = "full", "Full"

    email = models.EmailField("email address")
    # True once Pictura itself has seen the owner of the address use it: a link it mailed was
    # opened, or the identity provider vouched for it at single sign-on. Only a verified
    # address may link a single sign-on identity to an existing account.
    email_verified = models.BooleanField(default=False)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.BASIC)
    # The identity provider's stable subject ("sub" claim): how a single sign-on user is found.
    oidc_sub = models.CharField("OIDC subject", max_length=255, unique=True, null=True, blank=True, editable=False)
    # Faces are biometric data: when off, none are kept (analysis still counts them).
    face_recognition = models.BooleanField(
        default=True, help_text="Find faces in this user's photos and group them into people."
    )

    # Which emails the person gets (the profile page; a link in each email turns its kind off).
    notify_analysis_failed = models.BooleanField(
        "photos that could not be tagged", default=True,
        help_text="An hourly summary when analysing some of your photos failed for good.",
    )
    notify_link_expiring = models.BooleanField(
        "share links about to expire", default=True, help_text="Three days before one of your share links stops working.",
    )
    notify_moderation = models.BooleanField(
        "photos flagged for review", default=True,
        help_text="Staff only: an hourly summary of photos that moderation flagged.",
    )

    # Set when the owner (or staff) asks for the account to be deleted: it can no longer sign
    # in, and a task deletes everything in it; the sweeper resumes it past the due time.
    deletion_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    deletion_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._loaded_email = user.__dict__.get("email")  # to tell a change of address at save
        return user

    def save(self, *args, **kwargs):
        """Saves, and records in the audit trail an account made, a password set or an address
        changed, by whichever path (profile, admin, single sign-on, a command)."""
        creating = self._state.adding
        password_set = self._password is not None  # Django's marker of set_password() since loading
        previous_email = getattr(self, "_loaded_email", None)
        super().save(*args, **kwargs)
        if creating:
            audit_record(Action.ACCOUNT_CREATED, account=self, target=self.username)
        else:
            if password_set:
                audit_record(Action.PASSWORD_CHANGED, account=self, target=self.username)
            if previous_email is not None and previous_email.lower() != self.email.lower():
                audit_record(Action.EMAIL_CHANGED, account=self, target=self.username,
                             details={"from": previous_email, "to": self.email})
        self._loaded_email = self.email

    def signed_in_recently(self) -> bool:
        """Whether the last sign-in is fresh enough to stand for a password just typed."""
        from django.conf import settings
        from django.utils import timezone

        return bool(self.last_login) and timezone.now() - self.last_login < settings.PICTURA_FRESH_SIGN_IN

    @property
    def quota_bytes(self) -> int | None:
        """The storage this user's tier allows, or None for no limit."""
        from django.conf import settings

        megabytes = settings.PICTURA_TIER_QUOTAS_MB.get(self.tier, 0)
        return megabytes * 1024 * 1024 if megabytes else None

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                condition=~models.Q(email=""),
                violation_error_message="An account with this email address already exists.",
            ),
        ]


class Notification(models.Model):
    """That ``recipient`` was emailed about one thing (a photo, a link): each is told once, and
    the time lets a digest wait an hour after the last one."""

    class Kind(models.TextChoices):
        ANALYSIS_FAILED = "analysis_failed", "Photos that could not be tagged"
        LINK_EXPIRING = "link_expiring", "Share links about to expire"
        MODERATION = "moderation", "Photos flagged for review"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    about = models.BigIntegerField(help_text="The id of the photo or share link.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "kind", "about"], name="notification_once")]
        indexes = [models.Index(fields=["recipient", "kind", "-sent_at"], name="notification_last_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.about} to {self.recipient_id}"


class ApiTokenQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(owner=user)

    def usable(self):
        """Tokens that still sign requests in: not expired, of an active account."""
        from django.utils import timezone

        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now()),
                           owner__is_active=True)


class ApiToken(models.Model):
    """A personal token for the JSON API (scripts, apps), made on the profile page. Only a hash of
    the secret is kept: it is shown once, when made, and cannot be read back."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it: “backup script”, “my phone”.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    # The first characters of the secret, shown beside the name so the owner can tell tokens apart.
    prefix = models.CharField(max_length=16, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def allows(self, scope: str) -> bool:
        return self.scope == self.Scope.WRITE or scope == self.Scope.READ
