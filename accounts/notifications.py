"""Emails that tell people what happened while they were away: photos that could not be tagged
(to the owner), share links about to expire (to the owner), photos flagged by moderation (to
staff). Each kind is a digest: whatever is new for a person goes in one email, at most one an
hour for the hourly kinds, and nothing is told twice (``Notification`` rows, written in the
transaction that queues the email). Each email carries a signed link that turns its kind off.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from albums.models import ShareLink
from analysis.models import PhotoAnalysis

from .models import Notification, User
from .services import send_email_after_commit

UNSUBSCRIBE_SALT = "pictura.accounts.unsubscribe"
# Failures older than this when notifications start (a new site, a switch turned on) are not news.
NEWS_WINDOW = timedelta(days=2)
LINK_WARNING = timedelta(days=3)
DIGEST_GAP = timedelta(hours=1)
MOST_ITEMS = 200  # per email; the rest come in the next one


@dataclass(frozen=True)
class Digest:
    kind: str
    setting: str  # the User field that turns it on
    hourly: bool

    @property
    def label(self) -> str:
        return Notification.Kind(self.kind).label


DIGESTS = {
    digest.kind: digest
    for digest in [
        Digest(Notification.Kind.ANALYSIS_FAILED, "notify_analysis_failed", hourly=True),
        Digest(Notification.Kind.LINK_EXPIRING, "notify_link_expiring", hourly=False),
        Digest(Notification.Kind.MODERATION, "notify_moderation", hourly=True),
    ]
}


def site_url(path: str) -> str:
    return settings.PICTURA_SITE_URL.rstrip("/") + path


def unsubscribe_token(user: User, kind: str) -> str:
    """Never expires: an old email's link must still work."""
    return signing.dumps({"user": user.pk, "kind": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_claim(token: str) -> tuple[User, Digest] | None:
    """Whose email of which kind the token was made for, or None if it is not one of ours."""
    try:
        claim = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    digest = DIGESTS.get(claim.get("kind"))
    user = User.objects.filter(pk=claim.get("user")).first()
    return (user, digest) if digest is not None and user is not None else None


def unsubscribe(token: str) -> tuple[User, Digest] | None:
    """Turn off the kind of email the token was made for; (user, digest), or None if invalid."""
    claim = unsubscribe_claim(token)
    if claim is None:
        return None
    user, digest = claim
    if getattr(user, digest.setting):
        setattr(user, digest.setting, False)
        user.save(update_fields=[digest.setting])
    return user, digest


def _recipients(digest: Digest):
    return User.objects.filter(is_active=True, **{digest.setting: True}).exclude(email="")


def _news():
    """{kind: {recipient id: [items]}} of what may be worth telling now (told or not)."""
    now = timezone.now()
    failed = (
        PhotoAnalysis.objects.failed_since(now - NEWS_WINDOW)
        .filter(photo__owner__in=_recipients(DIGESTS["analysis_failed"]))
        .select_related("photo").order_by("-finished_at")
    )
    expiring = (
        ShareLink.objects.expiring_within(LINK_WARNING).filter(owner__in=_recipients(DIGESTS["link_expiring"]))
        .select_related("photo", "album").order_by("expires_at")
    )
    flagged = list(
        PhotoAnalysis.objects.flagged().filter(photo__deleted_at__isnull=True)
        .select_related("photo__owner").order_by("-finished_at")[:MOST_ITEMS]
    )
    news = {kind: {} for kind in DIGESTS}
    for analysis in failed:
        news["analysis_failed"].setdefault(analysis.photo.owner_id, []).append(analysis)
    for link in expiring:
        news["link_expiring"].setdefault(link.owner_id, []).append(link)
    if flagged:
        for staff in _recipients(DIGESTS["moderation"]).filter(is_staff=True):
            news["moderation"][staff.pk] = flagged
    return news


def notifications_send_due() -> int:
    """Email every person what is new for them; returns how many emails were queued. Safe to
    run on several machines at once: each person's digests are made under a lock on their row."""
    sent = 0
    for kind, by_recipient in _news().items():
        for recipient_id, items in by_recipient.items():
            sent += _send_digest(DIGESTS[kind], recipient_id, items)
    return sent


@transaction.atomic
def _send_digest(digest: Digest, recipient_id: int, items) -> int:
    recipient = User.objects.select_for_update().get(pk=recipient_id)
    told = Notification.objects.filter(recipient=recipient, kind=digest.kind)
    if digest.hourly and told.filter(sent_at__gt=timezone.now() - DIGEST_GAP).exists():
        return 0
    already = set(told.filter(about__in=[_key(item) for item in items]).values_list("about", flat=True))
    new = [item for item in items if _key(item) not in already][:MOST_ITEMS]
    if not new:
        return 0
    Notification.objects.bulk_create([Notification(recipient=recipient, kind=digest.kind, about=_key(i)) for i in new])
    unsubscribe_link = site_url(reverse("accounts:unsubscribe", args=[unsubscribe_token(recipient, digest.kind)]))
    context = {
        "user": recipient, "items": new, "digest": digest, "unsubscribe_link": unsubscribe_link,
        "profile_link": site_url(reverse("accounts:profile") + "#notifications"), "site_url": site_url(""),
        "queue_link": site_url(reverse("admin:analysis_phototoreview_changelist")),
        "links_link": site_url(reverse("sharing:links")),
    }
    template = f"accounts/email/{digest.kind}"
    send_email_after_commit(
        to=recipient.email,
        subject=render_to_string(f"{template}_subject.txt", context).strip(),
        text=render_to_string(f"{template}.txt", context),
        html=render_to_string(f"{template}.html", context),
        # RFC 2369 and RFC 8058: mail programs show an "Unsubscribe" button that POSTs here.
        headers={"List-Unsubscribe": f"<{unsubscribe_link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    return 1


def _key(item) -> int:
    return item.photo_id if isinstance(item, PhotoAnalysis) else item.pk
