"""Everything Pictura does with pixels: checking an upload, reading EXIF, making renditions.

Pure functions over file objects and Pillow images; nothing here touches storage or the database.
"""
import io
import logging
import math
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from django.conf import settings
from PIL import ExifTags, Image, ImageOps

logger = logging.getLogger(__name__)

# Pillow's format name -> the extension used in storage keys.
ACCEPTED_FORMATS = {
    "JPEG": "jpg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "BMP": "bmp",
    "HEIF": "heic",
}
ACCEPTED_FORMATS_TEXT = "JPEG, PNG, GIF, WebP, BMP or HEIC"

THUMBNAIL_SIZE = 400  # square, cropped
PREVIEW_SIZE = 1600  # on the long side


class ImageRejected(Exception):
    """The file is not an image Pictura accepts; the message is meant for the user."""


@dataclass
class PhotoMetadata:
    orientation: int = 1
    taken_at: datetime | None = None
    camera_make: str = ""
    camera_model: str = ""
    lens: str = ""
    exposure_time: str = ""
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class ImageFacts:
    image_format: str
    extension: str
    width: int  # as displayed, after the EXIF orientation
    height: int
    metadata: PhotoMetadata = field(default_factory=PhotoMetadata)


@dataclass
class Renditions:
    thumbnail: bytes
    preview: bytes


def max_upload_bytes() -> int:
    return settings.PICTURA_MAX_UPLOAD_MB * 1024 * 1024


def max_pixels() -> int:
    return settings.PICTURA_MAX_MEGAPIXELS * 1_000_000


def inspect_image(fileobj, *, size: int) -> ImageFacts:
    """Prove that ``fileobj`` is a whole image of an accepted format, and read its metadata.

    Raises ImageRejected with a message for the user. The content decides, never the name or
    the content type the client sent.
    """
    if size == 0:
        raise ImageRejected("The file is empty.")
    if size > max_upload_bytes():
        raise ImageRejected(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is {settings.PICTURA_MAX_UPLOAD_MB} MB."
        )
    fileobj.seek(0)
    try:
        img = Image.open(fileobj)
    except Image.DecompressionBombError:
        raise ImageRejected(_too_many_pixels_message()) from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for files it cannot identify
        fileobj.seek(0)
        if 0 in _declared_size(fileobj.read(32)):
            raise ImageRejected(_NO_PIXELS) from None
        raise ImageRejected(
            f"This is not an image Pictura can read. Upload {ACCEPTED_FORMATS_TEXT} files."
        ) from None
    with img:
        if img.format not in ACCEPTED_FORMATS:
            raise ImageRejected(
                f"{img.format} images are not supported. Upload {ACCEPTED_FORMATS_TEXT} files."
            )
        width, height = img.size
        if width == 0 or height == 0:
            raise ImageRejected(_NO_PIXELS)
        if width * height > max_pixels():
            raise ImageRejected(_too_many_pixels_message(width, height))
        metadata = read_metadata(img)
        _decode_fully(img)
    if metadata.orientation in (5, 6, 7, 8):  # rotated by 90 degrees one way or the other
        width, height = height, width
    return ImageFacts(
        image_format=img.format,
        extension=ACCEPTED_FORMATS[img.format],
        width=width,
        height=height,
        metadata=metadata,
    )


_NO_PIXELS = "The image has no pixels (its width or height is 0)."


def _declared_size(header: bytes) -> tuple[int, int]:
    """The size a PNG, GIF or BMP header declares. Pillow refuses to open a 0×0 image at all,
    so this is how such a file earns its own message instead of "not an image"."""
    if header.startswith(b"\x89PNG\r\n\x1a\n") and header[12:16] == b"IHDR":
        return struct.unpack(">II", header[16:24])
    if header[:6] in (b"GIF87a", b"GIF89a") and len(header) >= 10:
        return struct.unpack("<HH", header[6:10])
    if header[:2] == b"BM" and len(header) >= 26:
        return struct.unpack("<ii", header[18:26])
    return (-1, -1)


def _too_many_pixels_message(width=None, height=None) -> str:
    size = f"{width} × {height} pixels" if width else "The image"
    return (
        f"{size} is more than the {settings.PICTURA_MAX_MEGAPIXELS}-megapixel limit "
        "(a safeguard against decompression bombs)."
    )


def _decode_fully(img: Image.Image) -> None:
    """Decode every byte of image data, so a truncated or corrupt file is refused now.

    JPEGs decode at 1/8 scale: the whole entropy-coded stream is still read (so damage is
    found) but the costly inverse DCT mostly is not.
    """
    img.draft(None, (max(1, img.width // 8), max(1, img.height // 8)))
    try:
        img.load()
    except Exception as exc:  # noqa: BLE001 - decoders raise OSError, SyntaxError, ValueError...
        logger.info("Rejected a damaged %s image: %s", img.format, exc)
        raise ImageRejected("The image is damaged or incomplete, so it cannot be shown.") from None


# --- EXIF -------------------------------------------------------------------------------------

_IFD0 = ExifTags.Base
_GPS = ExifTags.GPS


def read_metadata(img: Image.Image) -> PhotoMetadata:
    """Read what Pictura shows from EXIF. Malformed EXIF gives empty fields, never an error."""
    try:
        exif = img.getexif()
        details = exif.get_ifd(ExifTags.IFD.Exif)
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception as exc:  # noqa: BLE001 - EXIF in the wild is often broken; the photo is not
        logger.info("Ignored unreadable EXIF: %s", exc)
        return PhotoMetadata()
    meta = PhotoMetadata()
    orientation = _as_int(exif.get(_IFD0.Orientation))
    meta.orientation = orientation if orientation in range(1, 9) else 1
    meta.taken_at = _as_datetime(
        details.get(_IFD0.DateTimeOriginal) or exif.get(_IFD0.DateTime),
        details.get(_IFD0.OffsetTimeOriginal),
    )
    meta.camera_make = _as_text(exif.get(_IFD0.Make), 100)
    meta.camera_model = _as_text(exif.get(_IFD0.Model), 100)
    meta.lens = _as_text(details.get(_IFD0.LensModel), 150)
    meta.exposure_time = _as_exposure(details.get(_IFD0.ExposureTime))
    meta.f_number = _as_float(details.get(_IFD0.FNumber))
    meta.iso = _as_int(details.get(_IFD0.ISOSpeedRatings))
    meta.focal_length = _as_float(details.get(_IFD0.FocalLength))
    meta.latitude = _as_coordinate(gps.get(_GPS.GPSLatitude), gps.get(_GPS.GPSLatitudeRef), 90)
    meta.longitude = _as_coordinate(gps.get(_GPS.GPSLongitude), gps.get(_GPS.GPSLongitudeRef), 180)
    if meta.latitude is None or meta.longitude is None:
        meta.latitude = meta.longitude = None
    return meta


def _first(value):
    # Some writers store a one-element tuple where the standard says a single value.
    if isinstance(value, (tuple, list)):
        return value[0] if value else None
    return value


def _as_text(value, max_length: int) -> str:
    value = _first(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:max_length]


def _as_float(value) -> float | None:
    try:
        number = float(_first(value))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _as_int(value) -> int | None:
    number = _as_float(value)
    return int(number) if number is not None and number < 2**31 else None


def _as_exposure(value) -> str:
    seconds = _as_float(value)
    if seconds is None:
        return ""
    if seconds >= 1:
        return f"{seconds:g}"
    return f"1/{round(1 / seconds)}"


def _as_datetime(value, offset) -> datetime | None:
    text = _as_text(value, 40)
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # also the "0000:00:00 00:00:00" that cameras write when the clock is unset
    return moment.replace(tzinfo=_as_timezone(_as_text(offset, 10)))


def _as_timezone(offset: str) -> timezone:
    """EXIF keeps local wall-clock time; with no OffsetTimeOriginal it is taken as UTC."""
    try:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = offset[1:].split(":")
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    except (IndexError, ValueError):
        return timezone.utc


def _as_coordinate(dms, ref, limit: int) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if _as_text(ref, 1).upper() in ("S", "W"):
        value = -value
    if not math.isfinite(value) or abs(value) > limit:
        return None
    return round(value, 7)


# --- Renditions -------------------------------------------------------------------------------


def render_renditions(fileobj) -> Renditions:
    """A square thumbnail and a preview of the long side PREVIEW_SIZE, both JPEG, oriented.

    The decode is already within 2× of the preview size (draft mode), so a Hamming filter for
    the preview and area averaging (box) for the thumbnail, which shrinks about 3×, look no
    different from Lanczos at under half its cost (bench/ingest.py).
    """
    with Image.open(fileobj) as img:
        img.draft("RGB", _draft_size(img.size))  # JPEG only: decode at 1/2, 1/4 or 1/8 scale
        icc_profile = img.info.get("icc_profile")
        oriented = _flatten_to_rgb(ImageOps.exif_transpose(img))
    preview = oriented
    if max(oriented.size) > PREVIEW_SIZE:  # never enlarged
        preview = ImageOps.contain(oriented, (PREVIEW_SIZE, PREVIEW_SIZE), Image.Resampling.HAMMING)
    # A panorama's preview can be shorter than the thumbnail: crop from the larger decode then.
    source = preview if min(preview.size) >= THUMBNAIL_SIZE else oriented
    thumbnail = ImageOps.fit(source, (THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.BOX)
    return Renditions(
        thumbnail=_jpeg_bytes(thumbnail, quality=80, icc_profile=icc_profile),
        preview=_jpeg_bytes(preview, quality=85, icc_profile=icc_profile),
    )


def _draft_size(size: tuple[int, int]) -> tuple[int, int]:
    """The smallest decode size from which both renditions can be made at full quality."""
    width, height = size
    long_side, short_side = max(width, height), min(width, height)
    scale = max(min(1.0, PREVIEW_SIZE / long_side), min(1.0, THUMBNAIL_SIZE / short_side))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _flatten_to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode.startswith("I;16"):
        img = img.point(lambda value: value / 256).convert("L")
    return img.convert("RGB")


def _jpeg_bytes(img: Image.Image, *, quality: int, icc_profile) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality, icc_profile=icc_profile)
    return buffer.getvalue()


# --- Location stripping (for share links) --------------------------------------------------

_EXIF_HEADER = b"Exif\x00\x00"
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


def without_location(data: bytes) -> bytes:
    """The image file with its GPS data removed, otherwise as close to the original as can be.

    JPEG is rewritten losslessly: the EXIF segment is replaced by one without the GPS block and
    XMP (which can repeat the location) is dropped; the picture data is copied byte for byte.
    Other formats are saved again without GPS only when they carry any.
    """
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        has_gps = ExifTags.IFD.GPSInfo in exif
        exif.pop(ExifTags.IFD.GPSInfo, None)
        if img.format == "JPEG":
            return _jpeg_with_exif(data, exif.tobytes() if len(exif) else b"")
        if not has_gps and "xmp" not in img.info:
            return data
        buffer = io.BytesIO()
        img.save(buffer, img.format, exif=exif, quality=95)
        return buffer.getvalue()


def _jpeg_with_exif(data: bytes, exif_segment: bytes) -> bytes:
    """Copy a JPEG, replacing its EXIF APP1 segment and dropping XMP ones."""
    out = bytearray(data[:2])  # SOI
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the rest is picture data
            break
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        segment = data[position : position + 2 + length]
        payload = segment[4:]
        if marker == 0xE1 and payload.startswith(_EXIF_HEADER):
            if exif_segment:
                out += b"\xff\xe1" + struct.pack(">H", len(exif_segment) + 2) + exif_segment
        elif not (marker == 0xE1 and payload.startswith(_XMP_HEADER)):
            out += segment
        position += 2 + length
    out += data[position:]
    return bytes(out)
