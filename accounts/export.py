""""Download everything": a ZIP of the account's originals with pictura.json, the metadata,
tags, people, places and albums that Pictura keeps about them (for another service, or to keep)."""
import json
from collections import defaultdict

from django.utils import timezone

from albums.models import Album, AlbumPhoto
from albums.services import archive_entries, zip_chunks
from analysis.models import Face, PhotoPlace, PhotoTag
from gallery.models import Photo

MANIFEST_NAME = "pictura.json"


def library_export_chunks(user):
    """The ZIP archive, piece by piece: pictura.json first, then every photo outside the trash."""
    entries = archive_entries(Photo.objects.visible_to(user).order_by("sort_at", "pk"))
    return zip_chunks(entries, files=[(MANIFEST_NAME, json.dumps(_manifest(user, entries), indent=1).encode())])


def _manifest(user, entries) -> dict:
    mine = {"photo__owner": user, "photo__deleted_at__isnull": True}
    tags = defaultdict(list)
    for photo_id, name, source in PhotoTag.objects.filter(**mine).values_list("photo_id", "tag__name", "source"):
        tags[photo_id].append({"name": name, "source": source})
    people = defaultdict(list)
    named = Face.objects.filter(**mine, person__isnull=False).exclude(person__name="")
    for photo_id, name in named.values_list("photo_id", "person__name"):
        people[photo_id].append(name)
    places = {
        place["photo_id"]: {key: value for key, value in place.items() if key != "photo_id"}
        for place in PhotoPlace.objects.filter(**mine).values("photo_id", "country", "region", "city")
    }
    names = {photo.pk: name for name, photo in entries}
    in_album = defaultdict(list)
    for album_id, photo_id in AlbumPhoto.objects.filter(album__owner=user).values_list("album_id", "photo_id"):
        if photo_id in names:
            in_album[album_id].append(names[photo_id])
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {"username": user.username, "email": user.email, "date_joined": user.date_joined.isoformat()},
        "photos": [_photo(name, photo, tags, people, places) for name, photo in entries],
        "albums": [
            {"title": album.title, "description": album.description, "created_at": album.created_at.isoformat(),
             "files": in_album[album.pk]}
            for album in Album.objects.filter(owner=user).order_by("created_at", "pk")
        ],
    }


def _photo(name, photo, tags, people, places) -> dict:
    return {
        "file": name,
        "original_filename": photo.original_filename,
        "title": photo.title,
        "description": photo.description,
        "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
        "uploaded_at": photo.uploaded_at.isoformat(),
        "camera": " ".join(filter(None, [photo.camera_make, photo.camera_model])),
        "latitude": photo.latitude,
        "longitude": photo.longitude,
        "place": places.get(photo.pk),
        "tags": tags.get(photo.pk, []),
        "people": people.get(photo.pk, []),
        "sha256": photo.sha256,
    }
