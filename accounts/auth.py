"""Sign-in through an OpenID Connect provider (Amazon Cognito's hosted UI in production).

Users are found by the provider's stable ``sub`` claim, never by email alone. An identity links
to an existing local account only when both sides vouch for the address: the provider says it
verified it, and Pictura verified it itself (the account's owner opened the link Pictura mailed).
Linking makes the local password unusable, which also ends the account's other sessions
(Django ties each session to the password hash). Username, name and a verified email follow the
claims at every sign-in; ``cognito:groups`` from the verified ID token decide staff status and
the tier, which sets the storage quota.
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

    def get_userinfo(self, access_token, id_token, payload):
        """The userinfo answer, checked to be about the ID token's subject, with the groups of
        the verified ID token: Cognito puts ``cognito:groups`` there and not in userinfo, and a
        group decides staff status, so it is only ever read from the signed token."""
        claims = super().get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation(
                f"userinfo describes sub {claims.get('sub')!r}, the ID token {payload.get('sub')!r}."
            )
        return {**claims, GROUPS_CLAIM: payload.get(GROUPS_CLAIM) or []}

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        users = User.objects.filter(oidc_sub=claims["sub"])
        if users.exists():
            return users
        email = _verified_email(claims)
        if email:
            # Linking happens once, and only to an address Pictura verified itself: anyone can
            # register a local account with somebody else's address, but cannot confirm it.
            return User.objects.filter(email__iexact=email, email_verified=True, oidc_sub__isnull=True)
        return User.objects.none()

    def create_user(self, claims):
        user = User(oidc_sub=claims["sub"], username=self._free_username(claims))
        user.set_unusable_password()
        return self._apply_claims(user, claims)

    def update_user(self, user, claims):
        if user.oidc_sub is None:
            # Linking an existing local account: from now on only the provider signs it in.
            # A new password hash also invalidates every other session of the account.
            user.set_unusable_password()
            logger.info("Linked user %s to single sign-on subject %r", user.pk, claims["sub"])
        user.oidc_sub = claims["sub"]
        return self._apply_claims(user, claims)

    def _apply_claims(self, user, claims):
        wanted = claims.get("cognito:username") or claims.get("preferred_username") or user.username
        if wanted != user.username and not User.objects.filter(username=wanted).exclude(pk=user.pk).exists():
            user.username = wanted[:150]
        email = _verified_email(claims)
        if email and email.lower() != user.email.lower():
            # The provider proved this address belongs to this person; an account that merely
            # typed it in at registration (never confirming it) gives it up.
            User.objects.filter(email__iexact=email, email_verified=False).exclude(pk=user.pk).update(email="")
            if not User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
                user.email = email
        if email and email.lower() == user.email.lower():
            user.email_verified = True
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


def _verified_email(claims) -> str:
    """The email claim if the provider says it verified it, else "" (never copied or trusted)."""
    if claims.get("email_verified") in (True, "true"):
        return claims.get("email", "")
    return ""


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


class AccessTokenRefused(Exception):
    """An API request's bearer token is not a valid access token of the identity provider."""


# One client per key set address: it keeps the provider's public keys and fetches them again
# only for a key id it has not seen (the provider rotated its keys).
_key_sets: dict[str, jwt.PyJWKClient] = {}


def access_token_claims(token: str) -> dict:
    """The claims of an access token the identity provider signed for this site's client (a
    Cognito access token: RS256 with the pool's JWKS, ``token_use`` "access", ``client_id``
    ours), checked like the sign-in's ID token: signature, expiry, issuer. Raises
    AccessTokenRefused."""
    url = settings.OIDC_OP_JWKS_ENDPOINT
    keys = _key_sets.get(url) or _key_sets.setdefault(url, jwt.PyJWKClient(url, cache_keys=True, timeout=settings.OIDC_TIMEOUT))
    try:
        key = keys.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token, key.key, algorithms=[settings.OIDC_RP_SIGN_ALGO], issuer=settings.OIDC_OP_ISSUER or None,
            options={"require": ["exp", "sub"], "verify_aud": False, "verify_iss": bool(settings.OIDC_OP_ISSUER)},
            leeway=30,
        )
    except jwt.PyJWKClientError as exc:
        raise AccessTokenRefused(f"The provider's keys could not be read or do not sign it: {exc}") from None
    except jwt.InvalidTokenError as exc:
        raise AccessTokenRefused(str(exc)) from None
    if claims.get("token_use", "access") != "access":
        raise AccessTokenRefused(f"A {claims['token_use']} token, not an access token.")
    audience = claims.get("aud", [])
    audience = [audience] if isinstance(audience, str) else audience
    if settings.OIDC_RP_CLIENT_ID not in (claims.get("client_id"), *audience):
        raise AccessTokenRefused("Issued to another client.")
    return claims
