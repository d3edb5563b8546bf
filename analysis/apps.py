from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = "Analysis"

    def ready(self):
        from django.conf import settings

        from . import receivers  # noqa: F401 - connects them
        from .taggers import TAGGERS

        if settings.PICTURA_TAGGER not in TAGGERS:
            raise ImproperlyConfigured(
                f"PICTURA_TAGGER={settings.PICTURA_TAGGER!r} is not a tagger; use one of {', '.join(TAGGERS)}."
            )
