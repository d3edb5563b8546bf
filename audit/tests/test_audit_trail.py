"""The audit trail: what is recorded, by whom and from where, that it cannot be changed, who can
read it, and that it is kept only PICTURA_AUDIT_DAYS."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from albums.models import Album, ShareLink
from analysis.models import PhotoAnalysis
from audit.models import AuditEntry, AuditTrailIsAppendOnly
from audit.services import audit_delete_expired

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def entries(action):
    return list(AuditEntry.objects.filter(action=action))


def test_sign_ins_failed_and_successful_are_recorded_with_the_address(client, owner):
    client.post(reverse("accounts:login"), {"username": "olivia", "password": "wrong guess"},
                REMOTE_ADDR="203.0.113.9")
    client.post(reverse("accounts:login"), {"username": "nobody-here", "password": "x"}, REMOTE_ADDR="203.0.113.9")
    client.post(reverse("accounts:login"), {"username": "olivia", "password": "correct horse 42"},
                REMOTE_ADDR="198.51.100.7")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="198.51.100.7")

    failed = sorted(entries(Action.SIGN_IN_FAILED), key=lambda e: e.pk)
    assert [(e.target, e.account, e.address) for e in failed] == [
        ("olivia", owner, "203.0.113.9"), ("nobody-here", None, "203.0.113.9")]
    assert "correct horse" not in str([e.details for e in failed])
    [signed_in] = entries(Action.SIGNED_IN)
    assert (signed_in.actor, signed_in.account, signed_in.address, signed_in.details) == (
        owner, owner, "198.51.100.7", {"by": "password"})
    assert [e.account for e in entries(Action.SIGNED_OUT)] == [owner]


def test_password_and_email_changes_are_recorded_by_any_path(owner_client, owner, staff_client, staff):
    owner_client.post(reverse("accounts:password_change"), {
        "old_password": "correct horse 42", "new_password1": "new pass phrase 99", "new_password2": "new pass phrase 99"})
    [changed] = entries(Action.PASSWORD_CHANGED)
    assert (changed.actor, changed.account) == (owner, owner)

    # A moderator changes the address in the admin.
    response = staff_client.post(reverse("admin:accounts_user_change", args=[owner.pk]), {
        "username": "olivia", "email": "olivia@new.example.org", "tier": "basic", "is_active": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00", "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "10:00:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    [email] = entries(Action.EMAIL_CHANGED)
    assert (email.actor, email.account, email.details) == (
        staff, owner, {"from": "olivia@example.org", "to": "olivia@new.example.org"})
    assert len(entries(Action.PASSWORD_CHANGED)) == 1  # saving other fields changes no password


def test_share_links_made_and_revoked(owner_client, owner, add_photos):
    [photo] = add_photos(owner, 1)
    owner_client.post(reverse("sharing:create"), {"photo": photo.pk})
    link = ShareLink.objects.get()
    owner_client.post(reverse("sharing:revoke", args=[link.pk]))

    [made] = entries(Action.SHARE_LINK_CREATED)
    [revoked] = entries(Action.SHARE_LINK_REVOKED)
    assert made.actor == revoked.actor == made.account == owner
    assert made.target == revoked.target == f"link {link.pk} to photo {photo.pk}: {photo}"
    assert made.details == {"link": link.pk, "expires_at": None, "include_location": False, "watermark": False}


def test_moderation_decisions_and_admin_deletions_name_the_moderator_and_the_owner(staff_client, staff, owner,
                                                                                    add_photos):
    first, second = add_photos(owner, 2)
    for photo in (first, second):
        PhotoAnalysis.objects.create(photo=photo, state="done", moderation="flagged")
    act = {"action": "hide", "_selected_action": [first.pk, second.pk]}
    staff_client.post(reverse("admin:gallery_photo_changelist"), act)
    staff_client.post(reverse("admin:gallery_photo_changelist"), {**act, "action": "delete_for_good",
                                                                   "_selected_action": [second.pk]})

    hidden = entries(Action.MODERATION_HIDDEN)
    assert sorted(e.details["photo"] for e in hidden) == sorted([first.pk, second.pk])
    assert {(e.actor, e.account, e.address) for e in hidden} == {(staff, owner, "127.0.0.1")}
    [deleted] = entries(Action.ADMIN_DELETED)
    assert (deleted.actor, deleted.account, deleted.details) == (staff, owner, {"model": "gallery.Photo"})
    assert deleted.target.startswith(f"photo {second.pk}: ")


def test_entries_cannot_be_changed_or_deleted(owner):
    entry = AuditEntry.objects.filter(account=owner).get()  # the account's creation
    entry.target = "something else"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.update(target="x")


def test_the_admin_shows_entries_read_only_and_only_to_staff(staff_client, owner_client, owner):
    entry = AuditEntry.objects.get(account=owner, action=Action.ACCOUNT_CREATED)
    listing = staff_client.get(reverse("admin:audit_auditentry_changelist") + "?action=account_created")
    assert listing.status_code == 200 and "olivia" in listing.content.decode()
    detail = staff_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).content.decode()
    assert 'name="target"' not in detail and "Save" not in detail
    assert staff_client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    assert staff_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert owner_client.get(reverse("admin:audit_auditentry_changelist")).status_code == 302  # to the admin sign-in


def test_the_profile_shows_ones_own_activity_only(client, owner, stranger):
    client.post(reverse("accounts:login"), {"username": "sam", "password": "wrong guess"}, REMOTE_ADDR="203.0.113.66")
    client.post(reverse("accounts:login"), {"username": "olivia", "password": "correct horse 42"},
                REMOTE_ADDR="198.51.100.7")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Recent activity" in page and "198.51.100.7" in page and "Signed in" in page
    assert "203.0.113.66" not in page and "Sign-in failed" not in page


def test_a_deleted_accounts_entries_keep_its_name(owner):
    AuditEntry.objects.create(action=Action.SIGNED_IN, account=owner, account_name="olivia")
    type(owner).objects.get(pk=owner.pk).delete()
    created = AuditEntry.objects.get(action=Action.ACCOUNT_CREATED, account_name="olivia")
    assert created.account is None and AuditEntry.objects.filter(account_name="olivia").count() == 2


def test_admin_deletions_are_recorded_with_the_owner(staff_client, staff, owner):
    album = Album.objects.create(owner=owner, title="Old")
    staff_client.post(reverse("admin:albums_album_delete", args=[album.pk]), {"post": "yes"})
    [deleted] = entries(Action.ADMIN_DELETED)
    assert (deleted.actor, deleted.account, deleted.target) == (staff, owner, f"album {album.pk}: Old")


def test_entries_older_than_the_retention_period_go(owner, settings):
    settings.PICTURA_AUDIT_DAYS = 30
    old = AuditEntry.objects.create(action=Action.SIGNED_IN, at=timezone.now() - timedelta(days=31))
    kept = AuditEntry.objects.create(action=Action.SIGNED_IN, at=timezone.now() - timedelta(days=29))
    assert audit_delete_expired() == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists() and AuditEntry.objects.filter(pk=kept.pk).exists()
    AuditEntry.objects.create(action=Action.SIGNED_IN, at=timezone.now() - timedelta(days=40))
    call_command("sweep")  # the sweeper, as `make run` runs it without workers, prunes too
    assert AuditEntry.objects.filter(at__lt=timezone.now() - timedelta(days=30)).count() == 0
