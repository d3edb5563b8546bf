from django.conf import settings
from django.core import checks

from .taggers import EXTRA_REQUIREMENTS, missing_modules


@checks.register()
def tagger_is_installed(app_configs, **kwargs):
    """The chosen tagger's packages: a process without them cannot tag (the web tier of a site
    whose workers tag does not need them, hence a warning)."""
    missing = missing_modules(settings.PICTURA_TAGGER)
    if not missing:
        return []
    return [
        checks.Warning(
            f"PICTURA_TAGGER={settings.PICTURA_TAGGER!r} needs {', '.join(missing)}, not installed here: "
            "photos analysed by this process will fail.",
            hint=f"pip install -r {EXTRA_REQUIREMENTS[settings.PICTURA_TAGGER][0]}, or use another tagger.",
            id="analysis.W001",
        )
    ]
