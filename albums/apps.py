from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"
    verbose_name = "Albums"

    def ready(self):
        from gallery.batch_options import BatchOption, register_batch_option

        from . import receivers  # noqa: F401 - connects the receivers
        from .forms import batch_album_field
        from .services import add_uploaded_batch_to_album

        register_batch_option(BatchOption(name="album", field=batch_album_field, apply=add_uploaded_batch_to_album))
