"""How Pictura talks to S3: failures are reported in seconds, not minutes; objects are
written to be cached for good."""
from botocore.config import Config

# Every key's bytes stay as written (renditions get a new key when remade), so any cache,
# CloudFront's or a browser's, may keep them.
OBJECT_PARAMETERS = {"CacheControl": "public, max-age=31536000, immutable"}


def s3_client_config(*, addressing_style: str | None) -> Config:
    """botocore's defaults wait 60 s to connect and 60 s per read, five times over: a hung S3
    would hold an upload or a worker for minutes. With these, an outage is an error within
    about a minute at worst, which the caller turns into a clear message or a later retry."""
    return Config(
        s3={"addressing_style": addressing_style},
        signature_version="s3v4",
        connect_timeout=5,
        read_timeout=20,
        retries={"mode": "standard", "max_attempts": 3},
    )
