"""What the gallery announces to the apps that build on it, so that it never calls up to them."""
from django.dispatch import Signal

# Sent with photo=... once a photo's thumbnail and preview are stored (the analysis app then
# tags it).
renditions_ready = Signal()

# Sent with photo=... just before a photo's files and row are deleted for good: receivers
# delete what they stored about it (face crops). A receiver raising StorageUnavailable keeps
# the photo, to be deleted on another try.
photo_deleting = Signal()
