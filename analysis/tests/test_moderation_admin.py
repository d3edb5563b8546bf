import pytest
from django.urls import reverse

from albums.models import ShareLink
from analysis.models import PhotoAnalysis
from gallery.models import Photo
from pictura.testing.factories import files_under

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(owner, add_photos):
    photo, _ = add_photos(owner, 2)
    PhotoAnalysis.objects.create(photo=photo, state="done", moderation="flagged",
                                 moderation_labels=[{"name": "Explicit Nudity", "confidence": 93.0}])
    return photo


def act(client, url_name, action, photos):
    return client.post(reverse(url_name), {"action": action, "_selected_action": [p.pk for p in photos]})


def test_the_queue_lists_only_flagged_photos(staff_client, flagged):
    response = staff_client.get(reverse("admin:analysis_phototoreview_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [flagged]


def test_approve_takes_the_photo_out_of_the_queue_and_shares_it_again(staff_client, client, owner, flagged):
    link = ShareLink.objects.create(owner=owner, photo=flagged)
    assert client.get(link.get_absolute_url()).status_code == 404
    act(staff_client, "admin:analysis_phototoreview_changelist", "approve", [flagged])
    assert PhotoAnalysis.objects.get(photo=flagged).moderation == "approved"
    assert list(staff_client.get(reverse("admin:analysis_phototoreview_changelist")).context["cl"].queryset) == []
    assert client.get(link.get_absolute_url()).status_code == 200


def test_hide_keeps_it_from_links_but_not_from_its_owner(staff_client, owner_client, client, owner, flagged):
    link = ShareLink.objects.create(owner=owner, photo=flagged)
    act(staff_client, "admin:gallery_photo_changelist", "hide", [flagged])
    assert PhotoAnalysis.objects.get(photo=flagged).moderation == "hidden"
    assert client.get(link.get_absolute_url()).status_code == 404
    assert owner_client.get(flagged.get_absolute_url()).status_code == 200


def test_delete_for_good_removes_files_too(staff_client, flagged, media_root):
    act(staff_client, "admin:gallery_photo_changelist", "delete_for_good", [flagged])
    assert not Photo.objects.filter(pk=flagged.pk).exists()
    assert not any(str(flagged.uuid) in name for name in files_under(media_root))


@pytest.mark.slow  # runs the local models in-process
def test_reanalyse_queues_the_photos(staff_client, flagged):
    act(staff_client, "admin:gallery_photo_changelist", "reanalyse", [flagged])
    analysis = PhotoAnalysis.objects.get(photo=flagged)
    assert analysis.state == "done" and analysis.attempts == 1  # ran in-process: no broker here


def test_moderators_see_renditions_through_the_admin(staff_client, flagged):
    response = staff_client.get(reverse("admin:gallery_photo_rendition", args=[flagged.pk, "preview"]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:gallery_photo_changelist",
        "admin:analysis_phototoreview_changelist",
        "admin:albums_album_changelist",
        "admin:analysis_tag_changelist",
        "admin:accounts_user_changelist",
    ],
)
def test_admin_is_for_staff_only(owner_client, staff_client, url_name):
    assert owner_client.get(reverse(url_name)).status_code == 302  # to the admin's login
    assert staff_client.get(reverse(url_name)).status_code == 200


def test_a_non_staff_user_cannot_see_renditions_through_the_admin(owner_client, flagged):
    assert owner_client.get(reverse("admin:gallery_photo_rendition", args=[flagged.pk, "preview"])).status_code == 302


def test_renditions_in_the_admin_need_the_permission_on_photos(client, django_user_model, flagged):
    from django.contrib.auth.models import Permission

    queue_only = django_user_model.objects.create_user("queue", "queue@example.org", "queue pass 123", is_staff=True)
    queue_only.user_permissions.add(Permission.objects.get(codename="view_phototoreview"))
    client.force_login(queue_only)
    url = reverse("admin:gallery_photo_rendition", args=[flagged.pk, "thumbnail"])
    assert client.get(reverse("admin:analysis_phototoreview_changelist")).status_code == 200
    assert client.get(url).status_code == 403
    queue_only.user_permissions.add(Permission.objects.get(codename="view_photo"))
    client.force_login(django_user_model.objects.get(pk=queue_only.pk))
    assert client.get(url).status_code == 200


def test_the_photo_page_in_the_admin_shows_moderation_read_only(staff_client, flagged):
    """Moderation changes only through the actions, whose service remembers hidden content."""
    response = staff_client.get(reverse("admin:gallery_photo_change", args=[flagged.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Flagged for review" in html and 'name="analysis-0-moderation"' not in html


def test_remake_renditions_makes_them_again_with_a_fresh_set_of_attempts(staff_client, flagged, media_root):
    Photo.objects.filter(pk=flagged.pk).update(renditions_state="failed", renditions_error="Gave up", renditions_attempts=12)
    response = act(staff_client, "admin:gallery_photo_changelist", "remake_renditions", [flagged])
    assert response.status_code == 302
    flagged.refresh_from_db()
    # Ran in-process, as there is no broker here; the files replaced the earlier ones.
    assert (flagged.renditions_state, flagged.renditions_attempts, flagged.renditions_error) == ("ready", 1, "")
    assert sum(str(flagged.uuid) in name for name in files_under(media_root)) == 3  # original, thumbnail, preview
