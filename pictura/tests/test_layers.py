"""The import contract between the apps (.importlinter), run as `make check` runs it."""
import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.slow  # `make check` runs lint-imports itself


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_apps_keep_the_contract():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout


def test_a_wrong_way_import_breaks_it(tmp_path):
    contract = configparser.ConfigParser()
    contract.read(ROOT / ".importlinter")
    for package in contract["importlinter"]["root_packages"].split():
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    (tmp_path / "albums" / "shortcut.py").write_text("from analysis.models import Tag\n")

    done = lint_imports(tmp_path)

    assert done.returncode != 0
    assert "albums is not allowed to import analysis" in done.stdout
    assert "albums.shortcut -> analysis.models" in done.stdout
