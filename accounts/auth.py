"""Sign-in through an OpenID Connect provider (Amazon Cognito's hosted UI in production).

Users are found by the provider's stable ``sub`` claim, never by email alone. A verified email
may link an existing local account once (then the sub is stored and rules from there on).
Username, email and name follow the claims at every sign-in; ``cognito:groups`` decide staff
status and the tier, which sets the storage quota.
"""
import logging

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.http import urlencode
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import User

logger = logging.getLogger(__name__)

GROUPS_CLAIM = "cognito:groups"
# A user in several tier groups gets the highest.
TIERS_BY_RANK = [User.Tier.FULL, User.Tier.CORE, User.Tier.BASIC]


class PicturaOIDCBackend(OIDCAuthenticationBackend):
    def _verify_jws(self, payload, key):
        """Check the signature (RS256 with the provider's JWKS), the audience, the expiry and,
        where configured, the issuer. mozilla-django-oidc checks only the signature itself."""
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"Unreadable ID token: {exc}") from None
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO}.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER or None,
                options={"require": ["exp", "iat", "aud", "sub"], "verify_iss": bool(settings.OIDC_OP_ISSUER)},
                leeway=30,
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from None

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            # The user is sent back to the sign-in page; the reason goes to the log, not to them.
            logger.warning("Single sign-on refused: %s", exc)
            return None

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        users = User.objects.filter(oidc_sub=claims["sub"])
        if users.exists():
            return users
        email = claims.get("email", "")
        if email and claims.get("email_verified") in (True, "true"):
            # Linking happens once: an account already linked to another sub is not taken over.
            return User.objects.filter(email__iexact=email, oidc_sub__isnull=True)
        return User.objects.none()

    def create_user(self, claims):
        user = User(oidc_sub=claims["sub"], username=self._free_username(claims))
        user.set_unusable_password()
        return self._apply_claims(user, claims)

    def update_user(self, user, claims):
        user.oidc_sub = claims["sub"]
        return self._apply_claims(user, claims)

    def _apply_claims(self, user, claims):
        wanted = claims.get("cognito:username") or claims.get("preferred_username") or user.username
        if wanted != user.username and not User.objects.filter(username=wanted).exclude(pk=user.pk).exists():
            user.username = wanted[:150]
        email = claims.get("email", "")
        if email and not User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            user.email = email
        user.first_name = claims.get("given_name") or claims.get("name", "").partition(" ")[0] or user.first_name
        user.last_name = claims.get("family_name") or claims.get("name", "").partition(" ")[2] or user.last_name
        groups = claims.get(GROUPS_CLAIM) or []
        if isinstance(groups, str):
            groups = [groups]
        user.is_staff = settings.PICTURA_STAFF_GROUP in groups
        user.tier = next((tier for tier in TIERS_BY_RANK if tier.value in groups), User.Tier.BASIC)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise SuspiciousOperation(f"Could not save the user for sub {claims['sub']!r}: {exc}") from None
        return user

    def _free_username(self, claims) -> str:
        base = (claims.get("cognito:username") or claims.get("preferred_username")
                or claims.get("email", "").partition("@")[0] or "user")[:140]
        name = base
        while User.objects.filter(username=name).exists():
            name = f"{base}-{get_random_string(6).lower()}"
        return name


def provider_logout_url(request) -> str:
    """Where to send a single sign-on user after the Django session ends: the provider's
    logout, so that the next sign-in asks again. Cognito takes client_id and logout_uri;
    other providers take the standard id_token_hint and post_logout_redirect_uri."""
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    back = request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
    if not endpoint:
        return back
    if settings.COGNITO_DOMAIN:
        return f"{endpoint}?{urlencode({'client_id': settings.OIDC_RP_CLIENT_ID, 'logout_uri': back})}"
    query = {"post_logout_redirect_uri": back, "client_id": settings.OIDC_RP_CLIENT_ID}
    id_token = request.session.get("oidc_id_token")
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(query)}"
