"""Personal API tokens: made and revoked by their owner, checked on every API request."""
import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from audit.services import Action, audit_record

from .models import ApiToken

# "pct_" tells a Pictura token apart in a script or a secret scanner; 32 random bytes follow.
TOKEN_PREFIX = "pct_"
# A token's last use is written at most this often: a busy script costs no write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    # The secret is 256 random bits: a plain digest is as good as a slow hash against guessing.
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, owner, name: str, scope: str, valid_days: int | None) -> tuple[ApiToken, str]:
    """A new token and its secret, which the caller shows once; Pictura keeps only its hash."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        owner=owner, name=name, scope=scope, prefix=secret[: len(TOKEN_PREFIX) + 6], secret_hash=_hash(secret),
        expires_at=timezone.now() + timedelta(days=valid_days) if valid_days else None,
    )
    audit_record(Action.API_TOKEN_CREATED, account=owner, target=str(token),
                 details={"token": token.pk, "scope": scope,
                          "expires_at": token.expires_at.isoformat() if token.expires_at else None})
    return token, secret


def api_token_revoke(*, token: ApiToken) -> None:
    audit_record(Action.API_TOKEN_REVOKED, account=token.owner, target=str(token), details={"token": token.pk})
    token.delete()


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret, its last use noted; None for anything else."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.usable().select_related("owner").filter(secret_hash=_hash(secret)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
