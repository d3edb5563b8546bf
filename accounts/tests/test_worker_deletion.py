"""Deleting an account through a real Celery worker on Redis: the steps go through the broker,
the worker deletes every file (watermarked copies and the logo too) and mails the confirmation
through a real SMTP server."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import User
from albums.models import ShareLink, WatermarkedCopy
from albums.services import share_link_create
from albums.watermarks import watermark_save
from pictura.testing.factories import files_under
from pictura.testing.servers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_mails_to(smtp_server, process_env, settings):
    """The worker started after this sends its email to the test's SMTP server."""
    process_env["EMAIL_URL"] = f"smtp://{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    return smtp_server


def test_an_account_is_deleted_by_the_worker_with_every_file(
        worker_mails_to, celery_worker_process, owner_client, owner, stranger, add_photos, media_root):
    photos = add_photos(owner, 3)
    add_photos(stranger, 1)
    logo = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 120, 200, 255)).save(logo, "PNG")
    watermark_save(owner=owner, text="© Olivia", position="top-left", size=20, opacity=60,
                   logo=SimpleUploadedFile("logo.png", logo.getvalue(), "image/png"))
    share_link_create(owner=owner, photo=photos[0], watermark=True)
    wait_for(lambda: WatermarkedCopy.objects.filter(photo=photos[0]).exists(), timeout=60,
             what="the watermarked copy from the worker")

    response = owner_client.post(reverse("accounts:delete"), {"password": "correct horse 42"})
    assert response.status_code == 302

    wait_for(lambda: not User.objects.filter(pk=owner.pk).exists(), timeout=60, what="the account deleted by the worker")
    assert [name for name in files_under(media_root) if f"/{owner.pk}/" in name] == []
    assert files_under(media_root) and not ShareLink.objects.exists()
    wait_for(lambda: worker_mails_to.messages, timeout=30, what="the confirmation email")
    assert worker_mails_to.only_message()["Subject"] == "Your Pictura account was deleted"
    assert "accounts.tasks.delete_account" in celery_worker_process.read_text()
