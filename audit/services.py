from pictura.client_ip import client_ip

from .context import current_request
from .models import AuditEntry

Action = AuditEntry.Action


def _signed_in_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _entries(action: str, about, *, actor=None, request=None) -> list[AuditEntry]:
    """Unsaved entries, one per (account, target, details) of ``about``. Who did it and from
    where default to the request being answered: its signed-in user and client address (none
    for work done by a task or a command)."""
    request = request or current_request()
    actor = actor or (_signed_in_user(request) if request is not None else None)
    address = (client_ip(request) if request is not None else "") or None
    return [
        AuditEntry(
            action=action,
            actor=actor,
            actor_name=actor.get_username() if actor else "",
            account=account,
            account_name=account.get_username() if account else "",
            target=target[:300],
            address=address,
            details=details or {},
        )
        for account, target, details in about
    ]


def audit_record(action: str, *, account=None, target: str = "", details: dict | None = None,
                 actor=None, request=None) -> AuditEntry:
    """Add one entry."""
    [entry] = _entries(action, [(account, target, details)], actor=actor, request=request)
    entry.save()
    return entry


def audit_record_each(action: str, about, *, actor=None, request=None) -> None:
    """Add one entry per (account, target, details) of ``about``: a decision over many photos."""
    AuditEntry.objects.bulk_create(_entries(action, about, actor=actor, request=request))


def audit_delete_expired() -> int:
    """Entries older than PICTURA_AUDIT_DAYS go; returns how many."""
    return AuditEntry.objects.delete_expired()
