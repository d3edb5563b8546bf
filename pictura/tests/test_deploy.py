import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test starts manage.py in a new process

ROOT = Path(__file__).resolve().parent.parent.parent

# What production sets: .ebextensions/01_pictura.config plus the `eb setenv` line in the README.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "pictura.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_HSTS_SECONDS": "31536000",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "photos.example.org",
}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings():
    done = manage("check", "--deploy", "--fail-level", "WARNING", env={**os.environ, **PRODUCTION_ENV})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is not a boolean; use true or false."),
        ("PICTURA_MAX_UPLOAD_MB", "lots", "PICTURA_MAX_UPLOAD_MB='lots' is not a whole number."),
        ("PICTURA_MAX_UPLOAD_MB", "0", "PICTURA_MAX_UPLOAD_MB=0 is below the minimum of 1."),
        ("DJANGO_SECRET_KEY", "", "DJANGO_SECRET_KEY is not set."),
        ("PICTURA_TAGGER", "clip", "PICTURA_TAGGER='clip' is not a tagger; use one of local, rekognition."),
    ],
)
def test_a_bad_setting_stops_start_up_with_a_clear_message(name, value, message):
    env = {**os.environ, **PRODUCTION_ENV, name: value}
    done = manage("check", env=env)
    assert done.returncode != 0
    assert f"ImproperlyConfigured: {message}" in done.stderr


def serve(process, role, tmp_path) -> str:
    """What scripts/serve.sh (the Procfile's processes) starts for ``process`` under PICTURA_ROLE
    ``role``: the programs it would exec are stand-ins that print their command line."""
    for program in ("gunicorn", "celery", "sleep"):
        stand_in = tmp_path / program
        stand_in.write_text(f'#!/bin/sh\necho {program} "$@"\n')
        stand_in.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", **({"PICTURA_ROLE": role} if role else {})}
    done = subprocess.run(["bash", "scripts/serve.sh", process], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_procfile_runs_gunicorn_on_loopback_port_8000_and_a_celery_worker(tmp_path):
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert processes == {"web": "bash scripts/serve.sh web", "worker": "bash scripts/serve.sh worker"}
    # Only nginx, on the same instance, talks to gunicorn.
    assert serve("web", "", tmp_path).startswith("gunicorn pictura.wsgi:application --bind 127.0.0.1:8000 --workers 3")
    assert serve("worker", "", tmp_path).startswith("celery -A pictura worker --beat")
    # Two environments from one bundle (infra/pictura.yaml): each runs its own part.
    assert serve("worker", "web", tmp_path) == "sleep infinity"
    assert "--workers 1 " in serve("web", "worker", tmp_path)
    assert serve("worker", "worker", tmp_path).startswith("celery -A pictura worker")


def _setting(name, env):
    done = manage("shell", "-c", f"from django.conf import settings; print(settings.{name})", env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_hsts_preload_only_when_asked_for():
    env = {**os.environ, **PRODUCTION_ENV}
    assert _setting("SECURE_HSTS_PRELOAD", env) == "False"
    assert _setting("SECURE_HSTS_PRELOAD", {**env, "DJANGO_HSTS_PRELOAD": "true"}) == "True"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client, admin_client):
    for response in (client.get("/accounts/login/"), admin_client.get("/admin/")):
        policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert "unsafe" not in response["Content-Security-Policy"]


def test_tests_never_read_the_developers_env_file(settings):
    assert os.environ["PICTURA_DOTENV"] == "off"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_nginx_refuses_bodies_at_the_same_size_as_the_app_and_has_its_error_page(settings):
    nginx = (ROOT / ".platform/nginx/conf.d/pictura.conf").read_text()
    assert f"client_max_body_size {settings.PICTURA_MAX_REQUEST_MB}M;" in nginx
    errors = (ROOT / ".platform/nginx/conf.d/elasticbeanstalk/pictura-errors.conf").read_text()
    assert "error_page 408 413 502 503 504 /_errors/request-failed.html;" in errors
    page = (ROOT / "static/errors/request-failed.html").read_text()
    assert f"at most {settings.PICTURA_MAX_REQUEST_MB} MB" in page and f"at most {settings.PICTURA_MAX_UPLOAD_MB} MB" in page


def test_cloudfront_settings_sign_urls_with_the_key_from_the_environment():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    env = {**os.environ, **PRODUCTION_ENV, "AWS_STORAGE_BUCKET_NAME": "photos", "AWS_S3_REGION_NAME": "eu-west-1",
           "AWS_CLOUDFRONT_DOMAIN": "d111111abcdef8.cloudfront.net", "AWS_CLOUDFRONT_KEY_ID": "K2JCJMDEHXQW5F",
           "AWS_CLOUDFRONT_KEY": pem.replace("\n", "\\n")}  # as one line, the way environment properties hold it
    done = manage("shell", "-c", "from django.core.files.storage import default_storage; print(default_storage.url('a.jpg'))",
                  env=env)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip().splitlines()[-1]
    assert url.startswith("https://d111111abcdef8.cloudfront.net/a.jpg?Expires=") and "Key-Pair-Id=K2JCJMDEHXQW5F" in url
