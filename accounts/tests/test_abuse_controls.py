"""Brute force and abuse: sign-in lockouts (site and admin), registration and download limits."""
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from albums.models import ShareLink

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def sign_in(client, username, password, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def test_an_account_is_locked_after_repeated_failures_even_from_many_addresses(settings, owner):
    settings.AXES_FAILURE_LIMIT = 3
    for attempt in range(3):
        sign_in(Client(REMOTE_ADDR=f"10.0.0.{attempt}"), "olivia", "wrong guess")
    response = sign_in(Client(REMOTE_ADDR="10.0.0.99"), "olivia", "correct horse 42")
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode() and "paused for 15 minutes" in response.content.decode()
    # Other accounts are not affected from another address.
    other = User.objects.create_user("pat", "pat@example.org", "pat pass 12345")
    assert sign_in(Client(REMOTE_ADDR="10.0.0.50"), "pat", "pat pass 12345").status_code == 302
    assert other.pk


def test_an_address_is_locked_after_failures_across_accounts(settings, owner):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="10.1.1.1")
    for name in ("a", "b", "c"):
        sign_in(client, name, "nope")
    assert sign_in(client, "olivia", "correct horse 42").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="10.1.1.2"), "olivia", "correct horse 42").status_code == 302


def test_the_admin_sign_in_is_locked_too(settings, admin_user):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="10.2.2.2")
    admin_login = reverse("admin:login")
    for _ in range(2):
        sign_in(client, "admin", "guess", url=admin_login)
    response = sign_in(Client(REMOTE_ADDR="10.2.2.3"), "admin", "password", url=admin_login)
    assert response.status_code == 429 and "Sign-in paused" in response.content.decode()


def test_behind_proxies_the_forwarded_address_counts_not_a_forged_one(settings, owner):
    settings.AXES_FAILURE_LIMIT = 2
    settings.PICTURA_PROXY_COUNT = 2  # the load balancer and nginx
    for forged in ("1.1.1.1", "2.2.2.2"):
        # The attacker writes any left part they like; the load balancer adds their address.
        sign_in(Client(REMOTE_ADDR="127.0.0.1"), f"user-{forged}", "nope",
                HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7, 10.0.0.5")
    locked = sign_in(Client(REMOTE_ADDR="127.0.0.1"), "olivia", "correct horse 42",
                     HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.5")
    assert locked.status_code == 429
    neighbour = sign_in(Client(REMOTE_ADDR="127.0.0.1"), "olivia", "correct horse 42",
                        HTTP_X_FORWARDED_FOR="198.51.100.4, 10.0.0.5")
    assert neighbour.status_code == 302


def register(client, name):
    password = "a long pass phrase 77"
    data = {"username": name, "email": f"{name}@example.org", "password1": password, "password2": password}
    return client.post(reverse("accounts:register"), data)


def test_registration_is_throttled_per_address(settings):
    settings.PICTURA_REGISTRATIONS_PER_HOUR = 2
    client = Client(REMOTE_ADDR="10.3.3.3")
    for name in ("u1", "u2"):
        register(client, name)
        client.post(reverse("accounts:logout"))
    response = register(client, "u9")
    assert response.status_code == 429 and "Slow down a little" in response.content.decode()
    assert User.objects.count() == 2
    assert client.get(reverse("accounts:register")).status_code == 200  # the form still shows


def test_anonymous_shared_downloads_are_throttled(settings, owner, add_photos):
    from analysis.models import PhotoAnalysis

    settings.PICTURA_SHARED_DOWNLOADS_PER_MINUTE = 2
    [photo] = add_photos(owner, 1)
    PhotoAnalysis.objects.create(photo=photo, state="done")
    link = ShareLink.objects.create(owner=owner, photo=photo, include_location=True)
    visitor = Client(REMOTE_ADDR="10.4.4.4")
    original = reverse("sharing:file", args=[link.token, photo.pk, "original"])
    assert [visitor.get(original).status_code for _ in range(3)] == [200, 200, 429]
    preview_url = reverse("sharing:file", args=[link.token, photo.pk, "thumbnail"])
    assert visitor.get(preview_url).status_code != 429  # images have their own, larger allowance
    assert Client(REMOTE_ADDR="10.4.4.5").get(original).status_code == 200
