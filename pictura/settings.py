"""Pictura's one settings module.

Every value comes from the environment (or a git-ignored ``.env`` file beside ``manage.py``,
which ``make run`` writes on first use). Each cloud part has a real local default:

- database: SQLite in ``db.sqlite3``; PostgreSQL with ``DATABASE_URL``.
- files: ``media/`` on disk; S3 with ``AWS_STORAGE_BUCKET_NAME``.
- tasks: run in-process after commit; Celery workers with ``REDIS_URL``.

A value that cannot be parsed stops start-up with ``ImproperlyConfigured`` naming the variable.
"""
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from pictura.storage import OBJECT_PARAMETERS, s3_client_config

BASE_DIR = Path(__file__).resolve().parent.parent

if os.environ.get("PICTURA_DOTENV", "on") != "off":  # pictura/test_settings.py turns it off
    environ.Env.read_env(BASE_DIR / ".env")  # real environment variables win over the file
env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    value = env.str(name, default=str(default)).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use true or false.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env.str(name, default=default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. `make run` writes one to .env; in production set it as "
        "an environment property (eb setenv DJANGO_SECRET_KEY=...)."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "storages",
    "mozilla_django_oidc",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, from a package: no CDN
    "accounts",
    "gallery",
    "albums",
    "analysis",
    "audit",
    "imports",
    "api",
]

MIDDLEWARE = [
    # First, so that the load balancer's health check (addressed to the instance IP) is not
    # refused by ALLOWED_HOSTS and touches nothing but the database.
    "pictura.middleware.HealthCheckMiddleware",
    "pictura.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pictura.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "pictura.wsgi.application"

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The site and `manage.py sweep` write to one file: writers queue instead of failing. A
    # write-ahead log lets readers go on while one writes, and a commit costs one fsync of the
    # log instead of a rollback journal made, synced and deleted (synchronous stays FULL: a
    # commit survives a power cut).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE", timeout=20, init_command="PRAGMA journal_mode=WAL"
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that accepts connections but never answers fails the connection, not the page.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # No JIT compilation: the planner's cost estimates for a search's EXISTS subqueries trip it,
    # and compiling took longer than the query saved (header search at 100,000 photos,
    # bench/pages.py: 996 -> 474 ms for three requests).
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "gallery:index"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Sign-in with OpenID Connect (Amazon Cognito, or any provider) --------------------------------
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
COGNITO_DOMAIN = env.str("COGNITO_DOMAIN", default="").removeprefix("https://").rstrip("/")
COGNITO_USER_POOL_ID = env.str("COGNITO_USER_POOL_ID", default="")
AWS_REGION = env.str("AWS_REGION", default="")
if COGNITO_DOMAIN and COGNITO_USER_POOL_ID and AWS_REGION:
    # Cognito's endpoints follow from the user pool and its hosted-UI domain.
    _cognito_issuer = f"https://cognito-idp.{AWS_REGION}.amazonaws.com/{COGNITO_USER_POOL_ID}"
    OIDC_OP_ISSUER = _cognito_issuer
    OIDC_OP_JWKS_ENDPOINT = f"{_cognito_issuer}/.well-known/jwks.json"
    OIDC_OP_AUTHORIZATION_ENDPOINT = f"https://{COGNITO_DOMAIN}/oauth2/authorize"
    OIDC_OP_TOKEN_ENDPOINT = f"https://{COGNITO_DOMAIN}/oauth2/token"
    OIDC_OP_USER_ENDPOINT = f"https://{COGNITO_DOMAIN}/oauth2/userInfo"
    OIDC_OP_LOGOUT_ENDPOINT = f"https://{COGNITO_DOMAIN}/logout"
    PICTURA_OIDC_PROVIDER_NAME = env.str("PICTURA_OIDC_PROVIDER_NAME", default="Cognito")
else:
    OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
    OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
    OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
    OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
    OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
    PICTURA_OIDC_PROVIDER_NAME = env.str("PICTURA_OIDC_PROVIDER_NAME", default="single sign-on")
PICTURA_OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID and OIDC_OP_JWKS_ENDPOINT and OIDC_OP_AUTHORIZATION_ENDPOINT
    and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_USER_ENDPOINT
)
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True  # S256: a stolen authorization code is useless without the verifier
OIDC_RP_SCOPES = "openid email profile"
OIDC_VERIFY_KID = env_bool("OIDC_VERIFY_KID", True)
OIDC_STORE_ID_TOKEN = True  # for the provider's logout and the session refresh
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env_int("OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", 3600, minimum=60)
OIDC_TIMEOUT = 10
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
OIDC_EXEMPT_URLS = ["accounts:logout", "/health"]
PICTURA_LOCAL_LOGIN = env_bool("PICTURA_LOCAL_LOGIN", True)
PICTURA_STAFF_GROUP = env.str("PICTURA_STAFF_GROUP", default="staff")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins before any check
    *(["accounts.auth.PicturaOIDCBackend"] if PICTURA_OIDC_ENABLED else []),
    *(["django.contrib.auth.backends.ModelBackend"] if PICTURA_LOCAL_LOGIN else []),
]
if len(AUTHENTICATION_BACKENDS) == 1:
    raise ImproperlyConfigured("PICTURA_LOCAL_LOGIN is off and OIDC is not configured: nobody could sign in.")
if PICTURA_OIDC_ENABLED:
    # Re-checks the provider when the ID token has expired (on GET requests).
    MIDDLEWARE.append("mozilla_django_oidc.middleware.SessionRefresh")

# --- Email ----------------------------------------------------------------------------------------
# EMAIL_URL picks the backend: consolemail:// (the default: printed by the web process),
# smtp+tls://user:password@email-smtp.eu-west-1.amazonaws.com:587 (Amazon SES's SMTP endpoint,
# or any SMTP server). Sending happens in a task, so a slow mail server never holds a page.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Pictura <pictura@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the site answers, for links in emails sent by tasks (no request to take it from).
PICTURA_SITE_URL = env.str("PICTURA_SITE_URL", default="http://127.0.0.1:8000")
# How long the link that confirms an email address works.
PICTURA_EMAIL_VERIFICATION_DAYS = env_int("PICTURA_EMAIL_VERIFICATION_DAYS", 3, minimum=1)

# Deleting an account asks for the password; an account without one (single sign-on) must have
# signed in at the provider this recently.
PICTURA_FRESH_SIGN_IN = timedelta(minutes=env_int("PICTURA_FRESH_SIGN_IN_MINUTES", 10, minimum=1))

# --- Abuse controls ------------------------------------------------------------------------------
# How many proxies stand between the client and Django, each appending to X-Forwarded-For:
# 0 when Django is reached directly, 2 behind Elastic Beanstalk's load balancer and nginx.
PICTURA_PROXY_COUNT = env_int("PICTURA_PROXY_COUNT", 0)
# django-axes: failed sign-ins (the site's and the admin's) lock out the account and, separately,
# the address they came from; each lockout ends after this long without another failure.
AXES_FAILURE_LIMIT = env_int("PICTURA_SIGN_IN_ATTEMPTS", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PICTURA_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "pictura.client_ip.client_ip"
AXES_VERBOSE = False
# django-ratelimit: counters live in the cache (Redis in production, see CACHES).
RATELIMIT_IP_META_KEY = "pictura.client_ip.client_ip"
RATELIMIT_VIEW = "pictura.views.rate_limited"
PICTURA_REGISTRATIONS_PER_HOUR = env_int("PICTURA_REGISTRATIONS_PER_HOUR", 5, minimum=1)
PICTURA_SHARED_DOWNLOADS_PER_MINUTE = env_int("PICTURA_SHARED_DOWNLOADS_PER_MINUTE", 30, minimum=1)
PICTURA_SHARED_IMAGES_PER_MINUTE = env_int("PICTURA_SHARED_IMAGES_PER_MINUTE", 600, minimum=1)

# Storage quota per tier, in megabytes (0: no limit). Tiers are set from Cognito groups.
PICTURA_TIER_QUOTAS_MB = {
    "basic": env_int("PICTURA_QUOTA_MB_BASIC", 2048),
    "core": env_int("PICTURA_QUOTA_MB_CORE", 20480),
    "full": env_int("PICTURA_QUOTA_MB_FULL", 0),
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("PICTURA_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("PICTURA_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Never served directly: every file goes through a view that checks ownership.
MEDIA_URL = "/media-not-served/"

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
PICTURA_PRESIGNED_URL_SECONDS = env_int("PICTURA_PRESIGNED_URL_SECONDS", 300, minimum=1)
if AWS_STORAGE_BUCKET_NAME:
    # Credentials come from the instance role on Elastic Beanstalk, or from the standard
    # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables that boto3 reads itself.
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "client_config": s3_client_config(addressing_style=env.str("AWS_S3_ADDRESSING_STYLE", default="") or None),
            "default_acl": None,  # the bucket stays private
            "querystring_auth": True,
            "querystring_expire": PICTURA_PRESIGNED_URL_SECONDS,
            "file_overwrite": False,
            "object_parameters": OBJECT_PARAMETERS,
        },
    }
    # CloudFront in front of the bucket (origin access control): files are then delivered
    # through CloudFront URLs signed with this key pair instead of S3 presigned URLs.
    AWS_CLOUDFRONT_DOMAIN = env.str("AWS_CLOUDFRONT_DOMAIN", default="")
    if AWS_CLOUDFRONT_DOMAIN:
        DEFAULT_STORAGE["OPTIONS"].update(
            custom_domain=AWS_CLOUDFRONT_DOMAIN,
            cloudfront_key_id=env.str("AWS_CLOUDFRONT_KEY_ID"),
            # The PEM private key; in an environment variable its line breaks may be written \n.
            cloudfront_key=env.str("AWS_CLOUDFRONT_KEY").replace("\\n", "\n").encode(),
        )
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Uploads ----------------------------------------------------------------------------------
# Through S3 (browsers upload straight to the bucket) a file never passes through a web process.
PICTURA_MAX_UPLOAD_MB = env_int("PICTURA_MAX_UPLOAD_MB", 200 if AWS_STORAGE_BUCKET_NAME else 30, minimum=1)
# A direct upload to S3 not completed after this long is aborted (its parts deleted).
PICTURA_DIRECT_UPLOAD_HOURS = env_int("PICTURA_DIRECT_UPLOAD_HOURS", 24, minimum=1)
# Decompression-bomb guard: images with more pixels than this are refused before decoding.
PICTURA_MAX_MEGAPIXELS = env_int("PICTURA_MAX_MEGAPIXELS", 100, minimum=1)
# What checking one upload may cost: it is decoded in a child process under these limits.
PICTURA_DECODE_CPU_SECONDS = env_int("PICTURA_DECODE_CPU_SECONDS", 5, minimum=1)
PICTURA_DECODE_MEMORY_MB = env_int("PICTURA_DECODE_MEMORY_MB", 1024, minimum=64)
# ExifTool removes location data from what share links serve (Debian: libimage-exiftool-perl).
PICTURA_EXIFTOOL = env.str("PICTURA_EXIFTOOL", default="exiftool")
FILE_UPLOAD_HANDLERS = [
    "gallery.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A plain-form upload carries many files in one request.
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("PICTURA_MAX_FILES_PER_REQUEST", 200, minimum=1)
# A request declaring a larger body is refused before it is read; nginx's client_max_body_size
# in .platform/ is the same.
PICTURA_MAX_REQUEST_MB = env_int("PICTURA_MAX_REQUEST_MB", 512, minimum=1)
PICTURA_PHOTOS_PER_PAGE = env_int("PICTURA_PHOTOS_PER_PAGE", 60, minimum=1)
PICTURA_TRASH_DAYS = env_int("PICTURA_TRASH_DAYS", 30, minimum=1)

# --- Tagging --------------------------------------------------------------------------------
PICTURA_TAGGER = env.str("PICTURA_TAGGER", default="local")  # checked against analysis.taggers at start-up
PICTURA_REKOGNITION_MAX_LABELS = env_int("PICTURA_REKOGNITION_MAX_LABELS", 15, minimum=1)
PICTURA_REKOGNITION_MIN_CONFIDENCE = env_int("PICTURA_REKOGNITION_MIN_CONFIDENCE", 70)
PICTURA_REKOGNITION_REGION = env.str("PICTURA_REKOGNITION_REGION", default="")
PICTURA_REKOGNITION_ENDPOINT_URL = env.str("PICTURA_REKOGNITION_ENDPOINT_URL", default="")
PICTURA_LOCAL_MIN_CONFIDENCE = env_int("PICTURA_LOCAL_MIN_CONFIDENCE", 10)
# The local tagger's classifier, exported to ONNX from its installed weights at first start.
PICTURA_MODEL_CACHE_DIR = env.str("PICTURA_MODEL_CACHE_DIR", default=str(Path(tempfile.gettempdir()) / "pictura-models"))
# One thread per process: Celery runs one process per core, and more threads only contend.
PICTURA_LOCAL_TAGGER_THREADS = env_int("PICTURA_LOCAL_TAGGER_THREADS", 1, minimum=1)
# Faces: a face joins the person whose mean description (local models) is nearer than this
# (dlib's guidance is 0.6; on ../shared/faces/ the same person is under 0.45, others over 0.75),
# or whose face Rekognition finds at least this similar (0-100).
PICTURA_FACE_MATCH_DISTANCE = float(env.str("PICTURA_FACE_MATCH_DISTANCE", default="0.5"))
PICTURA_REKOGNITION_FACE_MATCH_THRESHOLD = env_int("PICTURA_REKOGNITION_FACE_MATCH_THRESHOLD", 90)
# The Rekognition face collection Pictura creates and indexes faces into (one per site).
PICTURA_REKOGNITION_COLLECTION = env.str("PICTURA_REKOGNITION_COLLECTION", default="pictura-faces")
PICTURA_MODERATION_MIN_CONFIDENCE = env_int("PICTURA_MODERATION_MIN_CONFIDENCE", 80)
# Tag each photo once its renditions exist; off, photos are tagged only by `manage.py reindex`.
PICTURA_ANALYSE_UPLOADS = env_bool("PICTURA_ANALYSE_UPLOADS", True)

# --- Places ------------------------------------------------------------------------------------
# The map's tiles: any server with Leaflet's {z}/{x}/{y} URLs ({s} for subdomains). Without
# them (offline, blocked) the map still shows the photos' markers.
PICTURA_MAP_TILES_URL = env.str("PICTURA_MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
PICTURA_MAP_ATTRIBUTION = env.str(
    "PICTURA_MAP_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)

# --- Cache (rate-limit counters) ----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Timeouts: a Redis that accepts connections but never answers must not hang pages.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": env.str("PICTURA_CELERY_QUEUE", default="pictura"),
                          "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit knows only django-redis and memcached. Django's own Redis cache counts
    # atomically too; without Redis the site is one process, whose memory cache is shared.
    "django_ratelimit.E003",
    "django_ratelimit.W001",
]

# --- Tasks ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Lets several deployments (or test runs) share one Redis without taking each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("PICTURA_CELERY_QUEUE", default="pictura")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# No broker: tasks run in the web process, right after the transaction that queued them commits.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30 if CELERY_TASK_TIME_LIMIT > 60 else None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker killed mid-task (out of memory, time limit) gives its task back instead of
# acknowledging it: another worker does it (the task counts its attempts, so a photo that kills
# every worker fails after PICTURA_WORK_MAX_ATTEMPTS instead of looping).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Publishing fails within a few seconds when Redis is down or hung, instead of hanging the
# request: the work is recorded in the database already, and the sweeper sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    # A message taken by a worker that vanished is delivered again after this long. It must
    # exceed the longest retry countdown (12 min, pictura.tasks.backoff_seconds) plus the time
    # limit, or a delayed task would be delivered twice; the sweeper finds lost renditions and
    # analyses much sooner.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 900,
}

# --- Background work that must get done ---------------------------------------------------------
# Renditions and analyses are recorded in the database with a due time (pictura/tasks.py).
# Retries after a failure: 30 s, then doubling up to an hour between tries; 12 attempts wait out
# an outage of about 5 hours before the photo's work is marked failed, with the reason.
PICTURA_WORK_MAX_ATTEMPTS = env_int("PICTURA_WORK_MAX_ATTEMPTS", 12, minimum=1)
PICTURA_WORK_RETRY_SECONDS = env_int("PICTURA_WORK_RETRY_SECONDS", 30, minimum=1)
PICTURA_WORK_RETRY_MAX_SECONDS = env_int("PICTURA_WORK_RETRY_MAX_SECONDS", 3600, minimum=1)
# Queued work that no worker has started after this long is queued again.
PICTURA_WORK_WAIT_SECONDS = env_int("PICTURA_WORK_WAIT_SECONDS", 600, minimum=1)
# The sweeper: how often it runs (Celery beat, in each worker: `celery worker --beat`) and how
# many messages it sends at most per run.
PICTURA_SWEEP_SECONDS = env_int("PICTURA_SWEEP_SECONDS", 60, minimum=1)
PICTURA_SWEEP_BATCH = env_int("PICTURA_SWEEP_BATCH", 500, minimum=1)
CELERY_BEAT_SCHEDULE = {
    f"requeue-due-{name}": {
        "task": task,
        "schedule": PICTURA_SWEEP_SECONDS,
        # A sweep that waited behind a backlog is pointless: the next one comes soon.
        "options": {"expires": PICTURA_SWEEP_SECONDS},
    }
    for name, task in [
        ("renditions", "gallery.tasks.requeue_due_renditions"),
        ("analyses", "analysis.tasks.requeue_due_analyses"),
        ("forgotten-faces", "analysis.tasks.forget_faces_left_behind"),
        ("direct-uploads", "gallery.tasks.sweep_direct_uploads"),
    ]
}

CELERY_BEAT_SCHEDULE["resume-account-deletions"] = {
    "task": "accounts.tasks.resume_account_deletions", "schedule": PICTURA_SWEEP_SECONDS,
    "options": {"expires": PICTURA_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULE["resume-imports"] = {
    "task": "imports.tasks.resume_imports", "schedule": PICTURA_SWEEP_SECONDS, "options": {"expires": PICTURA_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULE["send-notifications"] = {
    "task": "accounts.tasks.send_due_notifications", "schedule": 300, "options": {"expires": 300},
}
CELERY_BEAT_SCHEDULE["delete-expired-audit-entries"] = {
    "task": "audit.tasks.delete_expired_audit_entries", "schedule": 3600, "options": {"expires": 3600},
}

# --- Audit trail ----------------------------------------------------------------------------------
# How long the record of sign-ins, share links, moderation decisions and deletions is kept.
PICTURA_AUDIT_DAYS = env_int("PICTURA_AUDIT_DAYS", 365, minimum=1)

# /health answers within this, whatever hangs (pictura/health.py); the load balancer's timeout is 5 s.
PICTURA_HEALTH_TIMEOUT_SECONDS = env_int("PICTURA_HEALTH_TIMEOUT_SECONDS", 2, minimum=1)

# --- Security (production) --------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The load balancer terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Asking browsers to preload HSTS is hard to take back: only when the operator says so.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # "SECURE_HSTS_PRELOAD is not set"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else ""


# Content-Security-Policy (django-csp): scripts and styles only from this site's own files, no
# inline code. Images may come from S3 (or CloudFront), where the file views redirect to signed
# URLs, and the upload page sends files' parts straight to the bucket; forms may lead to the
# identity provider (sign-in and sign-out go through it).
_s3_origins = []
if AWS_STORAGE_BUCKET_NAME:
    _endpoint = DEFAULT_STORAGE["OPTIONS"]["endpoint_url"]
    _s3_origins = [_origin(_endpoint)] if _endpoint else ["https://*.amazonaws.com"]
    if AWS_CLOUDFRONT_DOMAIN:
        _s3_origins.append(f"https://{AWS_CLOUDFRONT_DOMAIN}")
# The map's tile server, "{s}." subdomains as a wildcard.
_tile_origins = [_origin(PICTURA_MAP_TILES_URL.replace("{s}", "*"))] if PICTURA_MAP_TILES_URL else []
_provider_origins = sorted({
    _origin(url) for url in (OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_LOGOUT_ENDPOINT) if url
})
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_s3_origins, *_tile_origins],
        "connect-src": ["'self'", *_s3_origins],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *_provider_origins],
    },
}

# --- The JSON API (api/, /api/v1/) ----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Personal tokens first: their "Bearer" challenge makes a request without credentials a 401.
        "api.authentication.ApiTokenAuthentication",
        "api.authentication.OidcAccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the site's own JavaScript, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerCredentialThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestIdFirst",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests a minute for one token (or one signed-in session, or one address without either).
PICTURA_API_REQUESTS_PER_MINUTE = env_int("PICTURA_API_REQUESTS_PER_MINUTE", 600, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "Pictura API",
    "DESCRIPTION": (
        "Your photos, albums, tags, people, places, share links and statistics. Authenticate with a "
        "personal API token from your profile page (`Authorization: Bearer pct_…`)"
        + (", or an access token of the single sign-on provider" if PICTURA_OIDC_ENABLED else "")
        + ". Errors share one shape: `{\"error\": {\"status\", \"code\", \"message\", \"fields\"}}`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Deep links put a link inside each operation's toggle button: nested controls, which axe
    # reports as serious (a screen reader announces neither properly).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "persistAuthorization": False},
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "RenditionsStateEnum": "gallery.models.Photo.Renditions",
        "AnalysisStateEnum": "analysis.models.PhotoAnalysis.State",
        "TagSourceEnum": "analysis.models.PhotoTag.Source",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("PICTURA_LOG_LEVEL", default="INFO")},
    "loggers": {"botocore": {"level": "WARNING"}, "PIL": {"level": "WARNING"}},
}
