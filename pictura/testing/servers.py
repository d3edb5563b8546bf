"""Real servers for tests, started on loopback: SeaweedFS (S3) and an SMTP server."""
import email
import email.policy
import os
import shutil
import socket
import subprocess
import sys
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


class SeaweedS3:
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
        wait_for(lambda: self.client().head_bucket(Bucket=self.bucket), timeout=60, what="SeaweedFS answering")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        wait_for(lambda: not port_is_open(self.port), timeout=20, what="SeaweedFS stopping")

    def empty_bucket(self) -> None:
        client = self.client()
        for key in self.keys():
            client.delete_object(Bucket=self.bucket, Key=key)

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))


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

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
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
