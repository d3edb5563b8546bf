"""Who may call the API: personal tokens (made, shown once, scoped, expiring, revoked on the
profile page), the identity provider's access tokens checked against its key set, and the
site's session with its CSRF token."""
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_token_is_made_on_the_profile_shown_once_and_kept_only_as_a_hash(owner, owner_client):
    page = owner_client.get(reverse("accounts:profile"))
    assert b"Make a token" in page.content
    made = owner_client.post(reverse("accounts:api_token_new"), {"name": "backup script", "scope": "read", "valid_days": "30"})
    secret = made.context["secret"]
    assert secret.startswith("pct_") and secret.encode() in made.content and made["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(owner=owner)
    assert secret not in {token.secret_hash, token.prefix} and secret.startswith(token.prefix)
    assert token.expires_at.date() == (timezone.now() + timedelta(days=30)).date()
    profile = owner_client.get(reverse("accounts:profile")).content.decode()
    assert "backup script" in profile and token.prefix in profile and secret not in profile
    assert AuditEntry.objects.filter(account=owner, action="api_token_created").exists()

    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(reverse("api:me"))
    assert response.status_code == 200 and response.json()["username"] == "olivia"
    token.refresh_from_db()
    assert token.last_used_at is not None

    nameless = owner_client.post(reverse("accounts:api_token_new"), {"name": "", "scope": "write"})
    assert nameless.status_code == 400 and b"This field is required" in nameless.content


def test_revoked_expired_mistyped_and_deactivated_tokens_are_refused(owner, stranger, owner_client, token_for):
    secret = token_for(owner)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(reverse("api:me")).status_code == 200
    token = ApiToken.objects.get(owner=owner)
    assert stranger.pk != owner.pk and Client().post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 302
    stranger_client = Client()
    stranger_client.force_login(stranger)
    assert stranger_client.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 404
    owner_client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    refused = api.get(reverse("api:me"))
    assert refused.status_code == 401
    assert refused.json()["error"]["message"].startswith("This API token does not work")
    assert AuditEntry.objects.filter(account=owner, action="api_token_revoked").exists()

    expiring = token_for(owner, valid_days=1)
    ApiToken.objects.filter(owner=owner).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {expiring}").get(reverse("api:me")).status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}x").get(reverse("api:me")).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer a b").get(reverse("api:me")).status_code == 401

    working = token_for(owner)
    owner.is_active = False
    owner.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {working}").get(reverse("api:me")).status_code == 401


def test_the_sites_own_javascript_uses_the_session_with_its_csrf_token(owner, add_photos):
    [photo] = add_photos(owner, 1)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get(reverse("api:photo-detail", args=[photo.pk])).status_code == 200
    url = reverse("api:photo-detail", args=[photo.pk])
    without = browser.patch(url, {"title": "x"}, content_type="application/json")
    assert without.status_code == 403 and "CSRF" in without.json()["error"]["message"]
    browser.get(reverse("accounts:profile"))  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    with_token = browser.patch(url, {"title": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert with_token.status_code == 200


# --- The identity provider's access tokens --------------------------------------------------


class KeySet:
    """The provider's signing key, its JWKS served on loopback as Cognito serves its pool's."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": "key-1", "alg": "RS256", "use": "sig"}]}).encode()
        self.requests = 0

        keys = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                keys.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"

    def sign(self, key=None, **claims) -> str:
        now = int(time.time())
        payload = {"sub": "sub-123", "iss": "https://issuer.test", "client_id": "pictura-client", "token_use": "access",
                   "scope": "openid email", "iat": now, "exp": now + 600, **claims}
        return jwt.encode({k: v for k, v in payload.items() if v is not None}, key or self.key, algorithm="RS256",
                          headers={"kid": "key-1"})


@pytest.fixture
def provider(settings):
    keys = KeySet()
    settings.PICTURA_OIDC_ENABLED = True
    settings.OIDC_OP_JWKS_ENDPOINT = keys.url
    settings.OIDC_OP_ISSUER = "https://issuer.test"
    settings.OIDC_RP_CLIENT_ID = "pictura-client"
    yield keys
    keys.server.shutdown()


def test_a_provider_access_token_of_a_known_account_is_accepted_and_anything_else_refused(owner, provider):
    owner.oidc_sub = "sub-123"
    owner.save()

    def me(token):
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(reverse("api:me"))

    assert me(provider.sign()).json()["username"] == "olivia"
    assert me(provider.sign(client_id=None, aud="pictura-client")).status_code == 200  # providers that set aud
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = {
        "forged": provider.sign(key=other_key),
        "expired": provider.sign(exp=int(time.time()) - 3600),
        "another client's": provider.sign(client_id="someone-else"),
        "an ID token": provider.sign(token_use="id"),
        "another issuer's": provider.sign(iss="https://evil.test"),
        "an unknown person's": provider.sign(sub="sub-999"),
        "not a JWT": "abc.def.ghi",
    }
    for what, token in refused.items():
        response = me(token)
        assert response.status_code == 401, what
        assert response.json()["error"]["code"] == "authentication_failed", what
    assert me(provider.sign(sub="sub-999")).json()["error"]["message"].endswith("sign in to the website once first.")
    assert provider.requests == 1  # the key set is fetched once and kept
    owner.is_active = False
    owner.save()
    assert me(provider.sign()).status_code == 401


def test_staff_see_tokens_in_the_admin_without_their_secret_and_can_revoke_them(owner, staff_client, token_for):
    secret = token_for(owner)
    token = ApiToken.objects.get(owner=owner)
    listing = staff_client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert token.prefix in listing and secret not in listing
    assert staff_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    staff_client.post(reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert not ApiToken.objects.exists()
    assert AuditEntry.objects.filter(account=owner, action="admin_deleted").exists()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(reverse("api:me")).status_code == 401
