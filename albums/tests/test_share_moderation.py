"""Share links fail closed: only photos that analysis found clear, or a moderator approved."""
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from albums.models import Album, AlbumPhoto, ShareLink
from analysis.models import HiddenContent, PhotoAnalysis
from analysis.services import photo_analyse
from pictura.testing.images import make_image

pytestmark = pytest.mark.django_db


def shown(client, link) -> set:
    response = client.get(link.get_absolute_url())
    if response.status_code != 200:
        return set()
    if link.photo_id:
        return {response.context["photo"].pk}
    return {photo.pk for photo in response.context["page"].object_list}


@pytest.fixture
def album_link(owner, add_photos):
    album = Album.objects.create(owner=owner, title="Mixed")
    photos = add_photos(owner, 5)
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo=p) for p in photos])
    return ShareLink.objects.create(owner=owner, album=album), photos


def test_only_photos_analysed_clear_or_approved_are_shared(client, album_link):
    link, (waiting, failed, clear, flagged, approved) = album_link
    PhotoAnalysis.objects.create(photo=waiting, state="pending")
    PhotoAnalysis.objects.create(photo=failed, state="failed")
    PhotoAnalysis.objects.create(photo=clear, state="done", moderation="clear")
    PhotoAnalysis.objects.create(photo=flagged, state="done", moderation="flagged")
    PhotoAnalysis.objects.create(photo=approved, state="failed", moderation="approved")

    assert shown(client, link) == {clear.pk, approved.pk}
    for photo in (waiting, failed, flagged):
        url = reverse("sharing:file", args=[link.token, photo.pk, "preview"])
        assert client.get(url).status_code == 404


def test_with_analysis_off_nothing_unchecked_is_shared(client, owner, album_link, settings):
    settings.PICTURA_ANALYSE_UPLOADS = False
    link, photos = album_link
    assert shown(client, link) == set()
    single = ShareLink.objects.create(owner=owner, photo=photos[0])
    assert client.get(single.get_absolute_url()).status_code == 404


@pytest.mark.slow  # runs the local tagger
def test_a_hidden_photo_uploaded_again_stays_hidden(client, owner, stranger, admin_client, ingest):
    data = make_image(color=(1, 2, 3))
    first = ingest(owner, "a.jpg", data)  # with the preview the tagger reads
    photo_analyse(photo_id=first.pk, tagger_name="local")
    admin_client.post(reverse("admin:gallery_photo_changelist"),
                      {"action": "hide", ACTION_CHECKBOX_NAME: [first.pk]})
    assert HiddenContent.objects.filter(sha256=first.sha256).exists()

    # Deleted and uploaded again (by anyone): analysis finds it clear, the moderator's word stands.
    first.delete()
    again = ingest(stranger, "again.jpg", data)
    analysis = photo_analyse(photo_id=again.pk, tagger_name="local")
    assert analysis.moderation == PhotoAnalysis.Moderation.HIDDEN
    link = ShareLink.objects.create(owner=stranger, photo=again)
    assert client.get(link.get_absolute_url()).status_code == 404

    # Approving it forgets the hash.
    admin_client.post(reverse("admin:gallery_photo_changelist"),
                      {"action": "approve", ACTION_CHECKBOX_NAME: [again.pk]})
    assert not HiddenContent.objects.exists()
    assert shown(client, link) == {again.pk}


def test_links_of_a_deactivated_owner_stop_working(client, owner, album_link):
    link, photos = album_link
    PhotoAnalysis.objects.create(photo=photos[0], state="done")
    assert shown(client, link) == {photos[0].pk}
    owner.is_active = False
    owner.save()
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410 and "account that shared it is closed" in response.content.decode()
    url = reverse("sharing:file", args=[link.token, photos[0].pk, "preview"])
    assert client.get(url).status_code == 410
