"""Single sign-on against a real OpenID Connect provider on loopback (oidc-provider-mock)."""
import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import reverse

from accounts.auth import PicturaOIDCBackend, provider_logout_url
from accounts.models import User
from pictura.testing.images import make_image, upload

pytestmark = pytest.mark.django_db

BACKENDS = ["accounts.auth.PicturaOIDCBackend", "django.contrib.auth.backends.ModelBackend"]


def start_provider(**options):
    from oidc_provider_mock import run_server_in_thread

    return run_server_in_thread(port=0, **options)


@pytest.fixture
def provider():
    with start_provider() as server:
        yield f"http://127.0.0.1:{server.server_port}"


def configure(settings, base):
    settings.OIDC_RP_CLIENT_ID = "pictura"
    settings.OIDC_RP_CLIENT_SECRET = "pictura-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/oauth2/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/oauth2/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{base}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/jwks"
    settings.OIDC_OP_ISSUER = base
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{base}/oauth2/end_session"
    settings.OIDC_VERIFY_KID = False  # the mock's tokens carry no kid
    settings.PICTURA_OIDC_ENABLED = True
    settings.PICTURA_OIDC_PROVIDER_NAME = "Cognito"
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "mozilla_django_oidc.middleware.SessionRefresh"]


@pytest.fixture
def oidc(settings, provider):
    configure(settings, provider)
    return provider


def set_claims(provider, sub, **claims):
    assert requests.put(f"{provider}/users/{sub}", json=claims, timeout=10).status_code == 204


def start_sign_in(client) -> str:
    """Our side of the redirect to the provider; returns the provider's authorize URL."""
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    return response["Location"]


def provider_login(authorize_url, sub) -> str:
    """Post the provider's login form as a browser would; returns the callback path."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    callback = urlsplit(response.headers["Location"])
    return f"{callback.path}?{callback.query}"


def sign_in(client, provider, sub):
    callback = provider_login(start_sign_in(client), sub)
    return client.get(callback), callback


def signed_in_user(client):
    response = client.get(reverse("accounts:profile"))
    return response.context["user"] if response.status_code == 200 else None


def test_first_sign_in_creates_the_user_with_tier_and_staff_from_groups(oidc):
    set_claims(oidc, "sub-alice", email="alice@example.org", email_verified=True, name="Alice Liddell",
               **{"cognito:username": "alice", "cognito:groups": ["core", "staff"]})
    client = Client()
    authorize_url = start_sign_in(client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["client_id"] == ["pictura"] and query["response_type"] == ["code"]
    assert "openid" in query["scope"][0]

    response, _ = sign_in(client, oidc, "sub-alice")

    assert response.status_code == 302 and response["Location"] == reverse("gallery:index")
    user = User.objects.get(oidc_sub="sub-alice")
    assert (user.username, user.email, user.first_name, user.last_name) == ("alice", "alice@example.org", "Alice", "Liddell")
    assert (user.tier, user.is_staff, user.has_usable_password()) == ("core", True, False)
    assert signed_in_user(client) == user


def test_the_next_sign_in_updates_the_user_from_the_claims(oidc):
    set_claims(oidc, "sub-bob", email="bob@example.org", email_verified=True, **{"cognito:groups": ["staff"]})
    sign_in(Client(), oidc, "sub-bob")
    set_claims(oidc, "sub-bob", email="robert@example.org", email_verified=True, name="Robert B",
               **{"cognito:groups": ["full"]})

    client = Client()
    sign_in(client, oidc, "sub-bob")

    user = User.objects.get(oidc_sub="sub-bob")
    assert User.objects.count() == 1
    assert (user.email, user.first_name, user.tier, user.is_staff) == ("robert@example.org", "Robert", "full", False)
    assert signed_in_user(client) == user


def test_an_address_pictura_verified_links_the_local_account_once(oidc, owner):
    owner.email_verified = True
    owner.save()
    set_claims(oidc, "sub-olivia", email="olivia@example.org", email_verified=True)
    sign_in(Client(), oidc, "sub-olivia")
    owner.refresh_from_db()
    assert owner.oidc_sub == "sub-olivia"

    # Another identity with the same address does not take the account over.
    set_claims(oidc, "sub-impostor", email="olivia@example.org", email_verified=True)
    client = Client()
    sign_in(client, oidc, "sub-impostor")
    owner.refresh_from_db()
    assert owner.oidc_sub == "sub-olivia"
    assert signed_in_user(client) != owner


def test_an_unverified_email_links_nothing_and_is_never_copied(oidc, owner):
    owner.email_verified = True
    owner.save()
    set_claims(oidc, "sub-x", email="olivia@example.org", email_verified=False)
    client = Client()
    sign_in(client, oidc, "sub-x")
    owner.refresh_from_db()
    assert owner.oidc_sub is None
    newcomer = signed_in_user(client)
    assert newcomer.oidc_sub == "sub-x" and newcomer.email == "" and not newcomer.email_verified


def test_registering_someone_elses_address_does_not_take_over_their_sign_in(oidc, smtp_server, after_commit):
    """The pre-takeover: an attacker registers the victim's address and waits for the victim
    to sign in through the provider."""
    attacker = Client()
    with after_commit():
        attacker.post(reverse("accounts:register"), {
            "username": "mallory", "email": "victim@example.org",
            "password1": "a long pass phrase 77", "password2": "a long pass phrase 77"})
    assert smtp_server.only_message()["To"] == "victim@example.org"  # the link goes to the victim

    set_claims(oidc, "sub-victim", email="victim@example.org", email_verified=True)
    victim = Client()
    sign_in(victim, oidc, "sub-victim")

    mallory, victim_user = User.objects.get(username="mallory"), signed_in_user(victim)
    assert victim_user != mallory and victim_user.oidc_sub == "sub-victim"
    assert (victim_user.email, victim_user.email_verified) == ("victim@example.org", True)
    mallory.refresh_from_db()
    assert (mallory.oidc_sub, mallory.email) == (None, "")  # an address never confirmed is given up
    # The attacker's password opens only the attacker's own, empty account.
    intruder = Client()
    intruder.post(reverse("accounts:login"), {"username": "mallory", "password": "a long pass phrase 77"})
    assert signed_in_user(intruder) == mallory


def test_linking_after_email_verification_retires_the_password_and_other_sessions(oidc, smtp_server, after_commit):
    laptop = Client()
    with after_commit():
        laptop.post(reverse("accounts:register"), {
            "username": "ana", "email": "ana@example.org",
            "password1": "a long pass phrase 77", "password2": "a long pass phrase 77"})
    text = smtp_server.only_message().get_body(("plain",)).get_content()
    laptop.get(re.search(r"http://testserver(/\S+/)", text).group(1))
    ana = User.objects.get(username="ana")
    assert ana.email_verified and signed_in_user(laptop) == ana

    set_claims(oidc, "sub-ana", email="ana@example.org", email_verified=True)
    phone = Client()
    sign_in(phone, oidc, "sub-ana")

    ana.refresh_from_db()
    assert signed_in_user(phone) == ana and ana.oidc_sub == "sub-ana"
    assert not ana.has_usable_password()
    assert signed_in_user(laptop) is None  # the session from before the link has ended
    retry = Client()
    retry.post(reverse("accounts:login"), {"username": "ana", "password": "a long pass phrase 77"})
    assert signed_in_user(retry) is None


def test_a_replayed_state_is_refused(oidc):
    set_claims(oidc, "sub-carol", email="carol@example.org")
    client = Client()
    _, callback = sign_in(client, oidc, "sub-carol")

    assert client.get(callback).status_code == 400  # same browser: that state was used up
    client.post(reverse("accounts:logout"))
    after_logout = client.get(callback)
    stranger = Client()
    stolen = stranger.get(callback)  # another browser: the state was never its own

    for refused in (after_logout, stolen):
        assert refused.status_code == 302 and refused["Location"] == "/accounts/login/?sso=failed"
    assert signed_in_user(client) is None and signed_in_user(stranger) is None


def test_an_expired_id_token_from_the_provider_is_refused(settings):
    with start_provider(access_token_max_age=timedelta(seconds=-600)) as server:
        base = f"http://127.0.0.1:{server.server_port}"
        configure(settings, base)
        set_claims(base, "sub-late", email="late@example.org")
        client = Client()
        response, _ = sign_in(client, base, "sub-late")
    assert response["Location"] == "/accounts/login/?sso=failed"
    assert signed_in_user(client) is None
    assert not User.objects.exists()


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_on_loopback(handler) -> tuple[HTTPServer, str]:
    """Serve ``handler`` on a free loopback port from a daemon thread: (server, base URL)."""
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


class JWKSServer:
    """A JWKS endpoint on loopback publishing one RSA key of ours, to sign test tokens with."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        body = json.dumps({"keys": [{**jwk, "alg": "RS256", "use": "sig", "kid": "test"}]}).encode()

        class Handler(QuietHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

        self.server, base = serve_on_loopback(Handler)
        self.url = f"{base}/jwks"


@pytest.fixture
def jwks(settings):
    server = JWKSServer()
    configure(settings, "http://issuer.test")
    settings.OIDC_OP_JWKS_ENDPOINT = server.url
    yield server
    server.server.shutdown()


def id_token(key, **overrides):
    now = int(time.time())
    claims = {"iss": "http://issuer.test", "aud": "pictura", "sub": "s1", "iat": now, "exp": now + 300, "nonce": "n", **overrides}
    return jwt.encode(claims, key, algorithm="RS256")


def test_a_good_token_passes_the_checks(jwks):
    assert PicturaOIDCBackend().verify_token(id_token(jwks.key), nonce="n")["sub"] == "s1"


@pytest.mark.parametrize(
    "case, message",
    [
        ("another key", "Signature verification failed"),
        ("wrong audience", "Audience doesn't match"),
        ("expired", "Signature has expired"),
        ("wrong issuer", "Invalid issuer"),
        ("HS256", "not RS256|Could not find a valid JWKS"),
    ],
)
def test_tokens_that_must_be_refused(jwks, case, message):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = {
        "another key": lambda: id_token(other_key),
        "wrong audience": lambda: id_token(jwks.key, aud="some-other-app"),
        "expired": lambda: id_token(jwks.key, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
        "wrong issuer": lambda: id_token(jwks.key, iss="http://evil.test"),
        "HS256": lambda: jwt.encode(
            {"sub": "s1", "aud": "pictura"}, "pictura-secret-long-enough-for-hmac-256-bits", algorithm="HS256"
        ),
    }[case]()
    with pytest.raises(SuspiciousOperation, match=message):
        PicturaOIDCBackend().verify_token(token, nonce="n")


def test_login_page_offers_the_provider_only_when_configured(client, settings, provider):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with" not in html and 'name="password"' in html
    assert client.get("/oidc/authenticate/").status_code == 404
    configure(settings, provider)
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with Cognito" in html and 'name="password"' in html
    settings.PICTURA_LOCAL_LOGIN = False
    settings.AUTHENTICATION_BACKENDS = BACKENDS[:1]
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with Cognito" in html and 'name="password"' not in html
    assert client.get(reverse("accounts:register")).status_code == 404


def test_without_local_login_a_password_does_not_sign_in(client, settings, provider, owner):
    configure(settings, provider)
    settings.PICTURA_LOCAL_LOGIN = False
    settings.AUTHENTICATION_BACKENDS = BACKENDS[:1]
    client.post(reverse("accounts:login"), {"username": "olivia", "password": "correct horse 42"})
    assert signed_in_user(client) is None


def test_logout_goes_through_the_provider(oidc):
    set_claims(oidc, "sub-dave", email="dave@example.org")
    client = Client()
    sign_in(client, oidc, "sub-dave")
    response = client.post(reverse("accounts:logout"))
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{oidc}/oauth2/end_session"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"]
    assert signed_in_user(client) is None


def test_cognito_logout_url(rf, settings):
    settings.COGNITO_DOMAIN = "pictura.auth.eu-west-1.amazoncognito.com"
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://pictura.auth.eu-west-1.amazoncognito.com/logout"
    settings.OIDC_RP_CLIENT_ID = "abc123"
    request = rf.get("/")
    request.session = {}
    assert provider_logout_url(request) == (
        "https://pictura.auth.eu-west-1.amazoncognito.com/logout?client_id=abc123"
        "&logout_uri=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F"
    )


def signed_in_with_an_expired_id_token(oidc, sub) -> Client:
    set_claims(oidc, sub, email=f"{sub}@example.org")
    client = Client()
    sign_in(client, oidc, sub)
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 10
    session.save()
    return client


def test_an_expired_session_is_checked_again_with_the_provider(oidc):
    client = signed_in_with_an_expired_id_token(oidc, "sub-erin")
    response = client.get(reverse("gallery:index"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{oidc}/oauth2/authorize"
    assert parse_qs(location.query)["prompt"] == ["none"]


def test_storage_quota_of_the_tier_is_enforced_at_upload(settings, owner_client, owner):
    settings.PICTURA_TIER_QUOTAS_MB = {"basic": 1, "core": 0, "full": 0}
    half_megabyte = make_image() + bytes(600 * 1024)
    first = owner_client.post(
        reverse("gallery:upload"), {"files": [upload("a.jpg", half_megabyte)]}, HTTP_ACCEPT="application/json"
    )
    assert first.json()["results"][0]["status"] == "done"
    second = owner_client.post(
        reverse("gallery:upload"), {"files": [upload("b.jpg", make_image(color=(1, 2, 3)) + bytes(600 * 1024))]},
        HTTP_ACCEPT="application/json",
    )
    result = second.json()["results"][0]
    assert result["status"] == "rejected"
    assert result["message"].startswith("This photo would take you past the 1.0\xa0MB of storage in your Basic plan")
    owner.tier = "core"
    owner.save()
    third = owner_client.post(
        reverse("gallery:upload"), {"files": [upload("b.jpg", make_image(color=(1, 2, 3)) + bytes(600 * 1024))]},
        HTTP_ACCEPT="application/json",
    )
    assert third.json()["results"][0]["status"] == "done"


class ProviderProxy:
    """A loopback HTTP server in front of the test provider that passes requests on, records
    what the token endpoint received and can rewrite the userinfo answer: Cognito's userinfo
    leaves out ``cognito:groups``, and a hostile one could describe another user."""

    def __init__(self, upstream: str):
        self.token_requests = []
        self.rewrite_userinfo = lambda claims: claims
        proxy = self

        class Handler(QuietHandler):
            def _forward(self, method):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/oauth2/token"):
                    proxy.token_requests.append(parse_qs(body.decode()))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(method, upstream + self.path, data=body, headers=headers,
                                          allow_redirects=False, timeout=10)
                content = answer.content
                if self.path.startswith("/userinfo") and answer.ok:
                    content = json.dumps(proxy.rewrite_userinfo(answer.json())).encode()
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_GET(self):
                self._forward("GET")

            def do_POST(self):
                self._forward("POST")

        self.server, self.url = serve_on_loopback(Handler)


@pytest.fixture
def proxied(settings, oidc):
    """The test provider, with its token and userinfo endpoints reached through ProviderProxy."""
    proxy = ProviderProxy(oidc)
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{proxy.url}/oauth2/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{proxy.url}/userinfo"
    yield proxy
    proxy.server.shutdown()


def test_groups_are_read_from_the_id_token_not_userinfo(oidc, proxied):
    set_claims(oidc, "sub-gus", email="gus@example.org", email_verified=True,
               **{"cognito:groups": ["staff", "full"]})
    proxied.rewrite_userinfo = lambda claims: {k: v for k, v in claims.items() if k != "cognito:groups"}
    client = Client()
    sign_in(client, oidc, "sub-gus")
    user = signed_in_user(client)
    assert (user.is_staff, user.tier) == (True, "full")


def test_groups_that_only_userinfo_claims_grant_nothing(oidc, proxied):
    set_claims(oidc, "sub-hal", email="hal@example.org", email_verified=True)
    proxied.rewrite_userinfo = lambda claims: {**claims, "cognito:groups": ["staff"]}
    client = Client()
    sign_in(client, oidc, "sub-hal")
    assert signed_in_user(client).is_staff is False


def test_userinfo_about_another_subject_is_refused(oidc, proxied, owner):
    owner.oidc_sub = "sub-olivia"
    owner.save()
    set_claims(oidc, "sub-ivy", email="ivy@example.org", email_verified=True)
    proxied.rewrite_userinfo = lambda claims: {**claims, "sub": "sub-olivia"}
    client = Client()
    response, _ = sign_in(client, oidc, "sub-ivy")
    assert response["Location"] == "/accounts/login/?sso=failed"
    assert signed_in_user(client) is None


def test_the_code_exchange_uses_pkce(oidc, proxied):
    import base64
    import hashlib

    set_claims(oidc, "sub-jo", email="jo@example.org")
    client = Client()
    authorize_url = start_sign_in(client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"]
    client.get(provider_login(authorize_url, "sub-jo"))
    [token_request] = proxied.token_requests
    verifier = token_request["code_verifier"][0]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == [digest]
    assert signed_in_user(client) is not None


@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example/x"])
def test_the_session_refresh_never_returns_to_another_host(oidc, path):
    client = signed_in_with_an_expired_id_token(oidc, "sub-kim")
    # The session refresh remembers the path asked for, then sends the browser to the provider.
    # (PATH_INFO is given as is: the test client would read "//host" as a host of its own.)
    refresh = client.get("/", PATH_INFO=path)
    assert refresh.status_code == 302 and "prompt=none" in refresh["Location"]
    # The test provider keeps no sign-in session to answer prompt=none from; a real one
    # (Cognito) answers it silently. Asked without it, it signs the same person in again.
    authorize_url = refresh["Location"].replace("&prompt=none", "")
    response = client.get(provider_login(authorize_url, "sub-kim"))
    assert response.status_code == 302
    location = response["Location"]
    assert urlsplit(location).netloc == "" and location.startswith("/") and location[1:2] not in ("/", "\\")
