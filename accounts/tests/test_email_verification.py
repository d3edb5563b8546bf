"""Confirming email addresses with a signed link, mailed through a real SMTP server on loopback."""
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from pictura.testing.servers import free_port

pytestmark = pytest.mark.django_db


def register(client, **overrides):
    data = {"username": "newbie", "email": "newbie@example.org",
            "password1": "a long pass phrase 77", "password2": "a long pass phrase 77", **overrides}
    return client.post(reverse("accounts:register"), data)


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://testserver(/accounts/email/verify/\S+/)", text).group(1)


def test_registration_mails_a_link_that_confirms_the_address(client, smtp_server):
    response = register(client)
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert not user.email_verified

    message = smtp_server.only_message()
    assert message["To"] == "newbie@example.org"
    assert message["Subject"] == "Confirm your email address for Pictura"
    link = link_in(message)
    assert link in message.get_body(("html",)).get_content()  # both parts carry it

    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "not confirmed yet" in profile and "Send the link again" in profile

    # Opened in another browser (a phone's mail app), signed out: it still confirms.
    response = Client().get(link)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.email_verified
    assert "confirmed</span>" in client.get(reverse("accounts:profile")).content.decode()


def test_a_tampered_or_expired_link_confirms_nothing(client, smtp_server, settings):
    register(client)
    link = link_in(smtp_server.only_message())

    tampered = client.get(link.replace("/verify/", "/verify/x"))
    assert tampered.status_code == 400 and "This link is not valid" in tampered.content.decode()
    settings.PICTURA_EMAIL_VERIFICATION_DAYS = 0
    expired = client.get(link)
    assert expired.status_code == 400 and "This link has expired" in expired.content.decode()
    assert not User.objects.get(username="newbie").email_verified


def test_a_link_for_an_earlier_address_confirms_nothing(client, smtp_server):
    register(client)
    link = link_in(smtp_server.only_message())
    User.objects.filter(username="newbie").update(email="other@example.org")
    response = client.get(link)
    assert response.status_code == 400 and "no longer on the account" in response.content.decode()
    assert not User.objects.get(username="newbie").email_verified


def test_the_profile_sends_the_link_again(client, smtp_server):
    register(client)
    response = client.post(reverse("accounts:send_verification"))
    assert response.status_code == 302
    assert len(smtp_server.messages) == 2
    client.get(link_in(smtp_server.messages[1]))
    client.post(reverse("accounts:send_verification"))
    assert len(smtp_server.messages) == 2  # nothing more once confirmed


def test_a_mail_server_that_is_down_does_not_break_registration(client, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    response = register(client)
    assert response.status_code == 302 and response["Location"] == reverse("gallery:upload")
    assert User.objects.filter(username="newbie").exists()
    assert "Could not send 'Confirm your email address for Pictura'" in caplog.text
