"""Photo life cycle: ingest an upload, make its renditions, delete it."""
import hashlib
import io
import logging
import uuid
from dataclasses import asdict, dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from pictura.tasks import attempts_used_up, enqueue_after_commit, requeue_due, wait_deadline

from .imaging import ACCEPTED_FORMATS, CONTENT_TYPES, ImageRejected, inspect_image, render_renditions, without_location
from .models import Library, Photo
from .signals import changing_photos, photo_deleting, renditions_ready

logger = logging.getLogger(__name__)

# What a storage backend raises when it cannot be reached or refuses a request: the local disk
# (OSError) or S3 through boto3.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


class PhotoRejected(Exception):
    """The upload was refused; the message is meant for the user. Nothing was stored."""


class DuplicatePhoto(Exception):
    def __init__(self, existing: Photo):
        if existing.in_trash:
            super().__init__("You have already uploaded this photo; it is in your trash.")
        else:
            super().__init__("You have already uploaded this photo.")
        self.existing = existing


class StorageUnavailable(Exception):
    pass


def original_key(*, owner_id: int, photo_uuid: uuid.UUID, extension: str) -> str:
    return f"photos/{owner_id}/{photo_uuid}.{extension}"


def renditions_folder(*, owner_id: int, photo_uuid: uuid.UUID) -> str:
    """Where everything made from one photo is stored (renditions, faces, watermarked copies)."""
    return f"renditions/{owner_id}/{photo_uuid}"


def rendition_key(photo: Photo, kind: str) -> str:
    return f"{renditions_folder(owner_id=photo.owner_id, photo_uuid=photo.uuid)}/{kind}.jpg"


def shareable_original_key(photo: Photo) -> str:
    extension = photo.original.name.rsplit(".", 1)[-1]
    return f"{renditions_folder(owner_id=photo.owner_id, photo_uuid=photo.uuid)}/original-without-location.{extension}"


def typed_file(content, content_type: str) -> File:
    """``content`` to store with this content type: S3 keeps the type it is given, and would
    otherwise take the one the uploading client claimed."""
    stored = File(content, name=getattr(content, "name", None))
    stored.content_type = content_type
    return stored


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def photo_ingest(*, owner, upload, render_now: bool = False, known: dict | None = None, decoder=None,
                 photo_uuid: uuid.UUID | None = None) -> Photo:
    """Check, store and record one uploaded file; its renditions are queued, or with
    ``render_now`` (imports, uploads already in a task) made from the decode that checks a JPEG
    and stored with it. ``known``: photo fields to fill where the file says nothing (an import's
    sidecar: capture date, title, position). ``decoder``: see ``inspect_image``. ``photo_uuid``:
    the name to store it under, chosen and remembered by a caller that must be able to clean up
    after a process killed between storing and recording (``photo_remove_unrecorded``).

    Raises PhotoRejected (with a message for the user) or DuplicatePhoto. Either way nothing is
    left in storage or in the database. Once the row is saved the photo is kept: its renditions
    are due (``renditions_due_at``) and are made even if the broker cannot be reached now.
    """
    stored = photo_store(owner=owner, upload=upload, render_now=render_now, known=known, decoder=decoder,
                         photo_uuid=photo_uuid)
    [outcome] = photos_record(owner, [stored])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@dataclass
class StoredPhoto:
    """A checked upload whose files are stored and whose row is not saved yet."""

    photo: Photo
    names: list[str]  # in storage: removed if the photo is never recorded


def photo_store(*, owner, upload, render_now: bool = False, known: dict | None = None, decoder=None,
                photo_uuid: uuid.UUID | None = None) -> StoredPhoto:
    """The first half of ``photo_ingest`` (same arguments): check the file and store it, and its
    renditions with ``render_now``. Raises PhotoRejected or DuplicatePhoto, with nothing stored.
    ``photos_record`` then records it, alone or with others."""
    filename = (upload.name or "photo").rsplit("/", 1)[-1][:255]
    # The same bytes as a photo already kept were checked then: found by their hash, they cost
    # no decode (an import run again skips its 50,000 photos at the speed of reading them).
    sha256 = sha256_of(upload)
    existing = Photo.objects.owned_by(owner).filter(sha256=sha256).first()
    if existing:
        raise DuplicatePhoto(existing)
    _check_quota(owner, upload.size)  # before the decode too: a full library costs nothing to refuse
    try:
        facts = inspect_image(upload, size=upload.size, render=render_now, decoder=decoder)
    except ImageRejected as exc:
        raise PhotoRejected(str(exc)) from None

    photo = Photo(
        owner=owner,
        uuid=photo_uuid or uuid.uuid4(),
        original_filename=filename,
        image_format=facts.image_format,
        file_size=upload.size,
        sha256=sha256,
        width=facts.width,
        height=facts.height,
        **asdict(facts.metadata),
    )
    for name, value in (known or {}).items():
        if getattr(photo, name) in (None, "") and value not in (None, ""):
            setattr(photo, name, value)
    photo.sort_at = photo.taken_at or photo.uploaded_at
    key = original_key(owner_id=owner.pk, photo_uuid=photo.uuid, extension=facts.extension)
    stored = []
    try:
        photo.original.name = default_storage.save(key, typed_file(upload, CONTENT_TYPES[facts.image_format]))
        stored.append(photo.original.name)
        if facts.renditions:
            for kind in ("thumbnail", "preview"):
                content = ContentFile(getattr(facts.renditions, kind))
                name = default_storage.save(rendition_key(photo, f"{kind}-{uuid.uuid4().hex[:8]}"),
                                            typed_file(content, "image/jpeg"))
                stored.append(name)
                setattr(photo, kind, name)
            photo.renditions_state, photo.renditions_due_at = Photo.Renditions.READY, None
    except STORAGE_ERRORS as exc:
        for name in stored:
            delete_stored_quietly(name)
        logger.warning("Storage refused %s: %s", key, exc)
        raise PhotoRejected(
            "The photo could not be stored because the storage service is unavailable. "
            "Nothing was saved; please try again in a moment."
        ) from exc
    return StoredPhoto(photo, stored)


def photos_record(owner, batch: list[StoredPhoto]) -> list[Photo | PhotoRejected | DuplicatePhoto]:
    """Save the rows of stored photos, one transaction for the whole batch (an import records
    many at once: one commit, one update of the totals, one queueing of their tagging). Returns
    each one's outcome: its saved photo, or the reason it was not kept, its files removed. A
    batch that cannot be recorded whole (two copies of one file in it, the quota reached by it)
    is recorded one by one."""
    if not batch:
        return []
    if len(batch) > 1:
        try:
            _save_rows(owner, batch)
            return [stored.photo for stored in batch]
        except (IntegrityError, PhotoRejected):
            return [outcome for stored in batch for outcome in photos_record(owner, [stored])]
        except BaseException:
            for stored in batch:
                _forget_files(stored)
            raise
    [stored] = batch
    try:
        _save_rows(owner, batch)
        return [stored.photo]
    except IntegrityError:  # the same content arrived twice at once; the other won
        _forget_files(stored)
        return [DuplicatePhoto(Photo.objects.owned_by(owner).get(sha256=stored.photo.sha256))]
    except PhotoRejected as exc:
        _forget_files(stored)
        return [exc]
    except BaseException:
        _forget_files(stored)
        raise


def _save_rows(owner, batch: list[StoredPhoto]) -> None:
    from .tasks import generate_renditions  # the task module imports this one

    photos = [stored.photo for stored in batch]
    try:
        with transaction.atomic():
            Library.of(owner.pk)
            _check_quota(owner, sum(photo.file_size for photo in photos))  # each passed alone; now all together
            for photo in photos:
                photo.save()
            Library.change(owner.pk, photos=len(photos), bytes=sum(photo.file_size for photo in photos))
            if ready := [photo for photo in photos if photo.renditions_ready]:
                renditions_ready.send(sender=Photo, photos=ready)
            for photo in photos:
                if not photo.renditions_ready:
                    enqueue_after_commit(generate_renditions, photo.pk, due_row=_renditions_row(photo.pk))
    except Exception as exc:
        for photo in photos:  # saved, perhaps, in the transaction that rolled back: not saved
            photo.pk, photo._state.adding = None, True
        if isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError):
            logger.warning("Could not record %s photo(s) of user %s: %s", len(photos), owner.pk, exc)
            raise PhotoRejected(
                "The photo could not be saved because the database is unavailable. "
                "Nothing was kept; please try again in a moment."
            ) from exc
        raise


def _forget_files(stored: StoredPhoto) -> None:
    for name in stored.names:
        delete_stored_quietly(name)


def photo_remove_unrecorded(*, owner_id: int, photo_uuid: uuid.UUID) -> Photo | None:
    """The photo an ingest under this name recorded; if it recorded none (its process was killed
    between storing and recording), whatever it stored is removed and None returned."""
    recorded = Photo.objects.filter(uuid=photo_uuid, owner_id=owner_id).first()
    if recorded is None:
        for extension in ACCEPTED_FORMATS.values():
            delete_stored_quietly(original_key(owner_id=owner_id, photo_uuid=photo_uuid, extension=extension))
        folder = renditions_folder(owner_id=owner_id, photo_uuid=photo_uuid)
        try:
            names = default_storage.listdir(folder)[1]
        except FileNotFoundError:  # the local disk: nothing was stored there
            names = []
        for name in names:
            delete_stored_quietly(f"{folder}/{name}")
    return recorded


def _check_quota(owner, size: int) -> None:
    quota = owner.quota_bytes
    if quota is None:
        return
    used = Library.of(owner.pk).bytes  # the trash counts until emptied
    if used + size > quota:
        raise PhotoRejected(
            f"This photo would take you past the {filesizeformat(quota)} of storage in your "
            f"{owner.get_tier_display()} plan ({filesizeformat(used)} used). Delete photos or "
            "empty the trash to make room."
        )


def photo_generate_renditions(*, photo_id: int) -> None:
    """Make the thumbnail and preview of a photo whose renditions are due. Safe to run twice:
    a photo already done (or deleted) is left alone, and a rerun replaces files.

    Storage errors leave the photo waiting for another try (the sweeper queues it); an
    original that cannot be decoded fails it for good. The photo itself is always kept.
    """
    photo = Photo.objects.claim_renditions(photo_id)
    if photo is None:
        return
    if reason := attempts_used_up(photo.renditions_attempts, photo.renditions_error, doing="processing"):
        photo.renditions_failed(reason)
        return
    try:
        with photo.original.open("rb") as original:
            data = original.read()
    except STORAGE_ERRORS as exc:
        photo.renditions_retry_later(f"Storage unavailable ({exc.__class__.__name__}).")
        return
    try:
        renditions = render_renditions(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - any decoder failure means this original will never render
        logger.exception("Could not render photo %s", photo.pk)
        photo.renditions_failed("The original could not be decoded.")
        return
    names = {}
    replaced = [file.name for file in (photo.thumbnail, photo.preview) if file]
    try:
        for kind, content in (("thumbnail", renditions.thumbnail), ("preview", renditions.preview)):
            # A new key each time: a key's bytes never change, so caches may keep them for good.
            key = rendition_key(photo, f"{kind}-{uuid.uuid4().hex[:8]}")
            names[kind] = default_storage.save(key, typed_file(ContentFile(content), "image/jpeg"))
    except STORAGE_ERRORS as exc:
        for name in names.values():
            delete_stored_quietly(name)
        photo.renditions_retry_later(f"Storage unavailable ({exc.__class__.__name__}).")
        return
    # One transaction: what follows the renditions (analysis) is recorded with them, never lost
    # between the two.
    with transaction.atomic():
        photo.renditions_done(**names)
        renditions_ready.send(sender=Photo, photos=[photo])
        # The earlier renditions (a remake) go once the new ones are recorded.
        transaction.on_commit(lambda: [delete_stored_quietly(name) for name in replaced], robust=True)


def photo_retry_renditions(*, photo: Photo) -> bool:
    """The owner's "Retry" on renditions that failed or wait for another try: a fresh set of
    attempts, queued now. False when there is nothing to retry (done, or being made now)."""
    if photo.renditions_state not in (Photo.Renditions.FAILED, Photo.Renditions.PENDING):
        return False
    photos_remake_renditions(Photo.objects.filter(pk=photo.pk))
    return True


def photos_remake_renditions(photos) -> int:
    """Make the renditions of each photo of the queryset again, with a fresh set of attempts;
    returns how many. Files already made stay until the new ones replace them."""
    from .tasks import generate_renditions  # the task module imports this one

    with transaction.atomic():
        ids = list(photos.values_list("pk", flat=True))
        Photo.objects.filter(pk__in=ids).update(
            renditions_state=Photo.Renditions.PENDING, renditions_attempts=0, renditions_error="",
            renditions_due_at=wait_deadline(),
        )
        for pk in ids:
            enqueue_after_commit(generate_renditions, pk, due_row=_renditions_row(pk))
    return len(ids)


def _renditions_row(photo_id: int):
    return Photo.objects.filter(pk=photo_id), "renditions_due_at"


def renditions_requeue_due() -> int:
    """The sweeper's part for renditions: queue again those whose message was lost."""
    from .tasks import generate_renditions  # the task module imports this one

    return requeue_due(Photo.objects.renditions_due(), due_field="renditions_due_at", task=generate_renditions)


# What the owner may correct or fill in, on one photo or many at once.
DETAIL_FIELDS = ("title", "description", "author", "credit", "copyright", "taken_at")


def photo_update(*, photo: Photo, **details) -> None:
    """The photo page's "Edit": the details given (see DETAIL_FIELDS), already validated."""
    photos_update_details(owner=photo.owner, photo_ids=[photo.pk], details=details)


def photos_update_details(*, owner, photo_ids, details: dict) -> int:
    """Set each of ``details`` (a DETAIL_FIELDS name: a value, or "" / None to clear it) on each
    of the owner's photos outside the trash; returns how many. A corrected capture date moves
    the photo in the gallery's order (an empty one puts it at its upload date), which albums'
    newest photos follow."""
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Not a detail of a photo: {', '.join(sorted(unknown))}")
    ids = list(Photo.objects.visible_to(owner).filter(pk__in=photo_ids).values_list("pk", flat=True))
    changes = {name: "" if value is None and name != "taken_at" else value for name, value in details.items()}
    if "taken_at" not in changes:
        return Photo.objects.filter(pk__in=ids).update(**changes)
    taken_at = changes["taken_at"]
    with changing_photos(ids):
        return Photo.objects.filter(pk__in=ids).update(**changes, sort_at=taken_at or F("uploaded_at"))


def photos_move_to_trash(*, owner, photo_ids) -> int:
    ids = list(Photo.objects.visible_to(owner).filter(pk__in=photo_ids).values_list("pk", flat=True))
    with changing_photos(ids):
        Library.of(owner.pk)
        moved = Photo.objects.visible_to(owner).filter(pk__in=ids).update(deleted_at=timezone.now())
        Library.change(owner.pk, photos=-moved, trashed=moved)
    return moved


def photos_delete_for_good(photos) -> tuple[int, int, int]:
    """Delete each photo of the queryset for good: (photos deleted, bytes freed, failures).

    A photo whose files storage refuses to delete stays, to be tried again next time."""
    deleted = freed = failures = 0
    for photo in photos.iterator():
        try:
            photo_delete(photo=photo)
        except StorageUnavailable:
            logger.exception("Could not delete photo %s", photo.pk)
            failures += 1
            continue
        deleted += 1
        freed += photo.file_size
    return deleted, freed, failures


def photo_delete(*, photo: Photo) -> None:
    """Delete the original, the renditions and the row: for good, not to the trash.

    Files go first: deleting is idempotent in every storage backend, so if storage fails midway
    the row is kept and the user can simply try again.
    """
    photo_deleting.send(sender=Photo, photo=photo)
    delete_stored(stored.name for stored in photo.stored_files())
    photo.delete()


def delete_stored(names) -> None:
    """Delete these files from storage (idempotent); raises StorageUnavailable."""
    try:
        for name in names:
            default_storage.delete(name)
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable(str(exc)) from exc


def delete_stored_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except STORAGE_ERRORS:
        logger.exception("Could not remove %s from storage; it is now an orphan", name)


def photo_prepare_shareable_original(*, photo: Photo) -> None:
    """Store the copy of the original, without location, that share links serve. Made once,
    so an anonymous download costs a redirect, not a decode. Safe to run twice.

    Raises StorageUnavailable (worth retrying) or LocationNotRemoved (ExifTool failed).
    """
    if photo.shareable_original:
        return
    try:
        with photo.original.open("rb") as original:
            data = original.read()
        stripped = without_location(data, image_format=photo.image_format)
        key = shareable_original_key(photo)
        default_storage.delete(key)  # a rerun after a failed save replaces, never piles up
        name = default_storage.save(key, typed_file(ContentFile(stripped), photo.content_type))
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable(str(exc)) from exc
    photo.shareable_original = name
    Photo.objects.filter(pk=photo.pk).update(shareable_original=name)


def queue_shareable_originals(photo_ids) -> None:
    from .tasks import prepare_shareable_original  # the task module imports this one

    for photo_id in photo_ids:
        # A lost message costs nothing lasting: the next download of the file asks again.
        enqueue_after_commit(prepare_shareable_original, photo_id)
