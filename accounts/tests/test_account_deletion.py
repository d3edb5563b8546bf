"""Deleting an account: who may, that it stops at once, that a resumable task deletes every row
and stored file of it (and nothing of anyone else's), "download everything" first, and staff
doing the same from the admin."""
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts import deletion
from accounts.models import User
from albums.models import Album, AlbumPhoto, ShareLink, WatermarkedCopy
from albums.services import share_link_create
from albums.watermarks import watermark_save
from analysis import people
from analysis.faces import Face as FoundFace
from analysis.models import Face, Person, PhotoTag, Tag
from audit.models import AuditEntry
from gallery import direct_uploads
from gallery.direct_uploads import direct_upload_start
from gallery.models import Photo
from gallery.services import photos_move_to_trash
from pictura.testing.factories import files_under

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(owner, stranger, add_photos, after_commit):
    """The owner's photos (one in the trash) with an album, a watermarked share link (a logo,
    marked copies), a tag and a named face; and a stranger's photo, which must survive."""
    photos = add_photos(owner, 4)
    album = Album.objects.create(owner=owner, title="Lisbon")
    AlbumPhoto.objects.create(album=album, photo=photos[0])
    logo = io.BytesIO()
    Image.new("RGBA", (60, 60), (200, 30, 30, 255)).save(logo, "PNG")
    with after_commit():
        watermark_save(owner=owner, text="© Olivia", position="center", size=20, opacity=60,
                       logo=SimpleUploadedFile("logo.png", logo.getvalue(), "image/png"))
        share_link_create(owner=owner, album=album, watermark=True)
    assert WatermarkedCopy.objects.filter(photo=photos[0]).exists()
    PhotoTag.objects.create(photo=photos[0], tag=Tag.objects.get_or_create(name="tram")[0], source="manual")
    found = [FoundFace(box=(0.1, 0.1, 0.3, 0.4), confidence=99.0, size=200, sharpness=80.0, embedding=tuple([0.05] * 128))]
    crops = people.store_face_crops(photos[1], found)
    with transaction.atomic():
        people.photo_replace_faces(photo=photos[1], source="local", found=found, crops=crops)
    Person.objects.filter(owner=owner).update(name="Inês")
    photos_move_to_trash(owner=owner, photo_ids=[photos[3].pk])
    theirs = add_photos(stranger, 1)[0]
    return {"photos": photos, "album": album, "theirs": theirs}


def ask_to_delete(client, password="correct horse 42"):
    return client.post(reverse("accounts:delete"), {"password": password})


@pytest.fixture
def sweep(after_commit):
    """The sweeper, as `make run` runs it without workers: it carries out due deletions (and
    what they queue after their commits)."""
    def run():
        with after_commit():
            call_command("sweep", stdout=io.StringIO())
    return run


def test_the_page_says_what_goes_and_a_wrong_password_deletes_nothing(owner_client, owner, library):
    page = owner_client.get(reverse("accounts:delete")).content.decode()
    assert "3 photos and 1 in the trash" in page and "1 album" in page and "1 share link" in page
    assert reverse("accounts:export") in page

    response = ask_to_delete(owner_client, "not my password")
    assert response.status_code == 200 and "That is not your password." in response.content.decode()
    owner.refresh_from_db()
    assert owner.is_active and owner.deletion_requested_at is None


def test_deleting_my_account_stops_it_at_once_then_deletes_everything_of_it(
        owner_client, client, owner, stranger, library, media_root, smtp_server, sweep):
    mine = [name for name in files_under(media_root) if f"/{owner.pk}/" in name]
    assert len(mine) >= 4 * 3 + 1 + 3 + 1  # originals, thumbnails, previews, a face crop, a marked copy, a logo

    response = ask_to_delete(owner_client)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    # At once: signed out everywhere, no signing in again, links dead.
    assert owner_client.get(reverse("accounts:profile")).status_code == 302
    signing_in = client.post(reverse("accounts:login"), {"username": "olivia", "password": "correct horse 42"})
    assert signing_in.status_code == 200 and "_auth_user_id" not in client.session
    link = ShareLink.objects.get(owner=owner)
    assert client.get(link.get_absolute_url()).status_code == 410

    sweep()

    assert not User.objects.filter(pk=owner.pk).exists()
    assert not Photo.objects.filter(owner_id=owner.pk).exists()
    assert not Album.objects.filter(owner_id=owner.pk).exists() and not ShareLink.objects.exists()
    assert not Face.objects.exists() and not Person.objects.exists()
    assert [name for name in files_under(media_root) if f"/{owner.pk}/" in name] == []
    assert files_under(media_root) and all(f"/{stranger.pk}/" in name for name in files_under(media_root))
    assert Photo.objects.get(pk=library["theirs"].pk)

    message = smtp_server.only_message()
    assert message["To"] == "olivia@example.org" and message["Subject"] == "Your Pictura account was deleted"
    actions = list(AuditEntry.objects.filter(account_name="olivia").values_list("action", flat=True))
    assert {"account_deletion_requested", "account_deleted"} <= set(actions)


def test_a_deletion_cut_short_is_resumed_by_the_sweeper(owner_client, owner, library, monkeypatch, media_root, sweep):
    monkeypatch.setattr(deletion, "DELETION_BATCH", 1)
    monkeypatch.setattr(deletion, "DELETION_STEP_SECONDS", -1)  # one batch per step
    ask_to_delete(owner_client)
    sweep()
    assert Photo.objects.filter(owner=owner).count() == 3  # one step done; the next is due
    # The worker running the next step dies: the account's due time is in the future, so the
    # sweeper waits for it, then takes the work up again.
    User.objects.filter(pk=owner.pk).update(deletion_due_at=timezone.now() + timedelta(minutes=5))
    sweep()
    assert Photo.objects.filter(owner=owner).count() == 3
    User.objects.filter(pk=owner.pk).update(deletion_due_at=timezone.now() - timedelta(seconds=1))
    for _ in range(4):
        sweep()
    assert not User.objects.filter(pk=owner.pk).exists()
    assert [name for name in files_under(media_root) if f"/{owner.pk}/" in name] == []


def test_download_everything_first(owner_client, stranger_client, owner, library):
    response = owner_client.get(reverse("accounts:export"))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="pictura-olivia-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = json.loads(archive.read("pictura.json"))
    photos = library["photos"]
    assert sorted(entry["file"] for entry in manifest["photos"]) == sorted(p.original_filename for p in photos[:3])
    assert set(archive.namelist()) == {"pictura.json", *(p.original_filename for p in photos[:3])}
    for photo in photos[:3]:
        with photo.original.open("rb") as original:
            assert archive.read(photo.original_filename) == original.read()
    by_file = {entry["file"]: entry for entry in manifest["photos"]}
    assert by_file[photos[0].original_filename]["tags"] == [{"name": "tram", "source": "manual"}]
    assert by_file[photos[1].original_filename]["people"] == ["Inês"]
    assert manifest["albums"] == [{"title": "Lisbon", "description": "", "files": [photos[0].original_filename],
                                   "created_at": library["album"].created_at.isoformat()}]
    assert manifest["account"]["username"] == "olivia"

    theirs = zipfile.ZipFile(io.BytesIO(b"".join(stranger_client.get(reverse("accounts:export")).streaming_content)))
    assert json.loads(theirs.read("pictura.json"))["account"]["username"] == "sam"
    assert library["theirs"].original_filename in theirs.namelist() and "Lisbon" not in str(theirs.read("pictura.json"))


def test_staff_delete_accounts_from_the_admin_but_never_their_own(staff_client, staff, owner, library, media_root,
                                                                 sweep):
    assert staff_client.get(reverse("admin:accounts_user_delete", args=[owner.pk])).status_code == 403  # leaves files
    response = staff_client.post(reverse("admin:accounts_user_changelist"),
                                 {"action": "delete_accounts", "_selected_action": [owner.pk, staff.pk]}, follow=True)
    assert "Deleting 1 account(s)" in response.content.decode() and "Your own account was left alone" in response.content.decode()
    requested = AuditEntry.objects.get(action="account_deletion_requested")
    assert (requested.actor, requested.account) == (staff, owner)
    sweep()
    assert not User.objects.filter(pk=owner.pk).exists() and User.objects.filter(pk=staff.pk).exists()
    assert [name for name in files_under(media_root) if f"/{owner.pk}/" in name] == []


def test_an_account_without_a_password_must_have_signed_in_moments_ago(client, django_user_model, settings):
    user = django_user_model.objects.create_user("sso-user", "sso@example.org")  # no usable password
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - timedelta(hours=1))
    page = client.get(reverse("accounts:delete")).content.decode()
    assert 'name="password"' not in page
    response = client.post(reverse("accounts:delete"))
    assert "Sign in again with the identity provider first" in response.content.decode()
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    response = client.post(reverse("accounts:delete"))
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).deletion_requested_at is not None


def test_strangers_and_anonymous_visitors_cannot_reach_it(client):
    for name in ("accounts:delete", "accounts:export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.s3
def test_nothing_of_a_deleted_account_is_left_in_the_bucket(s3_storage, owner_client, owner, stranger, library, sweep):
    assert any(f"/{owner.pk}/" in key for key in s3_storage.keys())
    # An upload straight to S3 under way: its parts go too.
    unfinished = direct_upload_start(owner=owner, filename="half.jpg", size=10 * 1024 * 1024, options={})
    ask_to_delete(owner_client)
    sweep()
    assert not User.objects.filter(pk=owner.pk).exists()
    keys = s3_storage.keys()
    assert keys and all(key.split("/")[1] == str(stranger.pk) for key in keys), keys
    pending = direct_uploads._s3().list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads", [])
    assert unfinished.key not in [upload["Key"] for upload in pending]
