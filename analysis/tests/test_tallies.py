"""The tallies the tags, stats, people and places pages read stay equal to counting the photos
from scratch through every change: upload, tagging and re-tagging, albums, trash, restore,
delete; `manage.py recount` finds drift and mends it."""
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from albums import services as albums
from albums.models import Album
from analysis import tallies
from analysis.models import PhotoTag, PhotoTally, Tag
from analysis.services import photo_add_manual_tags, photo_analyse, photos_mark_for_analysis
from analysis.taggers import Label, TaggerResult
from gallery.models import Photo
from gallery.services import photo_delete, photos_move_to_trash

pytestmark = pytest.mark.django_db

Kind = PhotoTally.Kind


class ScriptedTagger:
    """A tagger that finds the labels it is told to: what the real ones find is tested elsewhere;
    here only what recording it does to the tallies matters."""

    name = "local"

    def __init__(self):
        self.labels = []

    def analyse(self, photo, *, recognise_faces):
        return TaggerResult(labels=[Label(name, 90.0) for name in self.labels])


@pytest.fixture
def tagger(monkeypatch):
    scripted = ScriptedTagger()
    monkeypatch.setattr("analysis.services.get_tagger", lambda name=None: scripted)
    return scripted


def analyse(tagger, photo, *labels):
    """Tag the photo (again) as `reindex` and a worker would."""
    tagger.labels = labels
    photos_mark_for_analysis([photo.pk])
    photo_analyse(photo_id=photo.pk)


def assert_kept_right(*users):
    for user in users:
        assert tallies.recount(user.pk, fix=False) == [], f"{user}'s tallies drifted"


def tags_page(client) -> list[tuple[str, int]]:
    return [(tag.name, tag.photo_count) for tag in client.get(reverse("analysis:tags")).context["tags"]]


def chart(client, name) -> dict:
    return client.get(reverse("analysis:stats_data"), {"range": "all"}).json()["charts"][name]


def test_tallies_follow_every_change_to_photos(owner, stranger, owner_client, add_photos, tagger):
    a, b, c = add_photos(owner, 3)
    [theirs] = add_photos(stranger, 1)
    assert PhotoTally.objects.of(owner).sums(Kind.UPLOADED) == {"": 3}
    assert chart(owner_client, "analysis")["values"] == [0, 0, 0, 3]  # not analysed yet
    assert_kept_right(owner, stranger)

    photo_add_manual_tags(photo=a, names=("family",))
    photo_add_manual_tags(photo=b, names=("family",))
    analyse(tagger, a, "dog", "grass")
    analyse(tagger, b, "dog")
    analyse(tagger, theirs, "secret")
    assert tags_page(owner_client) == [("dog", 2), ("family", 2), ("grass", 1)]
    assert chart(owner_client, "analysis")["values"] == [2, 0, 0, 1]
    assert_kept_right(owner, stranger)

    analyse(tagger, a, "cat")  # tagged again: the tagger's earlier tags are replaced
    assert tags_page(owner_client) == [("family", 2), ("cat", 1), ("dog", 1)]
    assert_kept_right(owner)

    trip = Album.objects.create(owner=owner, title="Trip")
    albums.album_add_photos(album=trip, photo_ids=[a.pk, b.pk, c.pk, theirs.pk])  # not theirs
    albums.album_remove_photos(album=trip, photo_ids=[c.pk])
    other = Album.objects.create(owner=owner, title="Other")
    albums.album_move_photos(source=trip, target=other, photo_ids=[b.pk])
    assert chart(owner_client, "photos_per_album") == {"labels": ["Other", "Trip"], "values": [1, 1]}
    assert_kept_right(owner)

    b.move_to_trash()
    assert tags_page(owner_client) == [("cat", 1), ("family", 1)]
    assert chart(owner_client, "photos_per_album") == {"labels": ["Trip"], "values": [1]}
    assert_kept_right(owner)
    b.restore()
    assert tags_page(owner_client) == [("family", 2), ("cat", 1), ("dog", 1)]
    assert_kept_right(owner)

    photos_move_to_trash(owner=owner, photo_ids=[c.pk])
    photo_delete(photo=Photo.objects.get(pk=c.pk))  # the trash emptied
    Photo.objects.get(pk=a.pk).delete()  # deleted outside the trash, as the admin can
    assert tags_page(owner_client) == [("dog", 1), ("family", 1)]
    assert PhotoTally.objects.of(owner).sums(Kind.UPLOADED) == {"": 1}
    assert_kept_right(owner)

    albums.album_delete(album=other, delete_photos=False)
    assert chart(owner_client, "photos_per_album") == {"labels": [], "values": []}
    assert not PhotoTally.objects.filter(kind=Kind.ALBUM, key=str(other.pk)).exists()
    assert_kept_right(owner, stranger)
    assert tags_page(owner_client) == [("dog", 1), ("family", 1)] and ("secret", 1) not in tags_page(owner_client)


def test_a_failed_analysis_counts_as_failed(owner, owner_client, add_photos, tagger):
    [photo] = add_photos(owner, 1)
    Photo.objects.filter(pk=photo.pk).update(renditions_state=Photo.Renditions.FAILED)
    analyse(tagger, photo, "dog")
    assert chart(owner_client, "analysis")["values"] == [0, 0, 1, 0]
    assert_kept_right(owner)


def test_recount_reports_drift_and_mends_it(owner, stranger, add_photos):
    [photo] = add_photos(owner, 1)
    photo_add_manual_tags(photo=photo, names=("dog",))
    PhotoTally.objects.filter(owner=owner, kind=Kind.TAG).update(photos=7)
    PhotoTally.objects.create(owner=owner, month=photo.uploaded_at.date(), kind=Kind.CAMERA, key="Ghost\tCam", photos=2)
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "olivia: camera tallies, tag tallies" in out.getvalue() and "sam" not in out.getvalue()
    assert PhotoTally.objects.of(owner).sums(Kind.TAG) != {str(photo.photo_tags.get().tag_id): 1}  # reported only
    call_command("recount", "--fix", stdout=io.StringIO())
    assert PhotoTally.objects.of(owner).sums(Kind.TAG) == {str(photo.photo_tags.get().tag_id): 1}
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert out.getvalue().strip() == "No drift."


def test_edits_in_the_admin_keep_the_tallies(admin_client, owner, owner_client, add_photos):
    kept, removed = add_photos(owner, 2)
    dog = Tag.objects.create(name="dog")
    added = admin_client.post(
        "/admin/analysis/phototag/add/", {"photo": kept.pk, "tag": dog.pk, "source": "manual", "confidence": 90}
    )
    assert added.status_code == 302
    assert tags_page(owner_client) == [("dog", 1)]
    link = PhotoTag.objects.get(photo=kept)
    assert admin_client.post(f"/admin/analysis/phototag/{link.pk}/delete/", {"post": "yes"}).status_code == 302
    assert tags_page(owner_client) == []
    assert admin_client.post(f"/admin/gallery/photo/{removed.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Photo.objects.filter(pk=removed.pk).exists()
    assert PhotoTally.objects.of(owner).sums(Kind.UPLOADED) == {"": 1}
    assert_kept_right(owner)
