"""Settings for the tests (pytest.ini): production's module, with three differences.

- The developer's ``.env`` is never read: a ``REDIS_URL`` or bucket there must not reach the
  tests. Only real environment variables count (``make test`` sets ``DATABASE_URL`` and
  ``REDIS_URL`` for the passes that need them). Processes the tests start (gunicorn, a Celery
  worker) inherit this.
- A fast password hasher: the tests create many users.
- Files on local disk; the S3 tests switch to SeaweedFS themselves (the ``s3_storage`` fixture).
"""
import os

os.environ["PICTURA_DOTENV"] = "off"
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret-" + "x" * 40)
os.environ.pop("AWS_STORAGE_BUCKET_NAME", None)

from .settings import *  # noqa: E402, F403 - the production settings, then the differences

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
