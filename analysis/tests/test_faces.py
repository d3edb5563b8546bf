"""Faces found by dlib's models on real photos of five people (../shared/faces/)."""
import itertools

import pytest
from PIL import Image, ImageOps
from skimage import data as samples

from analysis.faces import FaceFinder, distance
from pictura.testing.images import SHARED_FACES, needs_shared_faces

pytestmark = [pytest.mark.slow, needs_shared_faces]  # loads the models, reads real photos


@pytest.fixture(scope="module")
def finder():
    return FaceFinder()


@pytest.fixture(scope="module")
def main_faces(finder):
    """{(person, file): the largest face, described}, as the tagger sees a 1600 px preview."""
    faces = {}
    for path in sorted(SHARED_FACES.glob("*/*.jpg")):
        image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        image.thumbnail((1600, 1600))
        found = finder.find(image, describe=True)
        faces[path.parent.name, path.name] = found[0] if found else None
    return faces


def test_each_photo_s_main_face_is_found_and_sure(main_faces):
    assert len(main_faces) == 11
    missing = [key for key, face in main_faces.items() if face is None]
    assert missing == []
    assert all(face.confidence > 95 and face.size >= 100 for face in main_faces.values())
    left, top, width, height = main_faces["obama", "1.jpg"].box
    assert 0 <= left < left + width <= 1 and 0 <= top < top + height <= 1


def test_the_same_person_is_near_and_different_people_are_far(main_faces):
    same, different = [], []
    for (first, a), (second, b) in itertools.combinations(main_faces.items(), 2):
        (same if first[0] == second[0] else different).append(distance(a, b))
    assert len(same) == 1 + 1 + 6 + 1  # pairs within biden, kit_harington, obama (4 photos), rose_leslie
    # Measured 2026-12-01: at most 0.44 within a person, at least 0.78 between people.
    assert max(same) < 0.55 < 0.65 < min(different)
    assert all(len(face.embedding) == 128 for face in main_faces.values())


@pytest.mark.parametrize("sample", ["chelsea", "coffee", "rocket"])
def test_no_faces_in_photos_without_people(finder, sample):
    assert finder.find(Image.fromarray(getattr(samples, sample)()).convert("RGB")) == []


@pytest.mark.django_db
@pytest.mark.analyse_uploads
def test_uploaded_photos_of_five_people_group_into_five_people(owner, ingest, media_root):
    """Through upload, renditions and the local tagger: each folder one person, no mixing."""
    from analysis.models import Face, Person

    folder_of = {}
    for path in sorted(SHARED_FACES.glob("*/*.jpg")):
        photo = ingest(owner, f"{path.parent.name}-{path.name}", path.read_bytes())
        folder_of[photo.pk] = path.parent.name
    main_faces = [
        Face.objects.filter(photo_id=pk).order_by("-size").select_related("person").first() for pk in folder_of
    ]
    assert all(face and face.groupable and face.crop for face in main_faces)
    folders_of_person = {}
    for face in main_faces:
        folders_of_person.setdefault(face.person_id, set()).add(folder_of[face.photo_id])
    assert sorted(map(sorted, folders_of_person.values())) == [[name] for name in sorted(set(folder_of.values()))]
    assert Person.objects.of(owner).count() >= 5
