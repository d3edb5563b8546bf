"""Coverage of each app over all of `make test`'s passes, and whether each reaches the floor.

    python scripts/coverage_by_app.py [--floor 85]
"""
import argparse
import sys
from collections import defaultdict
from pathlib import Path

import coverage


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--floor", type=float, default=85.0)
    floor = parser.parse_args().floor
    measured = coverage.Coverage(config_file="pyproject.toml")
    measured.load()
    apps = measured.get_option("run:source")  # the apps pyproject.toml measures
    root = Path.cwd()
    statements, missing = defaultdict(int), defaultdict(int)
    for filename in measured.get_data().measured_files():
        app = Path(filename).resolve().relative_to(root).parts[0]
        _, lines, _, not_run, _ = measured.analysis2(filename)
        statements[app] += len(lines)
        missing[app] += len(not_run)
    print("\nCoverage by app (all passes):")
    below = []
    for app in apps:
        percent = 100.0 * (statements[app] - missing[app]) / statements[app] if statements[app] else 0.0
        print(f"  {app:10} {percent:5.1f} %  ({statements[app] - missing[app]} of {statements[app]} statements)")
        if percent < floor:
            below.append(app)
    if below:
        print(f"Below the {floor:.0f} % floor: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
