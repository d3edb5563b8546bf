"""Account life cycle: confirming that an email address belongs to its account."""
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from .models import User

EMAIL_VERIFICATION_SALT = "pictura.accounts.email-verification"


class EmailVerificationFailed(Exception):
    """The link cannot confirm anything; the message is meant for the user."""


def email_verification_token(user: User) -> str:
    """Signed with SECRET_KEY and bound to the address: a link made for one address cannot
    confirm another that the account changes to later."""
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_send(*, user: User, site_url: str) -> None:
    """Mail ``user`` a link that confirms their address, once the current transaction commits.
    ``site_url`` is where the site answers, e.g. ``https://photos.example.org/``."""
    link = site_url.rstrip("/") + reverse("accounts:verify_email", args=[email_verification_token(user)])
    context = {"user": user, "link": link, "days": settings.PICTURA_EMAIL_VERIFICATION_DAYS}
    send_email_after_commit(
        to=user.email,
        subject="Confirm your email address for Pictura",
        text=render_to_string("accounts/email/verify_email.txt", context),
        html=render_to_string("accounts/email/verify_email.html", context),
    )


def send_email_after_commit(*, to: str, subject: str, text: str, html: str = "", headers: dict | None = None) -> None:
    from .tasks import send_email  # the task module imports this one

    # robust: a mail server that cannot be reached is logged, never turned into an error page.
    transaction.on_commit(
        lambda: send_email.delay(to=to, subject=subject, text=text, html=html, headers=headers), robust=True
    )


def email_verify(token: str) -> User:
    """Mark the address the link was made for as verified, and return its user."""
    max_age = settings.PICTURA_EMAIL_VERIFICATION_DAYS * 24 * 3600
    try:
        claim = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise EmailVerificationFailed(
            "This link has expired. Sign in and ask for a new one on your profile page."
        ) from None
    except signing.BadSignature:
        raise EmailVerificationFailed("This link is not valid. Copy the whole link from the email.") from None
    user = User.objects.filter(pk=claim["user"], is_active=True).first()
    if user is None or user.email.lower() != claim["email"]:
        raise EmailVerificationFailed("This link was made for an address that is no longer on the account.")
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user
