"""The gallery's own upkeep on Django's model signals."""
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Library, Photo


@receiver(post_delete, sender=Photo, dispatch_uid="gallery-library-totals")
def photo_deleted(sender, instance, **kwargs):
    """However a photo goes — the trash page, the sweeper, the admin, its owner's account — its
    owner's totals follow, in the same transaction."""
    in_trash = instance.deleted_at is not None
    Library.change(instance.owner_id, photos=-(not in_trash), trashed=-in_trash, bytes=-instance.file_size)
