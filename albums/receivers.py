"""How albums follow the gallery's photos: counts and covers kept, watermarked copies and logos
deleted with what they belong to (connected in AlbumsConfig.ready)."""
from contextlib import contextmanager

from django.conf import settings
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from gallery.models import Photo
from gallery.services import delete_stored
from gallery.signals import photo_deleting, photos_changing, recounting

from .models import Album, AlbumPhoto, Watermark
from .watermarks import photo_forget_watermarked_copy


def albums_of(photo_ids) -> set[int]:
    return set(AlbumPhoto.objects.filter(photo_id__in=photo_ids).values_list("album_id", flat=True))


@contextmanager
def refreshing_albums_of(photo_ids):
    """Around a change to photos: afterwards, the albums they were or are in count again. The
    albums they are in are locked first, as an album's own changes lock it (saving it) before
    the tallies: one order, no deadlock between a trash and an album change."""
    before = albums_of(photo_ids)
    list(Album.objects.select_for_update().filter(pk__in=before).order_by("pk").values_list("pk", flat=True))
    yield
    Album.objects.filter(pk__in=before | albums_of(photo_ids)).refresh_figures()


@receiver(photos_changing, dispatch_uid="albums-figures")
def photos_changing_in_albums(sender, photo_ids, **kwargs):
    return refreshing_albums_of(photo_ids)


@receiver(pre_delete, sender=Photo, dispatch_uid="albums-photo-deleting")
def note_albums_of_deleted_photo(sender, instance, **kwargs):
    # Only a photo outside the trash counts (deleted by the admin or with its owner's account):
    # the trash is emptied of photos that count already for nothing.
    instance._albums_to_refresh = set() if instance.in_trash else albums_of([instance.pk])


@receiver(post_delete, sender=Photo, dispatch_uid="albums-photo-deleted")
def refresh_albums_of_deleted_photo(sender, instance, **kwargs):
    Album.objects.filter(pk__in=getattr(instance, "_albums_to_refresh", ())).refresh_figures()


@receiver(photo_deleting, dispatch_uid="albums-watermarked-copy")
def forget_watermarked_copy_of_deleted_photo(sender, photo, **kwargs):
    photo_forget_watermarked_copy(photo)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="albums-watermark-logo")
def delete_logo_of_deleted_user(sender, instance, **kwargs):
    """An account deleted takes its watermark's logo from storage (refusing keeps the account,
    for the deletion to try again)."""
    delete_stored(Watermark.objects.filter(owner=instance).exclude(logo="").values_list("logo", flat=True))


@receiver(recounting, dispatch_uid="albums-recount")
def recount_albums(sender, owner_id, fix, **kwargs):
    differences = []
    for album in Album.objects.filter(owner_id=owner_id).order_by("pk"):
        counted = album.counted_figures()
        if counted != {"photo_count": album.photo_count, "newest_photo_id": album.newest_photo_id}:
            differences.append(f"album {album.pk} {album.photo_count} photos → {counted['photo_count']}")
            if fix:
                album.refresh_figures()
    return differences
