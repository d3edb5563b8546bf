import os

from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Gallery"

    def ready(self):
        from django.conf import settings
        from PIL import Image
        from pillow_heif import register_heif_opener

        from . import checks, receivers  # noqa: F401 - registers the system checks and receivers
        from .files import forget_parent_storage_connections

        register_heif_opener()
        os.register_at_fork(after_in_child=forget_parent_storage_connections)
        # Pillow's own decompression-bomb guard, aligned with the limit uploads are checked
        # against, so every image opened anywhere in the process is bounded.
        Image.MAX_IMAGE_PIXELS = settings.PICTURA_MAX_MEGAPIXELS * 1_000_000
