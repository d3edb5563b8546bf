"""Organising photos into albums, streaming an album as a ZIP archive, and share links."""
import zipfile
from datetime import datetime, time, timedelta
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone

from audit.services import Action, audit_record
from gallery.models import Photo
from gallery.services import photos_move_to_trash, queue_shareable_originals
from gallery.signals import changing_photos

from .models import Album, AlbumPhoto, ShareLink, Watermark
from .watermarks import queue_watermarked_copies

ZIP_CHUNK = 1024 * 1024
# The DOS date a ZIP entry carries runs from 1980 to 2107.
ZIP_FIRST_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_LAST_DATE = (2107, 12, 31, 23, 59, 58)


def album_create(*, owner, title: str, description: str = "") -> Album:
    album = Album(owner=owner, title=title, description=description)
    album.full_clean()
    album.save()
    return album


def album_update(*, album: Album, title: str, description: str) -> Album:
    album.title = title
    album.description = description
    album.full_clean()
    album.save(update_fields=["title", "description", "updated_at"])
    return album


def album_set_cover(*, album: Album, photo_id: int) -> bool:
    photo = album.visible_photos().filter(pk=photo_id).first()
    if photo is None:
        return False
    album.cover = photo
    album.save(update_fields=["cover", "updated_at"])
    return True


def _owned_visible_ids(owner, photo_ids) -> list[int]:
    # Ids from a form are only a wish: keep those of the owner's photos outside the trash.
    return list(Photo.objects.visible_to(owner).filter(pk__in=photo_ids).values_list("pk", flat=True))


def album_add_photos(*, album: Album, photo_ids) -> int:
    """Add the photos (each at most once); return how many were not in the album before."""
    ids = _owned_visible_ids(album.owner, photo_ids)
    with changing_photos(ids):
        already = set(album.album_photos.filter(photo_id__in=ids).values_list("photo_id", flat=True))
        AlbumPhoto.objects.bulk_create(
            [AlbumPhoto(album=album, photo_id=pk) for pk in ids if pk not in already],
            ignore_conflicts=True,  # a concurrent add of the same photo is not an error
        )
        album.save(update_fields=["updated_at"])
    return len(set(ids) - already)


def album_remove_photos(*, album: Album, photo_ids) -> int:
    ids = list(album.album_photos.filter(photo_id__in=photo_ids).values_list("photo_id", flat=True))
    with changing_photos(ids):
        removed, _ = album.album_photos.filter(photo_id__in=ids).delete()
        if album.cover_id in ids:
            album.cover = None
        album.save(update_fields=["cover", "updated_at"])
    return removed


@transaction.atomic
def album_move_photos(*, source: Album, target: Album, photo_ids) -> int:
    """Move photos from one album to another: in the target once each, gone from the source."""
    ids = list(source.album_photos.filter(photo_id__in=photo_ids).values_list("photo_id", flat=True))
    album_add_photos(album=target, photo_ids=ids)
    album_remove_photos(album=source, photo_ids=ids)
    return len(ids)


@transaction.atomic
def album_delete(*, album: Album, delete_photos: bool) -> int:
    """Delete the album. Its photos stay in the library unless ``delete_photos``, in which case
    they go to the trash (from every album). Returns how many photos went to the trash."""
    trashed = 0
    if delete_photos:
        ids = list(album.album_photos.values_list("photo_id", flat=True))
        trashed = photos_move_to_trash(owner=album.owner, photo_ids=ids)
    album.delete()
    return trashed


def unique_archive_names(names) -> list[str]:
    """The names made unique, case-insensitively: "a.jpg", "a (2).jpg", "a (3).jpg"..."""
    taken = set()
    unique = []
    for name in names:
        path = PurePath(name.replace("\\", "/").split("/")[-1] or "photo")
        candidate, number = path.name, 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{path.stem} ({number}){path.suffix}"
        taken.add(candidate.lower())
        unique.append(candidate)
    return unique


class _ChunkSink:
    """A write-only file for ZipFile that hands over what was written since the last take."""

    def __init__(self):
        self.parts = []
        self.position = 0

    def write(self, data):
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def flush(self):
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def archive_entries(photos) -> list[tuple[str, Photo]]:
    """(name in the archive, photo) for each photo: its file name, made unique."""
    photos = list(photos)
    return list(zip(unique_archive_names(p.original_filename for p in photos), photos, strict=True))


def zip_chunks(entries, *, files=()):
    """Yield a ZIP archive of the originals of ``entries`` (from ``archive_entries``), after the
    (name, bytes) of ``files``, piece by piece.

    Memory stays flat whatever the number of photos: each original is read from storage a
    megabyte at a time and each piece leaves as soon as it is written. Photos are stored, not
    deflated: JPEG and HEIC do not shrink, and the archive is ready to stream at once.
    """
    sink = _ChunkSink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, data in files:
            archive.writestr(zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6]), data,
                             compress_type=zipfile.ZIP_DEFLATED)
            yield sink.take()
        for name, photo in entries:
            # Clamped to what ZIP can date: cameras with an unset clock say 1970, broken ones 2150.
            date_time = min(max(photo.sort_at.timetuple()[:6], ZIP_FIRST_DATE), ZIP_LAST_DATE)
            info = zipfile.ZipInfo(name, date_time=date_time)
            with photo.original.open("rb") as original, archive.open(info, "w", force_zip64=True) as entry:
                while chunk := original.read(ZIP_CHUNK):
                    entry.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


class NoWatermarkYet(Exception):
    """A link with a watermark was asked for before the owner set one."""


def share_link_create(*, owner, photo=None, album=None, expires_on=None, include_location=False,
                      watermark=False) -> ShareLink:
    """A new link to one of the owner's photos or albums, valid through ``expires_on``;
    ``watermark``: its pictures carry the owner's watermark."""
    if (photo or album).owner_id != owner.pk:
        raise PermissionError("Only the owner can share this.")
    if watermark and not Watermark.objects.filter(owner=owner).exists():
        raise NoWatermarkYet
    expires_at = None
    if expires_on:
        next_day = datetime.combine(expires_on + timedelta(days=1), time.min)
        expires_at = timezone.make_aware(next_day)
    link = ShareLink.objects.create(
        owner=owner, photo=photo, album=album, expires_at=expires_at, include_location=include_location and not watermark,
        watermark=watermark,
    )
    if watermark:
        queue_watermarked_copies(link.target_photos().values_list("pk", flat=True))
    elif not include_location:
        queue_shareable_originals(link.target_photos().filter(shareable_original="").values_list("pk", flat=True))
    audit_record(Action.SHARE_LINK_CREATED, account=owner, target=_described(link),
                 details={"link": link.pk, "expires_at": expires_at.isoformat() if expires_at else None,
                          "include_location": link.include_location, "watermark": watermark})
    return link


def share_link_revoke(*, link: ShareLink) -> None:
    link.revoke()
    audit_record(Action.SHARE_LINK_REVOKED, account=link.owner, target=_described(link), details={"link": link.pk})


def _described(link: ShareLink) -> str:
    kind, target = ("photo", link.photo) if link.photo_id else ("album", link.album)
    return f"link {link.pk} to {kind} {target.pk}: {target}"


def add_uploaded_batch_to_album(*, owner, value, uploaded, duplicates) -> None:
    """The upload page's batch option: new photos and ones uploaded before go in the album."""
    album_add_photos(album=value, photo_ids=[photo.pk for photo in [*uploaded, *duplicates]])
