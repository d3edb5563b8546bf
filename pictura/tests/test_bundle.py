"""`make bundle`: the Elastic Beanstalk source bundle holds what the instances run, nothing else."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_bundle_holds_the_app_and_its_deploy_files_and_no_tests_media_or_pytorch():
    done = subprocess.run([sys.executable, "scripts/bundle.py"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(ROOT / done.stdout.strip()) as bundle:
        names = set(bundle.namelist())
        requirements = bundle.read("requirements.txt").decode()
    for needed in ("Procfile", "manage.py", "requirements.txt", ".ebextensions/01_pictura.config",
                   ".platform/nginx/conf.d/pictura.conf", "scripts/serve.sh", "scripts/assets.sh", "package.json",
                   "package-lock.json", "pictura/settings.py", "templates/base.html", "static/css/pictura.css",
                   "gallery/migrations/0001_initial.py", "audit/models.py"):
        assert needed in names, needed
    assert not [name for name in names if "/tests/" in name or name.startswith(("bench/", "infra/", "media/"))]
    assert not names & {"conftest.py", "pytest.ini", "db.sqlite3", ".env", "requirements-dev.txt",
                        "requirements-local-tagger.txt", "Makefile"}
    assert not [name for name in names if name.startswith(("pictura/testing/", ".venv/", "node_modules/", "staticfiles/"))]
    packages = {line.split("==")[0].split("[")[0].strip().lower() for line in requirements.splitlines()
                if line.strip() and not line.startswith(("#", "-"))}
    assert "django" in packages and not packages & {"torch", "torchvision", "dlib", "dlib-bin", "onnxruntime"}
