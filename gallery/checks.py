import shutil

from django.conf import settings
from django.core import checks


@checks.register()
def exiftool_is_installed(app_configs, **kwargs):
    """Share links without location need ExifTool; say so at start-up, not at the first link."""
    if shutil.which(settings.PICTURA_EXIFTOOL):
        return []
    return [
        checks.Warning(
            f"ExifTool ({settings.PICTURA_EXIFTOOL!r}) is not installed: shared originals cannot have "
            "their location removed, so share links will offer previews but no downloads.",
            hint="Install it: Debian libimage-exiftool-perl, Amazon Linux perl-Image-ExifTool, "
            "macOS `brew install exiftool`; or set PICTURA_EXIFTOOL to its path.",
            id="pictura.W001",
        )
    ]
