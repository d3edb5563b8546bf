"""Import throughput: `manage.py import_photos` against the bare decode rate of the same files.

Makes N phone-sized JPEGs (12 MP, as bench/ingest.py makes them) in a folder, then in one
run measures:
- decode: Pillow opening and fully decoding each file, one core, nothing else;
- import, 1 worker and 2 workers: the command on the folder (a user each, so nothing is a
  duplicate): the upload's checks, SHA-256, metadata, storing the original and both renditions
  made from the decode that checked the file, the rows; tagging is left to the workers. The
  three run in turn on a quarter of the files at a time, so that drift falls on all alike,
  and each is also measured in CPU time of the whole machine (what the hypervisor takes back
  from it, which varies by the minute here, does not count);
- import of a Takeout-shaped .zip (album folders, year folders, a JSON sidecar per photo);
- tagging: the analysis the imports left due, as `manage.py sweep` runs it (local models, one core).

Runs against a throw-away SQLite database and media directory, never the development ones.
Run it on an otherwise idle machine: the CPU time counted is the whole machine's.

    .venv/bin/python bench/import.py [--count 500] [--takeout 100] [--tag 50]
"""
import argparse
import io
import json
import logging
import os
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingest import decode_rate, make_photos
from throwaway import setup_throwaway_django


def bench_user(username: str):
    from django.contrib.auth import get_user_model

    # The full tier: no quota, which 500 photos of 6 MB would pass in the basic one.
    return get_user_model().objects.create_user(username, f"{username}@example.org", "bench-password-1", tier="full")


def import_seconds(source: Path, user, workers: int) -> float:
    """Seconds `manage.py import_photos` takes to bring ``source`` into ``user``'s library."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("import_photos", str(source), user=user.username, workers=workers, verbosity=0,
                 stdout=io.StringIO(), report=str(Path(tempfile.gettempdir()) / f"pictura-import-{user.username}.txt"))
    return time.perf_counter() - started


def ready_photos(user) -> int:
    from gallery.models import Photo

    return Photo.objects.filter(owner=user, renditions_state=Photo.Renditions.READY).count()


def machine_cpu_seconds() -> float:
    """CPU time every process on this machine has had so far (Linux: user, nice, system, irq and
    softirq in /proc/stat; not idle, not I/O wait, not what the hypervisor took back)."""
    user, nice, system, _idle, _iowait, irq, softirq = map(int, Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    photos: int = 0
    seconds: float = 0.0  # wall clock
    cpu: float = 0.0  # of all processes: the command, its workers and their decoders

    def run(self, photos: int, work, *args) -> None:
        started, cpu = time.perf_counter(), machine_cpu_seconds()
        work(*args)
        self.seconds += time.perf_counter() - started
        self.cpu += machine_cpu_seconds() - cpu
        self.photos += photos

    @property
    def rate(self) -> float:
        return self.photos / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.photos


def in_rounds(paths: list[Path], work: Path, rounds: int) -> dict[str, Phase]:
    """The bare decode, the one-worker import and the two-worker import, run in turn on each of
    ``rounds`` slices of the files (a folder each), so that this machine's speed, which drifts by
    10-50 % from minute to minute here, falls on all three alike."""
    one, two = bench_user("one-worker"), bench_user("two-workers")
    phases = {"decode": Phase(), "one": Phase(), "two": Phase()}
    for n in range(rounds):
        part = paths[n::rounds]
        folder = work / f"round-{n}"
        folder.mkdir()
        for path in part:
            (folder / path.name).symlink_to(path)
        phases["decode"].run(len(part), decode_rate, part)
        phases["one"].run(len(part), import_seconds, folder, one, 1)
        phases["two"].run(len(part), import_seconds, folder, two, 2)
    assert ready_photos(one) == ready_photos(two) == len(paths), (ready_photos(one), ready_photos(two))
    return phases


def takeout_zip(paths: list[Path], target: Path) -> Path:
    """The photos as Google Takeout packs them: year folders, one album folder holding a fifth of
    them again, a sidecar with a capture time and a place beside each."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for n, path in enumerate(paths):
            folders = ["Photos from 2021"] + (["Summer in Lisbon"] if n % 5 == 0 else [])
            sidecar = {"title": path.name, "photoTakenTime": {"timestamp": str(1_625_000_000 + n * 3600)},
                       "geoData": {"latitude": 38.7 + n / 1000, "longitude": -9.1, "altitude": 0.0}}
            for folder in folders:
                archive.write(path, f"Takeout/Google Photos/{folder}/{path.name}")
                archive.writestr(f"Takeout/Google Photos/{folder}/{path.name}.json", json.dumps(sidecar))
        archive.writestr("Takeout/Google Photos/Summer in Lisbon/metadata.json", json.dumps({"title": "Summer in Lisbon"}))
    return target


def tagging_rate(limit: int) -> tuple[float, int]:
    """Photos/s of the analysis the imports left due, run as the sweeper runs it."""
    from analysis.models import PhotoAnalysis
    from analysis.tasks import analyse_photo

    due = list(PhotoAnalysis.objects.filter(state=PhotoAnalysis.State.PENDING).values_list("photo_id", flat=True)[:limit])
    analyse_photo.apply(args=(due[0],))  # loads the models: not part of the rate
    started = time.perf_counter()
    for photo_id in due[1:]:
        analyse_photo.apply(args=(photo_id,))
    return (len(due) - 1) / (time.perf_counter() - started), len(due) - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="phone-sized JPEGs in the folder (default 500)")
    parser.add_argument("--takeout", type=int, default=100, help="of them, packed as a Takeout .zip (default 100)")
    parser.add_argument("--tag", type=int, default=50, help="photos tagged afterwards to time the workers (default 50)")
    parser.add_argument("--photos", type=Path, help="a folder of JPEGs an earlier run made, instead of new ones")
    args = parser.parse_args()

    work = setup_throwaway_django(PICTURA_ANALYSE_UPLOADS="true")
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # a line per tagged photo otherwise
    folder = args.photos or work / "photos"
    if args.photos:
        paths = sorted(folder.glob("*.jpg"))[: args.count]
    else:
        folder.mkdir()
        print(f"Making {args.count} synthetic 4000×3000 JPEGs in {folder} ...", flush=True)
        paths = make_photos(folder, args.count, noise=12)
    average_mb = sum(p.stat().st_size for p in paths) / len(paths) / 1e6

    phases = in_rounds(paths, work, rounds=4)
    decode, one, two = (phases[name].rate for name in ("decode", "one", "two"))
    archive = takeout_zip(paths[: args.takeout], work / "takeout.zip")
    takeout_user = bench_user("takeout")
    takeout_seconds = import_seconds(archive, takeout_user, 2)
    takeout = ready_photos(takeout_user) / takeout_seconds
    tagging, tagged = tagging_rate(args.tag)

    print(f"photos:               {len(paths)} × 12.0 MP JPEG, {average_mb:.1f} MB each on average; {os.cpu_count()} cores")
    print(f"bare Pillow decode:   {decode:6.2f} photos/s (one core)")
    print(f"import, 1 worker:     {one:6.2f} photos/s   {one / decode:4.0%} of decode   (target: 90 %)")
    print(f"import, 2 workers:    {two:6.2f} photos/s   {two / one:4.2f}× one worker (target: 1.7×)")
    print(f"CPU a photo:          decode {phases['decode'].cpu_ms:.0f} ms, import {phases['one'].cpu_ms:.0f} ms with 1 worker "
          f"({phases['decode'].cpu / phases['one'].cpu:.0%} of decode by CPU time), {phases['two'].cpu_ms:.0f} ms with 2")
    print(f"Takeout .zip, 2 w.:   {takeout:6.2f} photos/s   ({ready_photos(takeout_user)} photos, sidecars and an album)")
    print(f"tagging afterwards:   {tagging:6.2f} photos/s   ({tagged} photos, local models, one core)")


if __name__ == "__main__":
    main()
