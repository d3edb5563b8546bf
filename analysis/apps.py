from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = "Analysis"

    def ready(self):
        from django.conf import settings

        from gallery.batch_options import BatchOption, register_batch_option

        from . import checks, receivers  # noqa: F401 - registers the checks, connects the receivers
        from .forms import batch_tags_field
        from .services import tag_uploaded_batch
        from .taggers import TAGGERS

        register_batch_option(BatchOption(name="tags", field=batch_tags_field, apply=tag_uploaded_batch))

        if settings.PICTURA_TAGGER not in TAGGERS:
            raise ImproperlyConfigured(
                f"PICTURA_TAGGER={settings.PICTURA_TAGGER!r} is not a tagger; use one of {', '.join(TAGGERS)}."
            )
