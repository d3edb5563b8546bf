"""Build the Elastic Beanstalk source bundle, dist/pictura-<commit>.zip: the files git tracks
minus what .ebignore leaves out (the same file `eb deploy` reads), so what CI checks is what
deploys. Patterns: "name/" leaves out a folder of that name anywhere, "a/b/" or "a/b" that path
from the top, anything else a file name (globs allowed) anywhere.

    .venv/bin/python scripts/bundle.py      (make bundle)
"""
import fnmatch
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent


def ignored_patterns() -> list[str]:
    lines = (ROOT / ".ebignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def left_out(path: str, patterns) -> bool:
    parts = PurePosixPath(path).parts
    for pattern in patterns:
        bare = pattern.rstrip("/")
        if "/" in bare:  # a path from the top
            if path == bare or path.startswith(bare + "/"):
                return True
        elif pattern.endswith("/"):  # a folder of that name anywhere
            if bare in parts[:-1]:
                return True
        elif any(fnmatch.fnmatch(part, bare) for part in parts):
            return True
    return False


def bundle_files() -> list[str]:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    patterns = ignored_patterns()
    return sorted(path for path in tracked if (ROOT / path).is_file() and not left_out(path, patterns))


def main() -> Path:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    target = ROOT / "dist" / f"pictura-{commit}.zip"
    target.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in bundle_files():
            archive.write(ROOT / path, path)
    print(target.relative_to(ROOT))
    return target


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
