"""Where an import reads files from: a local folder (recursively), an S3 prefix, or an archive
(.zip, .tgz / .tar.gz). Each lists its files with their sizes and reads them, in the order that
is cheapest for it (a compressed tar can only be read from start to end)."""
import tarfile
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files.storage import default_storage

# Pictura's own keys in its bucket: importing from them would copy another person's photos.
PICTURA_PREFIXES = ("photos/", "renditions/", "uploads/", "faces/", "watermarks/")
# What operating systems leave beside photos; never worth a line in the report.
LEFT_OUT_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


class SourceError(Exception):
    """The source cannot be read at all; the message says why."""


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the source, with "/" between folders
    size: int


def left_out(path: str) -> bool:
    name = PurePosixPath(path).name
    return name in LEFT_OUT_NAMES or name.startswith("._")


class Source(ABC):
    # Whether ``read`` finds any file without reading the ones before it; each import process
    # then reads its own files.
    reads_any_file = True

    @abstractmethod
    def entries(self) -> Iterator[Entry]:
        """Every file, in a stable order."""

    @abstractmethod
    def read(self, path: str) -> bytes:
        """One file's bytes."""

    def stream(self, paths: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(path, bytes) of each of ``paths`` wanted, in the order cheapest for the source."""
        for path in paths:
            yield path, self.read(path)


class FolderSource(Source):
    def __init__(self, root: Path):
        self.root = root

    def entries(self):
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                yield Entry(path.relative_to(self.root).as_posix(), path.stat().st_size)

    def read(self, path):
        return (self.root / path).read_bytes()


class ZipSource(Source):
    def __init__(self, path: Path):
        self.archive = zipfile.ZipFile(path)

    def entries(self):
        for info in self.archive.infolist():
            if not info.is_dir():
                yield Entry(info.filename, info.file_size)

    def read(self, path):
        return self.archive.read(path)


class TarSource(Source):
    """A tar, compressed or not. Reading a member of a .tgz means decompressing everything before
    it, so ``stream`` reads the wanted members in one pass from the start."""

    reads_any_file = False

    def __init__(self, path: Path):
        self.path = path

    def _members(self):
        with tarfile.open(self.path, "r:*") as archive:
            for member in archive:
                if member.isfile():
                    yield archive, member

    def entries(self):
        for _, member in self._members():
            yield Entry(member.name, member.size)

    def read(self, path):
        return dict(self.stream([path]))[path]

    def stream(self, paths):
        wanted = set(paths)
        for archive, member in self._members():
            if member.name in wanted:
                yield member.name, archive.extractfile(member).read()


class S3Source(Source):
    """``s3://bucket/prefix``: the files under the prefix, read with the storage's credentials and
    endpoint when files are in S3 (any bucket they can read), else boto3's own."""

    def __init__(self, url: str):
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise SourceError("Name the bucket: s3://bucket/prefix/")
        overlaps = any(own.startswith(prefix) or prefix.startswith(own) for own in PICTURA_PREFIXES)
        if bucket == getattr(default_storage, "bucket_name", None) and overlaps:
            raise SourceError(f"s3://{bucket}/{prefix} holds Pictura's own files; import from another prefix.")
        self.bucket, self.prefix = bucket, prefix
        if hasattr(default_storage, "bucket_name"):
            self.client = default_storage.connection.meta.client
        else:
            import boto3

            self.client = boto3.client("s3")

    def entries(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    yield Entry(item["Key"][len(self.prefix):].lstrip("/"), item["Size"])

    def read(self, path):
        key = f"{self.prefix.rstrip('/')}/{path}" if self.prefix else path
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


def open_source(spec: str) -> Source:
    """The source ``spec`` names; raises SourceError when there is none."""
    if spec.startswith("s3://"):
        return S3Source(spec)
    path = Path(spec).expanduser()
    if path.is_dir():
        return FolderSource(path)
    if not path.is_file():
        raise SourceError(f"{spec}: no such folder or file.")
    if zipfile.is_zipfile(path):
        return ZipSource(path)
    if tarfile.is_tarfile(path):
        return TarSource(path)
    raise SourceError(f"{spec}: not a folder, an s3:// prefix, a .zip or a .tgz archive.")
