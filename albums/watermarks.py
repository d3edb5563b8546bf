"""Watermarks on what share links show: the owner's text and logo drawn over the thumbnail,
preview and full-size picture of each photo that a link marked "watermark" serves.

The marked copies are made once per photo and watermark version, by a task, and stored like
renditions (never drawn per request); changing the watermark makes them again. Whatever is
missing when someone asks (a photo added to a shared album since, a lost message) is queued
then, and the visitor is told it is being prepared: nothing unmarked is ever served instead.
"""
import io
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from gallery.imaging import ImageRejected, inspect_image, watermarked_jpegs
from gallery.models import Photo
from gallery.services import STORAGE_ERRORS, StorageUnavailable, delete_stored, delete_stored_quietly, typed_file
from pictura.tasks import enqueue_after_commit

from .models import AlbumPhoto, ShareLink, Watermark, WatermarkedCopy

logger = logging.getLogger(__name__)

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


class WatermarkRejected(Exception):
    """The watermark could not be saved; the message is meant for the owner."""


def watermark_save(*, owner, text: str, position: str, size: int, opacity: int, logo=None,
                   remove_logo: bool = False) -> Watermark:
    """Set the owner's watermark (``logo``: an uploaded file, checked like a photo); the copies
    their marked links serve are made again for it."""
    logo_name = _store_logo(owner, logo) if logo else None
    try:
        with transaction.atomic():
            mark, created = Watermark.objects.select_for_update().get_or_create(owner=owner)
            replaced = mark.logo.name if (logo_name or remove_logo) and mark.logo else ""
            if logo_name:
                mark.logo.name = logo_name
            elif remove_logo:
                mark.logo = ""
            mark.text, mark.position, mark.size, mark.opacity = text, position, size, opacity
            if not created:
                mark.version += 1
            mark.save()
            if replaced:
                transaction.on_commit(lambda: delete_stored_quietly(replaced), robust=True)
            queue_watermarked_copies(marked_photo_ids(owner))
    except Exception:
        if logo_name:
            delete_stored_quietly(logo_name)
        raise
    return mark


def _store_logo(owner, upload) -> str:
    if upload.size > LOGO_MAX_BYTES:
        raise WatermarkRejected("The logo is larger than 2 MB: use a smaller image (a PNG of a few hundred pixels).")
    try:
        facts = inspect_image(upload, size=upload.size)
    except ImageRejected as exc:
        raise WatermarkRejected(f"The logo cannot be used: {exc}") from None
    if facts.image_format not in LOGO_FORMATS:
        raise WatermarkRejected("Use a PNG (best: with a transparent background), JPEG, WebP or GIF logo.")
    upload.seek(0)
    key = f"watermarks/{owner.pk}/{uuid.uuid4()}.{facts.extension}"
    try:
        return default_storage.save(key, typed_file(upload, f"image/{facts.extension.replace('jpg', 'jpeg')}"))
    except STORAGE_ERRORS as exc:
        logger.warning("Storage refused the logo %s: %s", key, exc)
        raise WatermarkRejected("The logo could not be stored just now; nothing was changed. Try again.") from exc


def marked_photo_ids(owner) -> list[int]:
    """The owner's photos that a working link marked "watermark" shows (or will)."""
    links = ShareLink.objects.owned_by(owner).not_revoked().filter(watermark=True)
    in_albums = AlbumPhoto.objects.filter(album__in=links.values("album")).values("photo_id")
    photos = Photo.objects.live().filter(Q(pk__in=links.values("photo")) | Q(pk__in=in_albums))
    return list(photos.values_list("pk", flat=True))


def queue_watermarked_copies(photo_ids) -> None:
    from .tasks import make_watermarked_copy  # the task module imports this one

    for photo_id in photo_ids:
        # A lost message costs nothing lasting: the next visitor who asks queues it again.
        enqueue_after_commit(make_watermarked_copy, photo_id)


def current_copy(photo: Photo) -> WatermarkedCopy | None:
    """The photo's marked copy for its owner's watermark as it is now, if made."""
    version = Watermark.objects.filter(owner_id=photo.owner_id).values("version")[:1]
    return WatermarkedCopy.objects.filter(photo=photo, version=version).first()


def photo_make_watermarked_copy(*, photo_id: int) -> None:
    """Make the marked copy of a photo for its owner's current watermark, unless it exists.
    Safe to run twice. Raises StorageUnavailable (worth retrying)."""
    photo = Photo.objects.filter(pk=photo_id).select_related("owner").first()
    mark = Watermark.objects.filter(owner_id=photo.owner_id).first() if photo else None
    if mark is None or WatermarkedCopy.objects.filter(photo=photo, version=mark.version).exists():
        return
    try:
        with photo.original.open("rb") as original:
            drawn = watermarked_jpegs(io.BytesIO(original.read()), mark.style())
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable(str(exc)) from exc
    names = {}
    try:
        for kind in ("thumbnail", "preview", "full"):
            key = f"renditions/{photo.owner_id}/{photo.uuid}/watermarked-{mark.version}-{kind}-{uuid.uuid4().hex[:8]}.jpg"
            names[kind] = default_storage.save(key, typed_file(ContentFile(getattr(drawn, kind)), "image/jpeg"))
    except STORAGE_ERRORS as exc:
        for name in names.values():
            delete_stored_quietly(name)
        raise StorageUnavailable(str(exc)) from exc
    with transaction.atomic():
        existing = WatermarkedCopy.objects.select_for_update().filter(photo=photo).first()
        if existing and existing.version >= mark.version:  # another worker was quicker
            superseded = list(names.values())
        else:
            superseded = [file.name for file in existing.stored_files()] if existing else []
            WatermarkedCopy.objects.update_or_create(photo=photo, defaults={"version": mark.version, **names})
        transaction.on_commit(lambda: [delete_stored_quietly(name) for name in superseded], robust=True)


def photo_forget_watermarked_copy(photo: Photo) -> None:
    """Before a photo is deleted for good: its marked copies go first. Raises
    StorageUnavailable, which keeps the photo for another try."""
    copy = WatermarkedCopy.objects.filter(photo=photo).first()
    if copy is not None:
        delete_stored(file.name for file in copy.stored_files())
        copy.delete()
