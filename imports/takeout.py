"""Google Takeout's layout of a Google Photos library, as the importer reads it:

    Takeout/Google Photos/Photos from 2019/IMG_1234.JPG
    Takeout/Google Photos/Photos from 2019/IMG_1234.JPG.json         (or .supplemental-metadata.json)
    Takeout/Google Photos/Trip to Rome/IMG_1234.JPG                  (the same photo, in an album)
    Takeout/Google Photos/Trip to Rome/metadata.json                 ({"title": "Trip to Rome", ...})
    Takeout/Google Photos/Trip to Rome/IMG_1234-edited.JPG           (the copy edited in Google Photos)

Each photo's JSON sidecar has its title, description, capture time (``photoTakenTime``, seconds
since 1970 in UTC) and position (``geoDataExif``, else ``geoData``; 0.0/0.0 means none). Takeout
cuts long sidecar names to 51 characters and numbers duplicate names ``IMG(1).jpg`` with the
sidecar ``IMG.jpg(1).json``. Folders named "Photos from YYYY" hold every photo by year; every
other folder is an album, named by its ``metadata.json`` (else by the folder's name).
"""
import json
import re
from datetime import UTC, datetime
from pathlib import PurePosixPath

YEAR_FOLDER = re.compile(r"^Photos from \d{4}$")
EDITED = re.compile(r"^(?P<stem>.+)-edited(?P<suffix>\.[^.]+)$", re.IGNORECASE)
NUMBERED = re.compile(r"^(?P<stem>.+)\((?P<n>\d+)\)(?P<suffix>\.[^.]+)$")
SIDECAR_NAME_LIMIT = 51  # characters of a sidecar's name, ".json" included
SUPPLEMENTAL = ".supplemental-metadata"


def is_sidecar(path: str) -> bool:
    return path.lower().endswith(".json")


def is_edited(path: str) -> bool:
    return bool(EDITED.match(PurePosixPath(path).name))


def original_of_edited(path: str) -> str:
    """"…/IMG_1234-edited.JPG" → "…/IMG_1234.JPG"."""
    pure = PurePosixPath(path)
    match = EDITED.match(pure.name)
    return str(pure.with_name(match["stem"] + match["suffix"])) if match else path


def sidecar_candidates(path: str) -> list[str]:
    """The names Takeout may have given this photo's sidecar, most likely first."""
    pure = PurePosixPath(original_of_edited(path))
    name, numbered = pure.name, ""
    if match := NUMBERED.match(name):
        name, numbered = match["stem"] + match["suffix"], f"({match['n']})"
    names = []
    for base in (name + SUPPLEMENTAL, name, PurePosixPath(name).stem):
        full = f"{base}{numbered}.json"
        names.append(full)
        if len(full) > SIDECAR_NAME_LIMIT:  # cut before ".json" (and before the number)
            names.append(f"{base[: SIDECAR_NAME_LIMIT - len(numbered) - 5]}{numbered}.json")
    return [str(pure.with_name(candidate)) for candidate in dict.fromkeys(names)]


def album_folder(path: str) -> str | None:
    """The folder of the photo if it is an album's (not a "Photos from YYYY" one), else None."""
    parent = PurePosixPath(path).parent
    if str(parent) in ("", ".") or YEAR_FOLDER.match(parent.name):
        return None
    return str(parent)


def looks_like_takeout(paths) -> bool:
    """Whether a list of files is laid out as Takeout lays out Google Photos."""
    return any(YEAR_FOLDER.match(PurePosixPath(path).parent.name) for path in paths) and any(
        is_sidecar(path) for path in paths
    )


def known_from_sidecar(data: bytes, *, filename: str) -> dict:
    """Photo fields from a sidecar: what Pictura fills in where the file itself says nothing.
    A broken sidecar gives nothing (the photo is imported all the same)."""
    try:
        sidecar = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(sidecar, dict):
        return {}
    known = {}
    title = str(sidecar.get("title") or "").strip()
    if title and title != filename and title != original_of_edited(filename):
        known["title"] = title[:200]
    if description := str(sidecar.get("description") or "").strip():
        known["description"] = description
    try:
        taken = int((sidecar.get("photoTakenTime") or {}).get("timestamp"))
        known["taken_at"] = datetime.fromtimestamp(taken, tz=UTC).isoformat()
    except (TypeError, ValueError, OverflowError, OSError, AttributeError):
        pass
    for key in ("geoDataExif", "geoData"):
        position = sidecar.get(key) or {}
        try:
            latitude, longitude = float(position.get("latitude")), float(position.get("longitude"))
        except (TypeError, ValueError, AttributeError):
            continue
        if (latitude, longitude) != (0.0, 0.0) and -90 <= latitude <= 90 and -180 <= longitude <= 180:
            known.update(latitude=latitude, longitude=longitude)
            break
    return known


def album_title(metadata: bytes | None, folder: str) -> str:
    """An album folder's title: its metadata.json's, else the folder's own name."""
    try:
        title = str(json.loads(metadata or b"{}").get("title") or "").strip()
    except (ValueError, AttributeError):
        title = ""
    return (title or PurePosixPath(folder).name)[:200]
