"""What a file says about itself beyond the camera's facts: title, description, keywords,
author, credit and copyright, as Lightroom, darktable, Photoshop and phones write them.

Three places may hold each: XMP (Dublin Core and Photoshop's namespace), IPTC-IIM (the older
block in JPEGs) and EXIF. XMP wins, then IPTC, then EXIF, as the Metadata Working Group's
guidelines for reading them advise. Pillow reads all three (XMP through defusedxml); a broken
block is skipped, never a reason to refuse the photo.
"""
import logging
from dataclasses import dataclass, field

from PIL import IptcImagePlugin

logger = logging.getLogger(__name__)

# The lengths of the Photo fields they fill; keywords become tags of at most 100 characters.
LIMITS = {"title": 200, "description": 5000, "author": 200, "credit": 200, "copyright": 300}
MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 100

# IPTC-IIM datasets (record 2), from the IPTC Photo Metadata Standard's mapping.
_IPTC = {"title": (2, 5), "keywords": (2, 25), "author": (2, 80), "credit": (2, 110), "copyright": (2, 116),
         "description": (2, 120)}
_IPTC_UTF8 = b"\x1b%G"  # dataset 1:90 says the text is UTF-8
# EXIF tags of IFD0: ImageDescription, Artist, Copyright.
_EXIF = {"description": 0x010E, "author": 0x013B, "copyright": 0x8298}
# Where each field is in XMP, by Pillow's names (namespaces dropped), first found wins.
_XMP = {"title": ["title"], "description": ["description"], "author": ["creator"], "credit": ["Credit"],
        "copyright": ["rights"], "keywords": ["subject"]}


@dataclass
class FileDescription:
    title: str = ""
    description: str = ""
    author: str = ""
    credit: str = ""
    copyright: str = ""
    file_keywords: list[str] = field(default_factory=list)  # they become tags (analysis)


def read_file_description(img) -> FileDescription:
    sources = [_from_xmp(img), _from_iptc(img), _from_exif(img)]
    found = FileDescription()
    for name, limit in LIMITS.items():
        value = next((source[name] for source in sources if source.get(name)), "")
        setattr(found, name, " ".join(value.split())[:limit] if name != "description" else value.strip()[:limit])
    keywords = next((source["keywords"] for source in sources if source.get("keywords")), [])
    cleaned = (" ".join(keyword.split())[:MAX_KEYWORD_LENGTH] for keyword in keywords)
    found.file_keywords = list(dict.fromkeys(keyword for keyword in cleaned if keyword))[:MAX_KEYWORDS]
    return found


def _from_xmp(img) -> dict:
    try:
        packet = img.getxmp() if hasattr(img, "getxmp") else {}
    except Exception as exc:  # noqa: BLE001 - malformed XML in the wild; the photo is fine
        logger.info("Ignored unreadable XMP: %s", exc)
        return {}
    descriptions = packet.get("xmpmeta", {}).get("RDF", {}).get("Description", [])
    properties = {}
    for description in descriptions if isinstance(descriptions, list) else [descriptions]:
        if isinstance(description, dict):
            for key, value in description.items():
                properties.setdefault(key, value)
    found = {}
    for name, keys in _XMP.items():
        values = next((_xmp_values(properties[key]) for key in keys if key in properties), [])
        if name == "keywords":
            found[name] = values
        elif values:
            found[name] = "; ".join(values) if name == "author" else values[0]
    return found


def _xmp_values(value) -> list[str]:
    """The texts of an XMP property: a plain value, or an Alt (x-default first), Seq or Bag."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if "text" in value:
            return [value["text"]] if isinstance(value["text"], str) else []
        for container in ("Alt", "Seq", "Bag"):
            if container in value:
                items = value[container].get("li", []) if isinstance(value[container], dict) else []
                items = items if isinstance(items, list) else [items]
                if container == "Alt":
                    items.sort(key=lambda item: not (isinstance(item, dict) and item.get("lang") == "x-default"))
                return [text for item in items for text in _xmp_values(item)]
    return []


def _from_iptc(img) -> dict:
    try:
        iptc = IptcImagePlugin.getiptcinfo(img) or {}
    except Exception as exc:  # noqa: BLE001 - a damaged IPTC block
        logger.info("Ignored unreadable IPTC: %s", exc)
        return {}
    utf8 = iptc.get((1, 90)) == _IPTC_UTF8

    def text(raw) -> str:
        return raw.decode("utf-8" if utf8 else "latin-1", "replace") if isinstance(raw, bytes) else ""

    found = {}
    for name, dataset in _IPTC.items():
        raw = iptc.get(dataset)
        values = [text(item) for item in (raw if isinstance(raw, list) else [raw] if raw else [])]
        if name == "keywords":
            found[name] = [value for value in values if value]
        elif values and values[0]:
            found[name] = values[0]
    return found


def _from_exif(img) -> dict:
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - read_metadata has logged it already
        return {}
    found = {}
    for name, tag in _EXIF.items():
        value = exif.get(tag)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value.replace("\x00", "").strip():
            found[name] = value.replace("\x00", "")
    return found
