"""Faults on the real stack: does any photo get lost, stuck or orphaned? Prints a table for the README.

    .venv/bin/python bench/faults.py          (about six minutes)

Starts on loopback, and stops at the end: SeaweedFS (S3, port 8333 must be free), a Redis of
its own, gunicorn with 4 workers, a Celery worker (2 processes) and Celery beat (the sweeper).
PostgreSQL is the one at PICTURA_BENCH_POSTGRES (default: postgres://postgres@127.0.0.1:5432/
postgres), in a database of the bench's own that it drops at the end, reached through a proxy
the bench can pause, so the shared server itself is never touched.

Each row breaks one thing while photos are uploaded or processed, then mends it, and counts:
photos the site said were uploaded; complete (renditions and tags done) within the recovery
window; stuck (not complete by then); lost (said uploaded, but row or original missing); and
orphans (objects in the bucket that no row names). Recovery is the time from the end of the
fault to the last photo complete.
"""
import itertools
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pictura.testing.servers import (  # noqa: E402 - after the path is set
    CeleryWorker,
    GunicornSite,
    PausableProxy,
    RedisServer,
    SeaweedS3,
    signed_in_session,
    stop_process,
    wait_for,
)

ADMIN_URL = os.environ.get("PICTURA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = f"pictura_faults_{os.getpid()}"
TASK_TIME_LIMIT = 20  # a killed worker's photos count as lost after this + 60 s
RECOVERY_WINDOW = 240  # seconds after the fault ends; what is not complete by then is stuck
_colours = itertools.count(1)


def new_photo() -> bytes:
    """A small JPEG no other call returns (duplicates would be refused)."""
    from pictura.testing.images import make_image

    n = next(_colours)
    return make_image(size=(640, 480), color=(n % 251, (n * 7) % 253, (n * 13) % 241))


class Stack:
    def __init__(self, work: Path):
        self.work = work
        admin = psycopg.conninfo.conninfo_to_dict(ADMIN_URL)
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        self.direct_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
        self.database_proxy = PausableProxy(int(admin.get("port", 5432)))
        proxied = self.direct_url.replace(f":{admin.get('port', 5432)}/", f":{self.database_proxy.port}/")
        self.s3 = SeaweedS3(work / "s3")
        (work / "s3").mkdir()
        self.s3.start()
        self.redis = RedisServer(work)
        self.redis.start()
        self.env = {
            **os.environ, **self.s3.environ(),
            "DATABASE_URL": proxied, "REDIS_URL": self.redis.url, "PICTURA_CELERY_QUEUE": "pictura-faults",
            "PICTURA_DOTENV": "off", "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
            "PICTURA_ANALYSE_UPLOADS": "true", "PICTURA_TAGGER": "local",
            "PICTURA_SWEEP_SECONDS": "2", "PICTURA_WORK_WAIT_SECONDS": "10", "PICTURA_WORK_RETRY_SECONDS": "2",
            "PICTURA_WORK_RETRY_MAX_SECONDS": "10", "CELERY_TASK_TIME_LIMIT": str(TASK_TIME_LIMIT),
        }
        os.environ.update(DJANGO_SETTINGS_MODULE="pictura.settings", DATABASE_URL=self.direct_url,
                          PICTURA_DOTENV="off", DJANGO_SECRET_KEY=self.env["DJANGO_SECRET_KEY"])
        import django
        from django.core.management import call_command

        django.setup()
        logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in of the 20 clients
        call_command("migrate", verbosity=0)
        from django.contrib.auth import get_user_model

        self.user = get_user_model().objects.create_user("faults", "faults@example.com", "x" * 20)
        self.site = GunicornSite(env=self.env, log=work / "gunicorn.log", workers=4)
        self.site.start()
        self.beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pictura", "beat", f"--schedule={work / 'beat'}",
             f"--logfile={work / 'beat.log'}"], cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.worker = self.start_worker()
        self.sessions = [signed_in_session(self.site.url, self.user) for _ in range(20)]

    def start_worker(self) -> CeleryWorker:
        worker = CeleryWorker(env=self.env, log=self.work / f"worker-{next(_colours)}.log", concurrency=2)
        worker.start()
        return worker

    def stop(self):
        for process in (self.worker, self.site, self.redis):
            process.stop()
        stop_process(self.beat)
        self.s3.resume()
        self.s3.stop()
        self.database_proxy.close()
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    # --- uploads and what became of them ---------------------------------------------------------

    def upload(self, count: int, *, clients: int = 20) -> dict:
        """``count`` files from ``clients`` clients at once, one file per request as the upload
        page sends them. Returns the ids the site said were uploaded and the slowest answer."""
        def send(n):
            session = self.sessions[n % clients]
            started = time.monotonic()
            response = session.post(
                f"{self.site.url}/upload/", files={"files": (f"IMG_{n}.jpg", new_photo(), "image/jpeg")},
                headers={"Accept": "application/json"}, timeout=120,
            )
            seconds = time.monotonic() - started
            result = response.json()["results"][0] if response.status_code == 200 else {"status": str(response.status_code)}
            return result, seconds

        with ThreadPoolExecutor(clients) as pool:
            answers = list(pool.map(send, range(count)))
        done = [int(r["url"].strip("/").rsplit("/", 1)[1]) for r, _ in answers if r["status"] == "done"]
        refused = [r.get("message", r["status"]) for r, _ in answers if r["status"] != "done"]
        return {"ids": done, "refused": refused, "slowest": max(s for _, s in answers)}

    def complete(self, ids) -> int:
        from analysis.models import PhotoAnalysis
        from gallery.models import Photo

        ready = Photo.objects.filter(pk__in=ids, renditions_state=Photo.Renditions.READY)
        return PhotoAnalysis.objects.filter(photo__in=ready, state=PhotoAnalysis.State.DONE).count()

    def any_running(self, ids) -> bool:
        from gallery.models import Photo

        return Photo.objects.filter(pk__in=ids, renditions_state=Photo.Renditions.RUNNING).exists()

    def any_retrying(self, ids) -> bool:
        from gallery.models import Photo

        return Photo.objects.filter(pk__in=ids, renditions_state=Photo.Renditions.PENDING).exclude(renditions_error="").exists()

    def lost_and_orphans(self, ids) -> tuple[int, int]:
        from gallery.models import Photo

        keys = set(self.s3.keys())
        rows = Photo.objects.values_list("pk", "original", "thumbnail", "preview", "shareable_original")
        named = {name for row in rows for name in row[1:] if name}
        originals = {pk: original for pk, original, *_ in rows}
        lost = sum(1 for pk in ids if originals.get(pk) not in keys)
        return lost, len(keys - named)

    def outcome(self, fault: str, uploaded: dict, fault_ended: float, note: str = "") -> dict:
        ids = uploaded["ids"]
        recovered_at = None
        deadline = fault_ended + RECOVERY_WINDOW
        while time.monotonic() < deadline:
            if self.complete(ids) == len(ids):
                recovered_at = time.monotonic()
                break
            time.sleep(0.5)
        complete = self.complete(ids)
        lost, orphans = self.lost_and_orphans(ids)
        recovery = f"{max(0.0, recovered_at - fault_ended):.0f}" if recovered_at and ids else "–"
        return {"fault": fault, "uploaded": len(ids), "complete": complete, "stuck": len(ids) - complete - lost,
                "orphans": orphans, "lost": lost, "recovery": recovery, "note": note}


# --- The faults -------------------------------------------------------------------------------


def concurrent_uploads(stack):
    uploaded = stack.upload(100, clients=20)
    return stack.outcome("100 uploads from 20 clients at once", uploaded, time.monotonic(),
                         f"slowest answer {uploaded['slowest']:.1f} s")


def redis_hung(stack):
    """First of the two Redis faults: after a failed send, each web process leaves the broker
    alone for 30 s, which would hide how long one send takes to fail."""
    stack.redis.pause()
    uploaded = stack.upload(10, clients=5)
    stack.redis.resume()
    return stack.outcome("Redis accepts, never answers", uploaded, time.monotonic(),
                         f"uploads answered in ≤ {uploaded['slowest']:.1f} s")


def redis_down(stack):
    stack.redis.stop()
    uploaded = stack.upload(10, clients=5)
    stack.redis.start()  # empty: every message sent before is gone too
    return stack.outcome("Redis down during uploads", uploaded, time.monotonic(),
                         f"uploads answered in ≤ {uploaded['slowest']:.1f} s")


def caught_mid_task(stack):
    """Photos queued while no worker runs; then a worker starts with storage hanging, so that
    its tasks are caught in the middle."""
    stack.worker.stop()
    uploaded = stack.upload(10, clients=5)
    stack.s3.pause()
    stack.worker = stack.start_worker()
    wait_for(lambda: stack.any_running(uploaded["ids"]), timeout=60, what="a task starting")
    return uploaded


def worker_child_killed(stack):
    uploaded = caught_mid_task(stack)
    killed = stack.worker.pool_children()
    for pid in killed:
        os.kill(pid, 9)
    stack.s3.resume()
    return stack.outcome("worker processes SIGKILLed mid-task", uploaded, time.monotonic(),
                         f"{len(killed)} processes killed; their tasks given back")


def whole_worker_killed(stack):
    uploaded = caught_mid_task(stack)
    stack.worker.kill()
    stack.s3.resume()
    stack.worker = stack.start_worker()
    return stack.outcome("whole worker SIGKILLed mid-task", uploaded, time.monotonic(),
                         f"found by the sweeper once the task time limit ({TASK_TIME_LIMIT} s) + 60 s passed")


def storage_down(stack):
    stack.worker.stop()
    uploaded = stack.upload(10, clients=5)
    stack.s3.stop()
    stack.worker = stack.start_worker()
    refused = stack.upload(3, clients=3)
    wait_for(lambda: stack.any_retrying(uploaded["ids"]), timeout=90, what="a failed attempt")
    time.sleep(20)  # an outage of a while, through several retries
    stack.s3.start()
    note = f"{len(refused['refused'])} uploads during the outage refused, with a message"
    return stack.outcome("S3 down for 20 s, then back", uploaded, time.monotonic(), note)


def database_hung(stack):
    stack.database_proxy.pause()
    started = time.monotonic()
    import requests

    health = requests.get(f"{stack.site.url}/health", timeout=30)
    seconds = time.monotonic() - started
    stack.database_proxy.resume()
    return {"fault": "database accepts, never answers", "uploaded": 0, "complete": 0, "stuck": 0, "orphans": 0,
            "lost": 0, "recovery": "–", "note": f"/health: {health.status_code} in {seconds:.1f} s"}


def bad_requests(stack):
    session = stack.sessions[0]
    url = f"{stack.site.url}/upload/"
    many = session.post(url, files=[("files", (f"{i}.jpg", b"x", "image/jpeg")) for i in range(300)], timeout=60)
    long_name = session.post(url, files={"files": ("n" * 1000 + ".jpg", new_photo(), "image/jpeg")}, timeout=60)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", stack.site.port)) as raw:
        raw.sendall(
            b"POST /upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 2147483648\r\n\r\n" + b"x" * 65536
        )
        status_line = raw.recv(4096).split(b"\r\n", 1)[0].decode()
    huge = f"{status_line.split(' ')[1]} in {time.monotonic() - started:.2f} s"
    note = (f"300 files: {many.status_code}, 1,000-character name: {long_name.status_code}, 2 GB: {huge}; "
            "each with a page that says why")
    return {"fault": "bad requests", "uploaded": 0, "complete": 0, "stuck": 0, "orphans": 0, "lost": 0,
            "recovery": "–", "note": note}


FAULTS = [concurrent_uploads, redis_hung, redis_down, worker_child_killed, whole_worker_killed, storage_down,
          database_hung, bad_requests]


def main():
    work = Path(tempfile.mkdtemp(prefix="pictura-faults-"))
    print(f"Starting the stack (logs in {work})...", file=sys.stderr)
    stack = Stack(work)
    rows = []
    try:
        for fault in FAULTS:
            print(f"- {fault.__name__.replace('_', ' ')}", file=sys.stderr)
            rows.append(fault(stack))
    finally:
        stack.stop()
    print("| fault | uploaded | complete | stuck | orphans | lost | recovery (s) | notes |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print("| {fault} | {uploaded} | {complete} | {stuck} | {orphans} | {lost} | {recovery} | {note} |".format(**row))


if __name__ == "__main__":
    main()
