"""What the gallery announces to the apps that build on it, so that it never calls up to them."""
from contextlib import ExitStack, contextmanager

from django.db import transaction
from django.dispatch import Signal

# Sent with photos=[...] once their thumbnails and previews are stored (the analysis app then
# tags them), in the transaction that records that.
renditions_ready = Signal()

# Sent with photo=... just before a photo's files and row are deleted for good: receivers
# delete what they stored about it (face crops). A receiver raising StorageUnavailable keeps
# the photo, to be deleted on another try.
photo_deleting = Signal()

# Sent with photo_ids=[...] by changing_photos() just before those photos change (into or out
# of the trash, into or out of an album). A receiver may return a context manager, which then
# wraps the change: that is how the apps above keep the figures they store about photos
# (album counts, tag counts) right, in the change's own transaction.
photos_changing = Signal()

# Sent with owner_id=... and fix=... by `manage.py recount`: each receiver counts the figures
# it keeps for that owner from scratch and returns a list of the differences it found
# (stored over when fix is true).
recounting = Signal()


@contextmanager
def changing_photos(photo_ids):
    """Wrap a change to these photos, so that every figure kept about them follows it."""
    photo_ids = sorted(set(photo_ids))
    with transaction.atomic(), ExitStack() as watchers:
        for _receiver, watcher in photos_changing.send(sender=None, photo_ids=photo_ids):
            if watcher is not None:
                watchers.enter_context(watcher)
        yield
