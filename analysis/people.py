"""Faces and people: what a tagger found, grouped into people, corrected by their owner.

Everything here is per user: a face is only ever compared with faces of the same owner's
photos. Faces described by the local models join the person whose mean description (centroid)
is nearest, within PICTURA_FACE_MATCH_DISTANCE; faces indexed by Rekognition join the person of
the most similar face Rekognition finds among the owner's. People the owner named or hid, and
faces the owner placed, are never moved by Pictura.
"""
import io
import logging
import uuid
from collections.abc import Callable, Iterable

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from gallery.models import Photo
from gallery.services import STORAGE_ERRORS, StorageUnavailable, delete_stored_quietly, rendition_key, typed_file
from pictura.tasks import enqueue_after_commit

from . import tallies
from .faces import Face as FoundFace
from .faces import face_crop
from .models import Face, Person, PhotoTally
from .taggers import TaggerError, TaggerUnavailable, get_tagger

logger = logging.getLogger(__name__)
PERSON_TALLY = {PhotoTally.Kind.PERSON}


# --- Recording what a tagger found -------------------------------------------------------------

def store_face_crops(photo: Photo, found: list[FoundFace]) -> list[str]:
    """Store a square crop of each face, from the photo's preview; returns their names.
    Raises StorageUnavailable (nothing is left stored then)."""
    if not found:
        return []
    names = []
    try:
        with photo.preview.open("rb") as preview:
            image = Image.open(io.BytesIO(preview.read())).convert("RGB")
        for face in found:
            key = rendition_key(photo, f"face-{uuid.uuid4().hex[:12]}")
            names.append(default_storage.save(key, typed_file(ContentFile(face_crop(image, face.box)), "image/jpeg")))
    except STORAGE_ERRORS as exc:
        discard_stored(names)
        raise StorageUnavailable(str(exc)) from exc
    return names


def discard_stored(names: Iterable[str]) -> None:
    for name in names:
        delete_stored_quietly(name)


def photo_replace_faces(
    *, photo: Photo, source: str, found: list[FoundFace], crops: list[str], similar: dict | None = None
) -> list[Face]:
    """Replace the photo's faces with those just found (crops stored by store_face_crops) and
    group the new ones. Run inside the transaction that records the analysis; the earlier
    faces' files and Rekognition ids are let go once it commits.

    A face the owner had placed keeps its person when it is found again in the same place.
    Nothing is kept when the owner turned face recognition off meanwhile."""
    if not found and not photo.faces.exists():
        return []  # most photos: nothing to record, no need to wait for the owner's other work
    with tallies.tracking([photo.pk], PERSON_TALLY):
        return _replace_faces(photo, source, found, crops, similar)


def _replace_faces(photo, source, found, crops, similar) -> list[Face]:
    recognition_on = lock_people_of(photo.owner_id)
    earlier = list(photo.faces.select_related("person"))
    if not recognition_on:  # turned off while the tagger was at work
        discard_stored(crops)
        found, crops = [], []
    faces = [
        Face(
            photo=photo, source=source, crop=crop,
            left=face.box[0], top=face.box[1], width=face.box[2], height=face.box[3],
            confidence=face.confidence, size=face.size, sharpness=face.sharpness,
            groupable=face.groupable and bool(face.embedding or face.face_id),
            embedding=np.asarray(face.embedding, dtype=np.float32).tobytes() if face.embedding else None,
            rekognition_face_id=face.face_id,
        )
        for face, crop in zip(found, crops, strict=True)
    ]
    for face in faces:
        placed = next((old for old in earlier if old.placed_by_owner and overlap(old, face) > 0.5), None)
        if placed:
            face.person, face.placed_by_owner = placed.person, True
    Face.objects.filter(pk__in=[face.pk for face in earlier]).delete()
    Face.objects.bulk_create(faces)
    grouper = FaceGrouper(photo.owner_id, similar=similar or {})
    for face in faces:
        if face.person is None and face.groupable:
            grouper.place(face)
    grouper.save()
    refresh_people({old.person_id for old in earlier if old.person_id})
    transaction.on_commit(lambda: _let_go(earlier))
    return faces


def overlap(first: Face, second: Face) -> float:
    """Intersection over union of two faces' boxes."""
    width = min(first.left + first.width, second.left + second.width) - max(first.left, second.left)
    height = min(first.top + first.height, second.top + second.height) - max(first.top, second.top)
    if width <= 0 or height <= 0:
        return 0.0
    shared = width * height
    return shared / (first.width * first.height + second.width * second.height - shared)


def _let_go(faces: Iterable[Face]) -> None:
    """After their rows are gone: delete faces' crops and Rekognition ids, logging failures."""
    faces = list(faces)
    discard_stored(face.crop.name for face in faces if face.crop)
    face_ids = [face.rekognition_face_id for face in faces if face.rekognition_face_id]
    if face_ids:
        try:
            get_tagger("rekognition").forget_faces(face_ids)
        except Exception:
            logger.exception("Could not delete %d faces from the Rekognition collection", len(face_ids))


def photos_of(person: Person) -> list[int]:
    return list(person.faces.values_list("photo_id", flat=True))


def lock_people_of(owner_id: int) -> bool:
    """Hold the owner's row until the transaction ends, so that one writer at a time changes
    their faces and people (a worker grouping, the owner merging); returns whether the owner
    has face recognition on."""
    return get_user_model().objects.select_for_update().filter(pk=owner_id).values_list("face_recognition", flat=True).get()


# --- Grouping ---------------------------------------------------------------------------------

def _vector(data) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float32)


class FaceGrouper:
    """Places one owner's faces in people, one face at a time; ``save()`` writes the result.

    ``similar`` maps a Rekognition face id to {other face id: similarity} from search_faces."""

    def __init__(self, owner_id: int, *, similar: dict | None = None):
        self.owner_id = owner_id
        self.similar = similar or {}
        self.threshold = settings.PICTURA_FACE_MATCH_DISTANCE
        people = list(Person.objects.filter(owner_id=owner_id, centroid__isnull=False).only("centroid", "centroid_faces"))
        self.people = people
        self.centroids = np.stack([_vector(p.centroid) for p in people]) if people else None
        self.weights = [p.centroid_faces for p in people]
        self.placed: list[Face] = []
        # The people of the owner's faces that Rekognition found similar, looked up at once.
        similar_ids = {face_id for matches in self.similar.values() for face_id in matches}
        self.people_of_face_ids = {
            face.rekognition_face_id: face.person
            for face in Face.objects.filter(
                photo__owner_id=owner_id, rekognition_face_id__in=similar_ids, person__isnull=False
            ).select_related("person")
        } if similar_ids else {}

    def place(self, face: Face) -> Person:
        if face.embedding is not None:
            person = self._nearest_by_description(_vector(face.embedding))
        else:
            person = self._most_similar_in_collection(face.rekognition_face_id)
        face.person = person
        self.placed.append(face)
        return person

    def _nearest_by_description(self, embedding: np.ndarray) -> Person:
        if self.centroids is not None:
            distances = np.linalg.norm(self.centroids - embedding, axis=1)
            nearest = int(distances.argmin())
            if distances[nearest] < self.threshold:
                weight = self.weights[nearest]
                self.centroids[nearest] = (self.centroids[nearest] * weight + embedding) / (weight + 1)
                self.weights[nearest] = weight + 1
                return self.people[nearest]
        person = Person.objects.create(owner_id=self.owner_id, centroid=embedding.tobytes(), centroid_faces=1)
        self.people.append(person)
        self.centroids = embedding[None, :].copy() if self.centroids is None else np.vstack([self.centroids, embedding])
        self.weights.append(1)
        return person

    def _most_similar_in_collection(self, face_id: str) -> Person:
        matches = self.similar.get(face_id, {})
        grouped = {other: self.people_of_face_ids[other] for other in matches if other in self.people_of_face_ids}
        grouped |= {face.rekognition_face_id: face.person for face in self.placed if face.rekognition_face_id in matches}
        if grouped:
            return grouped[max(grouped, key=lambda other: matches[other])]
        return Person.objects.create(owner_id=self.owner_id)

    def save(self) -> None:
        changed = []
        for person, centroid, weight in zip(self.people, self.centroids if self.people else [], self.weights, strict=True):
            if weight != person.centroid_faces:
                person.centroid, person.centroid_faces = centroid.tobytes(), weight
                changed.append(person)
        Person.objects.bulk_update(changed, ["centroid", "centroid_faces"], batch_size=500)
        Face.objects.bulk_update(self.placed, ["person"], batch_size=500)
        self.placed = []


def refresh_people(person_ids) -> None:
    """Recompute the centroid of each person from their faces; forget unnamed, unhidden
    people left without any."""
    for person in Person.objects.filter(pk__in=list(person_ids)):
        described = person.faces.filter(groupable=True).exclude(embedding=None)
        embeddings = [_vector(e) for e in described.values_list("embedding", flat=True)]
        if not embeddings and not person.decided_by_owner and not person.faces.exists():
            person.delete()
            continue
        person.centroid = np.mean(embeddings, axis=0).astype(np.float32).tobytes() if embeddings else None
        person.centroid_faces = len(embeddings)
        person.save(update_fields=["centroid", "centroid_faces"])


def people_regroup(owner, *, batch: int = 500, progress: Callable[[int, int], None] | None = None) -> int:
    """Regroup the owner's faces from scratch, except people the owner named or hid and faces
    the owner placed; returns how many faces were placed. Resumable: the faces are first all
    set loose in one transaction, then placed batch by batch, each batch committed, so an
    interrupted run goes on with the faces still loose."""
    faces = Face.objects.of(owner)
    with tallies.tracking(faces.regroupable().values_list("photo_id", flat=True), PERSON_TALLY):
        lock_people_of(owner.pk)
        loosened = list(faces.regroupable().values_list("person_id", flat=True).distinct())
        faces.regroupable().update(person=None)
        # A person keeps the faces the owner placed in them, so is kept with them.
        Person.objects.filter(pk__in=loosened, faces__isnull=True).delete()
        refresh_people(Person.objects.filter(pk__in=loosened).values_list("pk", flat=True))
    # The faces to place are listed once and fetched by key: asking again for "the next loose
    # faces" per batch makes PostgreSQL scan them all each time (bench/people.py).
    waiting = list(faces.waiting_for_a_person().order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(waiting), batch):
        chunk = list(
            Face.objects.filter(pk__in=waiting[start : start + batch]).only("pk", "photo_id", "embedding", "rekognition_face_id")
        )
        similar = similar_faces([face.rekognition_face_id for face in chunk if face.rekognition_face_id])
        with tallies.tracking([face.photo_id for face in chunk], PERSON_TALLY):
            lock_people_of(owner.pk)
            grouper = FaceGrouper(owner.pk, similar=similar)
            for face in chunk:
                grouper.place(face)
            grouper.save()
        done += len(chunk)
        if progress:
            progress(done, len(waiting))
    return done


def similar_faces(face_ids: list[str]) -> dict:
    """{face id: {similar face id: similarity}} from Rekognition's collection, for grouping."""
    if not face_ids:
        return {}
    collection = get_tagger("rekognition")
    return {face_id: collection.similar_faces(face_id) for face_id in face_ids}


# --- The owner's corrections ---------------------------------------------------------------------

def person_named(owner, name: str) -> Person | None:
    return Person.objects.of(owner).filter(name__iexact=name).order_by("pk").first()


def person_rename(*, person: Person, name: str) -> Person:
    """Name (or rename) a person. A name the owner already gave someone else means the same
    person: the two are merged, and the one that had the name is returned."""
    with tallies.tracking(photos_of(person), PERSON_TALLY):
        return _rename(person, name)


def _rename(person: Person, name: str) -> Person:
    lock_people_of(person.owner_id)
    name = " ".join(name.split())[:100]
    same = person_named(person.owner, name) if name else None
    if same and same.pk != person.pk:
        return person_merge(source=person, target=same)
    person.name = name
    person.save(update_fields=["name"])
    return person


def person_merge(*, source: Person, target: Person) -> Person:
    """Move all of ``source``'s faces to ``target`` and delete ``source``."""
    if source.owner_id != target.owner_id:
        raise ValueError("People of different owners are never merged.")
    if source.pk == target.pk:
        return target
    with tallies.tracking(photos_of(source), PERSON_TALLY):
        return _merge(source, target)


def _merge(source: Person, target: Person) -> Person:
    lock_people_of(source.owner_id)
    source.faces.update(person=target)
    if target.hidden and not source.hidden:
        target.hidden = False  # the owner meant to see this person
        target.save(update_fields=["hidden"])
    source.delete()
    refresh_people([target.pk])
    return target


def person_set_hidden(*, person: Person, hidden: bool) -> None:
    person.hidden = hidden
    person.save(update_fields=["hidden"])


def face_move(*, face: Face, to: Person | None = None, name: str = "") -> Person:
    """"Not this person": the face leaves its person for ``to``, for the person the owner
    calls ``name``, or for a new person of its own; Pictura never moves it back."""
    with tallies.tracking([face.photo_id], PERSON_TALLY):
        return _move(face, to, name)


def _move(face: Face, to: Person | None, name: str) -> Person:
    owner = face.photo.owner
    lock_people_of(owner.pk)
    target = to or (person_named(owner, name) if name else None) or Person.objects.create(owner=owner, name=name)
    if target.owner_id != owner.pk:
        raise ValueError("A face only moves between its owner's people.")
    previous = face.person_id
    face.person, face.placed_by_owner = target, True
    face.save(update_fields=["person", "placed_by_owner"])
    refresh_people({target.pk, previous} - {None})
    return target


@transaction.atomic
def face_name(*, face: Face, name: str) -> Person:
    """The owner says whose face this is. Naming a face of an unnamed group names the group
    (or merges it into the person who has that name); otherwise the face moves to that name."""
    name = " ".join(name.split())[:100]
    if face.person and not face.person.name:
        face.placed_by_owner = True
        face.save(update_fields=["placed_by_owner"])
        return person_rename(person=face.person, name=name)
    return face_move(face=face, name=name)


# --- Privacy --------------------------------------------------------------------------------------

def user_set_face_recognition(*, user, enabled: bool) -> None:
    """Turn face recognition on or off for the user. Off deletes every face, crop, description
    and Rekognition id of theirs (in a task; the sweeper finishes what it could not). On, their
    photos are analysed again to find faces."""
    from .services import photos_mark_for_analysis  # services import this module
    from .tasks import forget_faces_of

    # The switch commits first, on its own: analyses being recorded meanwhile lock their
    # analysis, then this row; holding this row while marking analyses could deadlock with them.
    get_user_model().objects.filter(pk=user.pk).update(face_recognition=enabled)
    user.face_recognition = enabled
    if enabled:
        photo_ids = list(Photo.objects.visible_to(user).values_list("pk", flat=True))
        photos_mark_for_analysis(photo_ids, due_now=True)
    else:
        enqueue_after_commit(forget_faces_of, user.pk)


def faces_forget(faces, *, batch: int = 500) -> int:
    """Delete the faces of the queryset for good: crops and Rekognition ids first, then the rows,
    and the people left without faces. Storage refusing leaves the rest for the next try.
    Returns how many faces were deleted."""
    deleted = 0
    while chunk := list(faces.select_related("person", "photo")[:batch]):
        names = [face.crop.name for face in chunk if face.crop]
        try:
            for name in names:
                default_storage.delete(name)
        except STORAGE_ERRORS as exc:
            raise StorageUnavailable(str(exc)) from exc
        face_ids = [face.rekognition_face_id for face in chunk if face.rekognition_face_id]
        try:
            if face_ids:
                get_tagger("rekognition").forget_faces(face_ids)
        except (TaggerError, TaggerUnavailable) as exc:
            raise StorageUnavailable(str(exc)) from exc
        with tallies.tracking([face.photo_id for face in chunk], PERSON_TALLY):
            for owner_id in sorted({face.photo.owner_id for face in chunk}):
                lock_people_of(owner_id)
            Face.objects.filter(pk__in=[face.pk for face in chunk]).delete()
            refresh_people({face.person_id for face in chunk if face.person_id})
        deleted += len(chunk)
    return deleted


def user_forget_faces(user_id: int) -> int:
    """Everything face-related of a user who turned recognition off (or is being deleted)."""
    deleted = faces_forget(Face.objects.filter(photo__owner_id=user_id))
    Person.objects.filter(owner_id=user_id).delete()
    return deleted


def forget_faces_of_users_without_recognition() -> int:
    """The sweeper's part for privacy: faces left behind by a deletion that failed midway."""
    users = get_user_model().objects.filter(face_recognition=False)
    leftover = set(Face.objects.filter(photo__owner__in=users).values_list("photo__owner_id", flat=True).distinct())
    leftover |= set(Person.objects.filter(owner__in=users).values_list("owner_id", flat=True).distinct())
    return sum(user_forget_faces(user_id) for user_id in sorted(leftover))


def photo_forget_faces(photo: Photo) -> None:
    """Before a photo is deleted for good: its faces' crops and Rekognition ids go with it.
    Raises StorageUnavailable, which keeps the photo for another try."""
    faces_forget(Face.objects.filter(photo=photo))
