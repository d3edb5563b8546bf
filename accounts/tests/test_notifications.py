"""Notification emails, received by a real SMTP server on loopback: what is sent to whom, once,
at most hourly, with both parts and a signed one-click unsubscribe link."""
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notifications_send_due
from albums.models import ShareLink
from analysis.models import PhotoAnalysis
from gallery.services import photos_move_to_trash

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(after_commit):
    def send_due():
        with after_commit():
            return notifications_send_due()
    return send_due


def fail(photo, error="Gave up after 12 attempts: Rekognition timed out"):
    return PhotoAnalysis.objects.update_or_create(
        photo=photo, defaults={"state": "failed", "finished_at": timezone.now(), "last_error": error})[0]


def flag(photo):
    return PhotoAnalysis.objects.create(photo=photo, state="done", finished_at=timezone.now(), moderation="flagged",
                                        moderation_labels=[{"name": "Explicit Nudity", "confidence": 93.0}])


def an_hour_passes():
    Notification.objects.update(sent_at=timezone.now() - timedelta(minutes=61))


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()


def test_failed_analyses_reach_their_owner_once_in_an_hourly_digest(send, smtp_server, owner, stranger, add_photos):
    first, second, trashed = add_photos(owner, 3)
    theirs = add_photos(stranger, 1)[0]
    for photo in (first, second, trashed, theirs):
        fail(photo)
    photos_move_to_trash(owner=owner, photo_ids=[trashed.pk])

    assert send() == 2
    mine = next(m for m in smtp_server.messages if m["To"] == owner.email)
    assert mine["Subject"] == "2 photos could not be tagged"
    for part in (text_of(mine), html_of(mine)):
        assert f"/photos/{first.pk}/" in part and f"/photos/{second.pk}/" in part
        assert f"/photos/{trashed.pk}/" not in part and f"/photos/{theirs.pk}/" not in part
        assert "Rekognition timed out" in part
    assert "http://127.0.0.1:8000/photos/" in text_of(mine)  # absolute links, from PICTURA_SITE_URL

    assert send() == 0  # told already
    later = add_photos(owner, 1)[0]
    fail(later)
    assert send() == 0  # not within the hour
    an_hour_passes()
    assert send() == 1
    latest = smtp_server.messages[-1]
    assert latest["Subject"] == "1 photo could not be tagged" and f"/photos/{later.pk}/" in text_of(latest)
    assert f"/photos/{first.pk}/" not in text_of(latest)


def test_a_share_link_is_announced_three_days_before_it_expires(send, smtp_server, owner, add_photos):
    photo = add_photos(owner, 1)[0]
    soon = ShareLink.objects.create(owner=owner, photo=photo, expires_at=timezone.now() + timedelta(days=2))
    ShareLink.objects.create(owner=owner, photo=photo, expires_at=timezone.now() + timedelta(days=10))
    ShareLink.objects.create(owner=owner, photo=photo, expires_at=timezone.now() + timedelta(days=1),
                             revoked_at=timezone.now())
    ShareLink.objects.create(owner=owner, photo=photo, expires_at=timezone.now() - timedelta(days=1))

    assert send() == 1
    message = smtp_server.only_message()
    assert message["Subject"] == f"Your share link to “{photo}” works until {soon.last_day:%-d %B}"
    assert photo.get_absolute_url() in text_of(message) and "/shared/" in text_of(message)
    assert send() == 0


def test_staff_get_the_moderation_digest_without_the_image(send, smtp_server, owner, staff, add_photos):
    photo = add_photos(owner, 1)[0]
    flag(photo)
    assert send() == 1
    message = smtp_server.only_message()
    assert message["To"] == staff.email and message["Subject"] == "1 photo flagged for review"
    assert f"Photo {photo.pk} of olivia: Explicit Nudity" in text_of(message)
    assert "/admin/analysis/phototoreview/" in html_of(message)
    assert "<img" not in html_of(message)
    assert [part.get_content_type() for part in message.walk() if not part.is_multipart()] == [
        "text/plain", "text/html"]  # nothing attached


def test_one_click_unsubscribe_turns_off_that_kind_only(send, smtp_server, owner, add_photos):
    photo = add_photos(owner, 1)[0]
    fail(photo)
    send()
    message = smtp_server.only_message()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<http://127\.0\.0\.1:8000(/accounts/unsubscribe/\S+/)>", message["List-Unsubscribe"]).group(1)
    assert url in text_of(message) and url in html_of(message)
    assert f"List-Unsubscribe: <http://127.0.0.1:8000{url}>\r\n".encode() in smtp_server.raw[0]  # one line, plain

    anonymous = Client(enforce_csrf_checks=True)
    asked = anonymous.get(url)
    assert asked.status_code == 200 and "Stop these emails?" in asked.content.decode()
    owner.refresh_from_db()
    assert owner.notify_analysis_failed  # a link checker's GET changes nothing

    done = anonymous.post(url, {"List-Unsubscribe": "One-Click"})  # as a mail program does it: no CSRF token
    assert done.status_code == 200 and "Unsubscribed" in done.content.decode()
    owner.refresh_from_db()
    assert not owner.notify_analysis_failed and owner.notify_link_expiring

    an_hour_passes()
    fail(add_photos(owner, 1)[0])
    ShareLink.objects.create(owner=owner, photo=photo, expires_at=timezone.now() + timedelta(days=1))
    send()
    assert [m["Subject"].split(" ")[1] for m in smtp_server.messages[1:]] == ["share"]


def test_a_forged_or_cut_unsubscribe_link_does_nothing(client, owner):
    for token in ["not-a-token", "eyJ1c2VyIjoxLCJraW5kIjoibW9kZXJhdGlvbiJ9:abc:def"]:
        response = client.post(reverse("accounts:unsubscribe", args=[token]))
        assert response.status_code == 400 and "That link did not work" in response.content.decode()
    owner.refresh_from_db()
    assert owner.notify_analysis_failed


def test_the_profile_chooses_which_emails_and_only_staff_see_moderation(owner_client, owner, staff_client, staff):
    page = owner_client.get(reverse("accounts:profile")).content.decode()
    assert "Photos that could not be tagged" in page and "Photos flagged for review" not in page
    owner_client.post(reverse("accounts:notification_settings"), {"notify_link_expiring": "on", "notify_moderation": "on"})
    owner.refresh_from_db()
    assert (owner.notify_analysis_failed, owner.notify_link_expiring, owner.notify_moderation) == (False, True, True)

    assert "Photos flagged for review" in staff_client.get(reverse("accounts:profile")).content.decode()
    staff_client.post(reverse("accounts:notification_settings"), {})
    staff.refresh_from_db()
    assert not staff.notify_moderation


def test_the_moderation_digest_never_goes_to_non_staff(send, smtp_server, owner, add_photos):
    flag(add_photos(owner, 1)[0])
    assert owner.notify_moderation  # on by default, but owner is not staff
    assert send() == 0 and smtp_server.messages == []


def test_a_mail_server_that_is_down_breaks_nothing(send, settings, owner, add_photos, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    fail(add_photos(owner, 1)[0])
    assert send() == 1
    assert "Could not send '1 photo could not be tagged'" in caplog.text


def test_the_sweeper_sends_them_where_there_are_no_workers(smtp_server, owner, add_photos, after_commit):
    fail(add_photos(owner, 1)[0])
    with after_commit():
        call_command("sweep", stdout=open("/dev/null", "w"))
    assert smtp_server.only_message()["Subject"] == "1 photo could not be tagged"

