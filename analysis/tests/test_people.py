"""People: faces grouped per owner, the owner's corrections, the pages, search and privacy.

Faces here carry made-up descriptions (points in 128 dimensions, near each other for the same
person) through the same services the taggers' results go through, crops and all; the real
models on real faces are in test_faces.py.
"""
import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from albums.models import ShareLink
from analysis import people, tallies
from analysis.faces import Face as FoundFace
from analysis.models import Face, Person, PhotoAnalysis
from pictura.testing.factories import files_under

pytestmark = pytest.mark.django_db

RANDOM = np.random.default_rng(12)
# Two people whose descriptions are a unit apart, as different people's are in dlib's space.
ANNA, BEN = (RANDOM.normal(size=128) for _ in range(2))
ANNA, BEN = ANNA / np.linalg.norm(ANNA) * 0.7, BEN / np.linalg.norm(BEN) * 0.7


def seen(who, *, left=0.1, size=200, sharpness=80.0) -> FoundFace:
    """A face of ``who`` as the local tagger reports it: a little different every time."""
    jitter = RANDOM.normal(size=128)
    return FoundFace(
        box=(left, 0.1, 0.2, 0.3), confidence=99.0, size=size, sharpness=sharpness,
        embedding=tuple(who + jitter / np.linalg.norm(jitter) * 0.15),
    )


def record(photo, *found):
    """What analysing the photo records, through the same services."""
    crops = people.store_face_crops(photo, list(found))
    with transaction.atomic():
        return people.photo_replace_faces(photo=photo, source="local", found=list(found), crops=crops)


def members(user):
    """{person's pk: sorted photo pks}, of every person of the user's."""
    return {
        person.pk: sorted(person.faces.values_list("photo_id", flat=True))
        for person in Person.objects.of(user)
    }


@pytest.fixture
def photos(owner, add_photos):
    return add_photos(owner, 5)


@pytest.fixture
def grouped(photos):
    """Anna on photos 0-2, Ben on 3 and 4, and both on photo 2."""
    for photo in photos[:2]:
        record(photo, seen(ANNA))
    record(photos[2], seen(ANNA), seen(BEN, left=0.6))
    for photo in photos[3:]:
        record(photo, seen(BEN))
    anna = Face.objects.get(photo=photos[0]).person
    ben = Face.objects.get(photo=photos[3]).person
    return anna, ben


# --- Grouping -----------------------------------------------------------------------------------

def test_the_same_face_joins_one_person_and_different_faces_another(owner, photos, grouped, media_root):
    anna, ben = grouped
    p = [photo.pk for photo in photos]
    assert members(owner) == {anna.pk: p[:3], ben.pk: p[2:]}
    assert anna.name == ben.name == ""
    assert anna.centroid_faces == 3 and ben.centroid_faces == 3
    # Each face has its square crop in storage, under the photo's renditions.
    crops = [face.crop.name for face in Face.objects.all()]
    assert len(crops) == 6 and set(crops) <= set(files_under(media_root))


def test_faces_are_never_grouped_across_users(owner, stranger, photos, grouped, add_photos):
    theirs = add_photos(stranger, 1)[0]
    record(theirs, seen(ANNA))
    face = Face.objects.get(photo=theirs)
    assert face.person.owner == stranger and face.person not in grouped
    assert Person.objects.of(owner).count() == 2


def test_tiny_and_blurred_faces_are_kept_but_not_grouped(owner, photos):
    record(photos[0], seen(ANNA, size=30), seen(ANNA, left=0.5, sharpness=5))
    assert [(face.groupable, face.person) for face in Face.objects.all()] == [(False, None), (False, None)]
    assert not Person.objects.exists()


def test_analysing_again_replaces_the_faces_and_keeps_what_the_owner_placed(owner, photos, grouped, after_commit, media_root):
    anna, ben = grouped
    face = Face.objects.get(photo=photos[0])
    people.face_move(face=face, name="Carla")  # the owner knows better
    old_crops = set(Face.objects.filter(photo=photos[0]).values_list("crop", flat=True))
    with after_commit():
        record(photos[0], seen(ANNA))  # found again, in the same place
    again = Face.objects.get(photo=photos[0])
    assert again.pk != face.pk and (again.person.name, again.placed_by_owner) == ("Carla", True)
    assert not old_crops & set(files_under(media_root))  # the old crop is gone


def test_regrouping_keeps_named_people_and_the_owner_s_placements_and_can_resume(owner, photos, grouped, settings):
    anna, ben = grouped
    people.person_rename(person=anna, name="Anna")
    moved = Face.objects.get(photo=photos[4])
    people.face_move(face=moved)  # "not this person": a new person of its own
    loner = moved.person

    # An interrupted run (after its first batch) leaves the rest loose; running again finishes.
    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        people.people_regroup(owner, batch=1, progress=interrupt)
    call_command("people", "--regroup", "--user", owner.username, stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))

    p = [photo.pk for photo in photos]
    groups = members(owner)
    assert groups[anna.pk] == p[:3]  # named: untouched
    assert p[4] in groups[loner.pk]  # placed by the owner: stays
    # Ben's other faces are together again: with the face set apart (it is Ben's) or anew.
    assert [group for group in groups.values() if p[3] in group] == [[p[2], p[3], *([p[4]] if p[3] in groups[loner.pk] else [])]]
    assert not Face.objects.waiting_for_a_person().exists()


def test_a_tighter_threshold_splits_on_regrouping(owner, photos, grouped, settings):
    settings.PICTURA_FACE_MATCH_DISTANCE = 0.01
    people.people_regroup(owner)
    assert Person.objects.of(owner).count() == 6  # everyone alone


# --- The owner's corrections -------------------------------------------------------------------

def test_rename_merge_hide_and_move_through_the_pages(owner_client, owner, photos, grouped):
    anna, ben = grouped
    response = owner_client.post(reverse("analysis:person_rename", args=[anna.pk]), {"name": "  Anna   Ruiz "})
    assert response.url == anna.get_absolute_url()
    anna.refresh_from_db()
    assert anna.name == "Anna Ruiz"

    # Naming Ben "anna ruiz" too says they are the same person: merged into the one named first.
    response = owner_client.post(reverse("analysis:person_rename", args=[ben.pk]), {"name": "anna ruiz"})
    assert response.url == anna.get_absolute_url() and not Person.objects.filter(pk=ben.pk).exists()
    assert Face.objects.filter(person=anna).count() == 6

    # A face that is not Anna's: to a new person, then named from the photo page.
    face = Face.objects.get(photo=photos[4])
    owner_client.post(reverse("analysis:face_move", args=[face.pk]), {"to": "", "next": "/people/"})
    face.refresh_from_db()
    assert face.person != anna and face.person.name == "" and face.placed_by_owner
    owner_client.post(reverse("analysis:face_name", args=[face.pk]), {"name": "Ben"})
    face.refresh_from_db()
    ben = face.person
    assert ben.name == "Ben"

    # Merge Ben into Anna, then hide her.
    owner_client.post(reverse("analysis:person_merge", args=[ben.pk]), {"into": anna.pk})
    assert set(Face.objects.values_list("person", flat=True)) == {anna.pk}
    owner_client.post(reverse("analysis:person_hide", args=[anna.pk]), {"hidden": "1"})
    anna.refresh_from_db()
    assert anna.hidden
    page = owner_client.get(reverse("analysis:people")).content.decode()
    assert anna.get_absolute_url() not in page and "Hidden (1)" in page


def test_a_face_moves_only_between_its_owner_s_people(owner_client, stranger, photos, grouped, add_photos):
    theirs = add_photos(stranger, 1)[0]
    record(theirs, seen(BEN))
    stranger_person = Face.objects.get(photo=theirs).person
    people.person_rename(person=stranger_person, name="Ben")
    face = Face.objects.get(photo=photos[0])
    response = owner_client.post(reverse("analysis:face_move", args=[face.pk]), {"to": stranger_person.pk})
    assert response.status_code == 302
    face.refresh_from_db()
    assert face.person == grouped[0]  # refused: not one of the owner's choices
    with pytest.raises(ValueError):
        people.person_merge(source=grouped[0], target=stranger_person)


# --- Pages -----------------------------------------------------------------------------------

def test_people_page_named_first_then_unnamed_biggest_first(owner_client, photos, grouped):
    anna, ben = grouped
    people.person_rename(person=ben, name="Ben")
    page = owner_client.get(reverse("analysis:people")).content.decode()
    assert page.index("Ben") < page.index("Not named yet") < page.index(anna.get_absolute_url())
    assert reverse("analysis:face_crop", args=[Face.objects.filter(person=ben).order_by("-sharpness", "pk")[0].pk]) in page


def test_person_page_lists_their_photos_and_the_photo_page_draws_their_faces(owner_client, photos, grouped):
    anna, ben = grouped
    people.person_rename(person=ben, name="Ben")
    page = owner_client.get(ben.get_absolute_url()).content.decode()
    assert "3 photos" in page
    for photo in photos[2:]:
        assert photo.get_absolute_url() in page
    assert photos[0].get_absolute_url() not in page

    page = owner_client.get(photos[2].get_absolute_url()).content.decode()
    assert page.count("<rect ") == 2 and ben.get_absolute_url() in page and anna.get_absolute_url() in page
    assert ">Ben</a>" in page and ">Ben</text>" in page and "Unnamed" in page

    faces_page = owner_client.get(reverse("analysis:person_faces", args=[ben.pk])).content.decode()
    assert faces_page.count('class="face-item"') == 3


def test_faces_of_photos_in_the_trash_are_not_shown(owner_client, owner, photos, grouped):
    anna, ben = grouped
    for photo in photos[3:]:
        photo.move_to_trash()
    response = owner_client.get(reverse("analysis:people"))
    assert [person.photo_count for person in Person.objects.of(owner).with_photos()] == [3, 1]
    trashed_face = Face.objects.filter(photo=photos[4]).get()
    assert owner_client.get(reverse("analysis:face_crop", args=[trashed_face.pk])).status_code == 404
    assert response.status_code == 200


def test_a_stranger_gets_404_for_people_faces_and_crops(stranger_client, photos, grouped):
    anna, _ = grouped
    face = Face.objects.filter(person=anna).first()
    for url in [
        reverse("analysis:person", args=[anna.pk]),
        reverse("analysis:person_faces", args=[anna.pk]),
        reverse("analysis:face_crop", args=[face.pk]),
    ]:
        assert stranger_client.get(url).status_code == 404, url
    for url, data in [
        (reverse("analysis:person_rename", args=[anna.pk]), {"name": "Mine"}),
        (reverse("analysis:person_merge", args=[anna.pk]), {"into": anna.pk}),
        (reverse("analysis:person_hide", args=[anna.pk]), {"hidden": "1"}),
        (reverse("analysis:face_name", args=[face.pk]), {"name": "Mine"}),
        (reverse("analysis:face_move", args=[face.pk]), {"to": ""}),
    ]:
        assert stranger_client.post(url, data).status_code == 404, url
    anna.refresh_from_db()
    assert (anna.name, anna.hidden, Face.objects.filter(person=anna).count()) == ("", False, 3)
    assert "No people yet" in stranger_client.get(reverse("analysis:people")).content.decode()


def test_the_owner_gets_the_crop(owner_client, photos, grouped):
    face = Face.objects.first()
    response = owner_client.get(reverse("analysis:face_crop", args=[face.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_share_links_never_show_faces_or_names(client, owner, photos, grouped):
    people.person_rename(person=grouped[1], name="Ben Ortiz")
    link = ShareLink.objects.create(owner=owner, photo=photos[2])
    page = client.get(link.get_absolute_url()).content.decode()
    assert "Ben Ortiz" not in page and "face" not in page.lower() and "<rect" not in page


# --- Search ------------------------------------------------------------------------------------

def test_a_name_in_the_header_search_finds_their_photos(owner_client, photos, grouped):
    people.person_rename(person=grouped[1], name="Ben Ortiz")
    page = owner_client.get(reverse("analysis:search"), {"q": "ortiz"}).content.decode()
    assert "3 photos found" in page
    people.person_set_hidden(person=grouped[1], hidden=True)
    page = owner_client.get(reverse("analysis:search"), {"q": "ortiz"}).content.decode()
    assert "No photos match" in page


def test_the_people_filter_wants_all_of_them(owner_client, photos, grouped):
    anna, ben = grouped
    people.person_rename(person=anna, name="Anna")
    people.person_rename(person=ben, name="Ben")
    page = owner_client.get(reverse("analysis:search"), {"people": [anna.pk]}).content.decode()
    assert "3 photos found" in page
    page = owner_client.get(reverse("analysis:search"), {"people": [anna.pk, ben.pk]}).content.decode()
    assert "1 photo found" in page and photos[2].get_absolute_url() in page


def test_no_people_filter_before_anyone_is_named(owner_client, photos, grouped):
    page = owner_client.get(reverse("analysis:search")).content.decode()
    assert 'name="people"' not in page


# --- Privacy -------------------------------------------------------------------------------------

def test_turning_face_recognition_off_deletes_every_face_crop_and_person(owner_client, owner, photos, grouped, media_root):
    crops = set(Face.objects.values_list("crop", flat=True))
    assert crops <= set(files_under(media_root))
    page = owner_client.get(reverse("accounts:profile")).content.decode()
    assert "6 faces" in page and "biometric" in page

    response = owner_client.post(reverse("accounts:face_recognition"), {"enabled": "0"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert not owner.face_recognition
    assert not Face.objects.exists() and not Person.objects.exists()
    assert not crops & set(files_under(media_root))
    assert "Face recognition is off" in owner_client.get(reverse("analysis:people")).content.decode()

    # Off, what the tagger finds is not kept, crops included.
    record(photos[0], seen(ANNA))
    assert not Face.objects.exists()
    assert not [name for name in files_under(media_root) if "/face-" in name]


def test_deleting_a_user_deletes_their_face_crops(owner, photos, grouped, media_root):
    assert [name for name in files_under(media_root) if "/face-" in name]
    owner.delete()
    assert not [name for name in files_under(media_root) if "/face-" in name]
    assert not Face.objects.exists() and not Person.objects.exists()


def test_turning_it_on_again_looks_at_every_photo_again(owner_client, owner, photos):
    owner.face_recognition = False
    owner.save()
    PhotoAnalysis.objects.all().delete()
    owner_client.post(reverse("accounts:face_recognition"), {"enabled": "1"})
    owner.refresh_from_db()
    assert owner.face_recognition
    due = PhotoAnalysis.objects.due()
    assert sorted(due.values_list("photo_id", flat=True)) == sorted(photo.pk for photo in photos)


def test_the_sweeper_finishes_a_deletion_that_failed(owner, stranger, photos, grouped, media_root, add_photos):
    record(add_photos(stranger, 1)[0], seen(ANNA))
    type(owner).objects.filter(pk=owner.pk).update(face_recognition=False)  # as if the task was lost
    call_command("sweep", stdout=open("/dev/null", "w"))
    assert not Face.objects.of(owner).exists() and not Person.objects.of(owner).exists()
    # A name left without faces is personal data too.
    Person.objects.create(owner=owner, name="Left behind")
    call_command("sweep", stdout=open("/dev/null", "w"))
    assert not Person.objects.of(owner).exists()
    assert Face.objects.of(stranger).count() == Person.objects.of(stranger).count() == 1  # theirs stay


def test_deleting_a_photo_for_good_deletes_its_faces_and_crops(owner_client, owner, photos, grouped, media_root):
    anna, ben = grouped
    crops = set(Face.objects.filter(photo=photos[4]).values_list("crop", flat=True))
    photos[4].move_to_trash()
    owner_client.post(reverse("gallery:trash_delete", args=[photos[4].pk]))
    assert not Face.objects.filter(photo_id=photos[4].pk).exists()
    assert not crops & set(files_under(media_root))
    ben.refresh_from_db()
    assert ben.centroid_faces == 2  # recomputed from the faces left


def test_the_tallies_of_people_follow_grouping_and_every_correction(owner_client, owner, photos, grouped, media_root):
    anna, ben = grouped

    def kept_right():
        assert tallies.recount(owner.pk, fix=False) == []

    kept_right()
    people.person_rename(person=anna, name="Anna")
    kept_right()
    carl = people.face_move(face=Face.objects.get(photo=photos[2], person=ben), name="Carl")
    kept_right()
    people.person_merge(source=carl, target=ben)
    kept_right()
    photos[4].move_to_trash()
    people.people_regroup(owner)
    kept_right()
    people.faces_forget(Face.objects.filter(photo=photos[0]))
    kept_right()
    counts = {p.display_name: p.photo_count for p in owner_client.get(reverse("analysis:people")).context["named"]}
    assert counts == {"Anna": 2}
