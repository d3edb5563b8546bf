"""Real servers for tests, started on loopback: SeaweedFS (S3), Redis, Celery workers,
gunicorn and an SMTP server. Those a fault test breaks can be paused (SIGSTOP: the port still
accepts connections, nothing answers), resumed, stopped and started again on the same port."""
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3


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


class ServerProcess:
    """A server the tests start as a process of its own (in a session of its own, so that its
    children can be signalled with it)."""

    process: subprocess.Popen | None = None

    def _until_started(self, check, what: str):
        """Wait for ``check``; a server that does not start is stopped, never left running."""
        try:
            wait_for(check, timeout=60, what=what)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        stop_process(self.process)


class Pausable(ServerProcess):
    """A server process that a fault test can hang: paused, its port still accepts
    connections but nothing answers them, until it is resumed."""

    def pause(self):
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.killpg(self.process.pid, signal.SIGCONT)


def stop_process(process: subprocess.Popen | None, *, timeout: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGCONT)  # a paused process cannot act on SIGTERM
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class SeaweedS3(Pausable):
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
        self._until_started(lambda: self.client().head_bucket(Bucket=self.bucket), "SeaweedFS answering")

    def stop(self):
        super().stop()
        wait_for(lambda: not port_is_open(self.port), timeout=20, what="SeaweedFS stopping")

    def environ(self) -> dict[str, str]:
        """The environment that points another Pictura process (a worker) at this bucket: with
        production's settings, as the tests' own keep files on local disk."""
        return {
            "DJANGO_SETTINGS_MODULE": "pictura.settings",
            "AWS_STORAGE_BUCKET_NAME": self.bucket, "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_S3_REGION_NAME": "us-east-1", "AWS_S3_ADDRESSING_STYLE": "path",
        }

    def empty_bucket(self) -> None:
        client = self.client()
        for key in self.keys():
            client.delete_object(Bucket=self.bucket, Key=key)

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))


class RedisServer(Pausable):
    """A ``redis-server`` of the test's own on a free loopback port, without persistence: stopped
    and started again, it has forgotten every message, as a restarted Redis may have."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.data_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self._until_started(lambda: redis.Redis.from_url(self.url, socket_timeout=1).ping(), "Redis answering")


class CeleryWorker(ServerProcess):
    """A real ``celery worker`` process (prefork: a parent and its pool children), with Celery
    beat inside when asked, so that the sweeper runs as it does in production."""

    def __init__(self, *, env: dict[str, str], log: Path, beat: bool = False, concurrency: int = 1):
        self.env, self.log, self.beat, self.concurrency = env, log, beat, concurrency
        self.process = None

    def start(self):
        beat = ["--beat", f"--schedule={self.log.with_suffix('.beat')}"] if self.beat else []
        self.log.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pictura", "worker", f"--concurrency={self.concurrency}",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
             f"--logfile={self.log}", *beat],
            cwd=Path(__file__).resolve().parents[2], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self._until_started(lambda: self.log.exists() and " ready." in self.log.read_text(), "Celery worker start")

    def pool_children(self) -> list[int]:
        """The processes that run tasks (the beat process too, when there is one)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def kill(self):
        """SIGKILL the whole worker, as the OOM killer or a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class GunicornSite(ServerProcess):
    """The site under gunicorn, as production runs it (WhiteNoise, DEBUG off), on a free
    loopback port; ``env`` says which database, storage and broker it uses."""

    def __init__(self, *, env: dict[str, str], log: Path, workers: int = 1):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **env, "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_COOKIES": "false",
        }
        self.log, self.workers = log, workers
        self.process = None

    def start(self):
        import requests

        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "pictura.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--error-logfile", str(self.log)],
            cwd=Path(__file__).resolve().parents[2], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self._until_started(lambda: requests.get(f"{self.url}/health", timeout=2).status_code == 200, "gunicorn")


class PausableProxy:
    """A TCP proxy on a free loopback port to ``target_port``. ``pause()`` makes whatever is
    behind it hang, as seen by its clients: connections are accepted, nothing is forwarded,
    until ``resume()``. For faults of a server shared with others (PostgreSQL), which a test
    must never stop itself."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def pause(self):
        self.flowing.clear()

    def resume(self):
        self.flowing.set()

    def close(self):
        self.listener.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client):
        self.flowing.wait()
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SilentServer:
    """``with SilentServer() as port:`` a port that accepts connections and never answers, as a
    database or Redis does when it hangs (the kernel completes the handshake on its own)."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        return self.sock.getsockname()[1]

    def __exit__(self, *exc_info):
        self.sock.close()


def signed_in_session(site_url: str, user):
    """A ``requests`` session of ``user`` on a site another process serves from this test's
    database, with the CSRF token a page would give it."""
    import requests
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    session.get(f"{site_url}/upload/", timeout=10).raise_for_status()
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


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


class SMTPInbox:
    """What a real SMTP server on loopback received, as parsed email messages."""

    def __init__(self):
        self.messages = []
        self.raw = []  # as received, before parsing

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"

    def only_message(self):
        assert len(self.messages) == 1, [m["Subject"] for m in self.messages]
        return self.messages[0]


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
