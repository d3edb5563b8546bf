"""A throw-away Django for benchmarks: never the development database or media directory."""
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_throwaway_django(*, database_url: str = "", **environment) -> Path:
    """Point Django at a new temporary SQLite database (or ``database_url``, an empty database
    made for the purpose) and media directory, with tasks run in-process and files on local
    disk, set it up and migrate. Returns the temporary folder."""
    work = Path(tempfile.mkdtemp(prefix="pictura-bench-"))
    os.environ.update(
        DATABASE_URL=database_url or f"sqlite:///{work / 'bench.sqlite3'}",
        PICTURA_MEDIA_ROOT=str(work / "media"),
        DJANGO_SETTINGS_MODULE="pictura.settings",
        **environment,
    )
    for name in ("REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return work
