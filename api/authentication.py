"""Who an API request comes from: a personal token, or the identity provider's access token.
(The site's own pages' JavaScript uses the session, checked with its CSRF token, by DRF.)"""
import logging
from dataclasses import dataclass

from django.conf import settings
from rest_framework import authentication, exceptions

from accounts.api_tokens import TOKEN_PREFIX, api_token_authenticate
from accounts.auth import AccessTokenRefused, access_token_claims
from accounts.models import User

logger = logging.getLogger(__name__)


def bearer_token(request) -> str | None:
    """The credentials of an ``Authorization: Bearer …`` header, if that is what was sent."""
    scheme, _, credentials = authentication.get_authorization_header(request).decode("latin-1").partition(" ")
    if scheme.lower() != "bearer":
        return None
    if not credentials.strip() or " " in credentials.strip():
        raise exceptions.AuthenticationFailed("The Authorization header should be “Bearer” and one token.")
    return credentials.strip()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer pct_…``: a personal token made on the profile page."""

    def authenticate(self, request):
        secret = bearer_token(request)
        if secret is None or not secret.startswith(TOKEN_PREFIX):
            return None
        token = api_token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "This API token does not work: it was revoked, it expired, or it was copied wrong."
            )
        return token.owner, token

    def authenticate_header(self, request):
        return 'Bearer realm="Pictura API"'


@dataclass(frozen=True)
class ProviderAccess:
    """``request.auth`` of a request signed in with the provider's access token: like a
    sign-in on the site, it may read and write."""

    subject: str


class OidcAccessTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <JWT>``: an access token of the single sign-on provider (Cognito),
    for an account that has signed in to the site with it before."""

    def authenticate(self, request):
        if not settings.PICTURA_OIDC_ENABLED:
            return None
        token = bearer_token(request)
        if token is None or token.startswith(TOKEN_PREFIX):
            return None
        try:
            claims = access_token_claims(token)
        except AccessTokenRefused as exc:
            logger.info("API access token refused: %s", exc)
            raise exceptions.AuthenticationFailed("This access token is not valid for Pictura.") from None
        user = User.objects.filter(oidc_sub=claims["sub"], is_active=True).first()
        if user is None:
            raise exceptions.AuthenticationFailed(
                "No Pictura account belongs to this sign-in yet: sign in to the website once first."
            )
        return user, ProviderAccess(claims["sub"])

    def authenticate_header(self, request):
        return 'Bearer realm="Pictura API"'
