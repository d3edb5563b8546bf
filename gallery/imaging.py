"""Everything Pictura does with pixels: checking an upload, reading EXIF, making renditions.

Pure functions over file objects and Pillow images; nothing here touches storage or the database.
"""
import io
import logging
import math
import re
import struct
import subprocess
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone

from django.conf import settings
from PIL import ExifTags, Image, ImageDraw, ImageFont, ImageOps

from .bounded import BoundedWorker, LimitExceeded, run_bounded
from .file_metadata import read_file_description

logger = logging.getLogger(__name__)

# Pillow's format name -> the extension used in storage keys, and the content type.
ACCEPTED_FORMATS = {
    "JPEG": "jpg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "BMP": "bmp",
    "HEIF": "heic",
}
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
    "HEIF": "image/heic",
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
    # What the file says about itself (gallery/file_metadata.py).
    title: str = ""
    description: str = ""
    author: str = ""
    credit: str = ""
    copyright: str = ""
    file_keywords: list[str] = field(default_factory=list)


@dataclass
class RenderedJpegs:
    """The JPEG bytes of a thumbnail and a preview, before they are stored."""

    thumbnail: bytes
    preview: bytes


@dataclass
class ImageFacts:
    image_format: str
    extension: str
    width: int  # as displayed, after the EXIF orientation
    height: int
    metadata: PhotoMetadata = field(default_factory=PhotoMetadata)
    # Made from the decode that checked the file, when the caller asked for them (JPEG only).
    renditions: RenderedJpegs | None = None


def max_upload_bytes() -> int:
    return settings.PICTURA_MAX_UPLOAD_MB * 1024 * 1024


def max_pixels() -> int:
    return settings.PICTURA_MAX_MEGAPIXELS * 1_000_000


def check_upload_size(size: int) -> None:
    """Refuse an empty file or one over the upload limit (ImageRejected), before reading it."""
    if size == 0:
        raise ImageRejected("The file is empty.")
    if size > max_upload_bytes():
        raise ImageRejected(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is {settings.PICTURA_MAX_UPLOAD_MB} MB."
        )


def _decoding_limits() -> dict:
    return {"cpu_seconds": settings.PICTURA_DECODE_CPU_SECONDS,
            "memory_bytes": settings.PICTURA_DECODE_MEMORY_MB * 1024 * 1024}


def image_decoder() -> BoundedWorker:
    """A child process that decodes one file after another under the decoding limits, for
    ``inspect_image(decoder=…)``: no fork per file. Close it (or use it in ``with``) when done."""
    return BoundedWorker(**_decoding_limits())


def inspect_image(fileobj, *, size: int, render: bool = False, decoder: BoundedWorker | None = None) -> ImageFacts:
    """Prove that ``fileobj`` is a whole image of an accepted format, and read its metadata;
    with ``render``, a JPEG's renditions are made from the same decode (``facts.renditions``):
    one decode at the renditions' scale instead of one to check and another to render.

    Raises ImageRejected with a message for the user. The content decides, never the name or
    the content type the client sent. The decoding runs in a child process under CPU and
    memory limits (PICTURA_DECODE_CPU_SECONDS, PICTURA_DECODE_MEMORY_MB), so no file can cost
    the web process more than that, whatever it does to the decoder: a new child, or the
    ``decoder`` (from ``image_decoder()``) of a caller with many files, which must then be in
    memory.
    """
    check_upload_size(size)
    try:
        if decoder is not None:
            return decoder.run(_inspect, fileobj, max_pixels(), render)
        return run_bounded(_inspect, fileobj, max_pixels(), render, **_decoding_limits())
    except LimitExceeded as exc:
        logger.warning("Refused an image that exceeded the decoding limits: %s", exc)
        limit = (
            f"more than {settings.PICTURA_DECODE_MEMORY_MB} MB of memory" if exc.memory
            else f"more than {settings.PICTURA_DECODE_CPU_SECONDS} s of processing"
        )
        raise ImageRejected(
            f"Decoding this image takes {limit}, more than Pictura allows for one photo, so it was refused."
        ) from None


def _inspect(fileobj, pixel_limit: int, render: bool) -> ImageFacts:
    """inspect_image's work, in the bounded child process."""
    fileobj.seek(0)
    if fileobj.read(2) == b"\xff\xd8":  # a JPEG: count its scans before the decoder walks them
        fileobj.seek(0)
        _check_jpeg_scans(fileobj.read())
    fileobj.seek(0)
    try:
        img = Image.open(fileobj)
    except Image.DecompressionBombError:
        raise ImageRejected(_too_many_pixels_message()) from None
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for files it cannot identify
        fileobj.seek(0)
        header = fileobj.read(32)
        if 0 in _declared_size(header):
            raise ImageRejected(_NO_PIXELS) from None
        if claimed := _claimed_format(header):
            # Some decoders (WebP, HEIC) decode while opening and report a failed allocation
            # under the memory limit as a plain error: the file may be fine, just too costly.
            raise ImageRejected(
                f"This {claimed} file cannot be decoded: it is damaged, or decoding it takes more "
                f"than the {settings.PICTURA_DECODE_MEMORY_MB} MB of memory Pictura allows for one photo."
            ) from None
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
        if width * height > pixel_limit:
            raise ImageRejected(_too_many_pixels_message(width, height))
        frames = getattr(img, "n_frames", 1)
        if frames * width * height > pixel_limit:
            raise ImageRejected(
                f"This animation has {frames} frames of {width} × {height} pixels, more than the "
                f"{settings.PICTURA_MAX_MEGAPIXELS} megapixels allowed in all its frames together."
            )
        metadata = replace(read_metadata(img), **asdict(read_file_description(img)))
        renditions = None
        if render and img.format == "JPEG":
            # The renditions' scale (1/2 for a phone photo) reads every byte of the entropy-coded
            # data just as 1/8 does: the same check, and the decode the renditions need.
            _draft_for_renditions(img)
            _load_checked(img)
            renditions = _renditions_of(img)
        else:
            # JPEGs decode at 1/8 scale: the whole entropy-coded stream is still read (so damage
            # is found) but the costly inverse DCT mostly is not.
            img.draft(None, (max(1, img.width // 8), max(1, img.height // 8)))
            _load_checked(img)
    if metadata.orientation in (5, 6, 7, 8):  # rotated by 90 degrees one way or the other
        width, height = height, width
    return ImageFacts(
        image_format=img.format,
        extension=ACCEPTED_FORMATS[img.format],
        width=width,
        height=height,
        metadata=metadata,
        renditions=renditions,
    )


# Each scan of a progressive JPEG makes the decoder walk the image's whole coefficient buffer
# once more: measured here, a repeated scan costs about 1 ms of CPU per megapixel, and libjpeg's
# default progression writes 10 scans (6 for greyscale). So scans × megapixels is capped: 20
# scans at 100 MP, at most 300 for small images; a file with 3,000 scans (a "scan bomb") is
# refused after this walk, before any decoding.
JPEG_SCAN_MEGAPIXEL_BUDGET = 2000
MAX_JPEG_SCANS = 300
MIN_JPEG_SCANS = 12

# A marker inside entropy-coded data: 0xFF followed by neither a stuffed zero, a restart marker
# (which belongs to the scan) nor another 0xFF (fill before the real marker).
_NEXT_MARKER = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")
_MARKERS_WITHOUT_LENGTH = {0x01, *range(0xD0, 0xD8)}
_START_OF_FRAME = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass
class JpegLayout:
    width: int = 0
    height: int = 0
    scans: int = 0

    @property
    def scan_limit(self) -> int:
        megapixels = max(1, self.width * self.height // 1_000_000)
        return min(MAX_JPEG_SCANS, max(MIN_JPEG_SCANS, JPEG_SCAN_MEGAPIXEL_BUDGET // megapixels))


def jpeg_layout(data: bytes) -> JpegLayout:
    """A JPEG's size and number of scans, by walking its markers (counting stops past
    MAX_JPEG_SCANS). A damaged file is walked as far as it goes: the decoder judges it."""
    layout = JpegLayout()
    position = 2  # after SOI
    while position + 4 <= len(data) and data[position] == 0xFF and layout.scans <= MAX_JPEG_SCANS:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # end of image
            break
        if marker in _MARKERS_WITHOUT_LENGTH:
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker in _START_OF_FRAME and position + 9 <= len(data):
            layout.height, layout.width = struct.unpack(">HH", data[position + 5 : position + 9])
        position += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows until the next marker
            layout.scans += 1
            found = _NEXT_MARKER.search(data, position)
            if found is None:
                break
            position = found.start()
    return layout


def _check_jpeg_scans(data: bytes) -> None:
    layout = jpeg_layout(data)
    if layout.scans > layout.scan_limit:
        raise ImageRejected(
            f"This JPEG is made of more than {layout.scan_limit} progressive scans (cameras and "
            "editors write about ten). Decoding it would take minutes, so it was refused."
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


def _claimed_format(header: bytes) -> str:
    """The accepted format a file's first bytes announce, or "" (whether or not it decodes)."""
    if header.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if header[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "WebP"
    if header[4:8] == b"ftyp" and header[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return "HEIC"
    return ""


def _too_many_pixels_message(width=None, height=None) -> str:
    size = f"{width} × {height} pixels" if width else "The image"
    return (
        f"{size} is more than the {settings.PICTURA_MAX_MEGAPIXELS}-megapixel limit "
        "(a safeguard against decompression bombs)."
    )


def _load_checked(img: Image.Image) -> None:
    """Decode every byte of image data (at the draft scale set), so a truncated or corrupt file
    is refused now."""
    try:
        img.load()
    except MemoryError:
        raise  # the memory limit, not damage: inspect_image says so
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


# Shutter speeds that cameras can take; anything outside is a broken tag, not a photo fact.
_EXPOSURE_RANGE = (1e-6, 100_000.0)


def _as_exposure(value) -> str:
    seconds = _as_float(value)
    if seconds is None or not _EXPOSURE_RANGE[0] <= seconds <= _EXPOSURE_RANGE[1]:
        return ""
    if seconds >= 1:
        return f"{seconds:g}"
    return f"1/{round(1 / seconds)}"


# The oldest surviving photograph is from 1826 or 1827; a camera clock can run a little ahead.
EARLIEST_CAPTURE = datetime(1826, 1, 1, tzinfo=UTC)
CAPTURE_CLOCK_SLACK = timedelta(days=1)


def plausible_capture_date(moment: datetime | None) -> datetime | None:
    """``moment`` if a photo can have been taken then, else None."""
    if moment is None:
        return None
    latest = datetime.now(UTC) + CAPTURE_CLOCK_SLACK
    return moment if EARLIEST_CAPTURE <= moment <= latest else None


def _as_datetime(value, offset) -> datetime | None:
    text = _as_text(value, 40)
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
        moment = moment.replace(tzinfo=_as_timezone(_as_text(offset, 10)))
        # In UTC, as the database keeps it, 9999-12-31 23:59 at -01:00 would be year 10000.
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None  # also the "0000:00:00 00:00:00" that cameras write when the clock is unset
    return plausible_capture_date(moment)


def _as_timezone(offset: str) -> timezone:
    """EXIF keeps local wall-clock time; with no OffsetTimeOriginal it is taken as UTC."""
    try:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = offset[1:].split(":")
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    except (IndexError, ValueError):
        return UTC


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


def render_renditions(fileobj) -> RenderedJpegs:
    """A square thumbnail and a preview of the long side PREVIEW_SIZE, both JPEG, oriented.

    The decode is already within 2× of the preview size (draft mode), so area averaging (box)
    makes both renditions as well as Lanczos from a full decode would, once they are JPEGs:
    on a real 8 MP phone photo shrunk 1.25×, 0.3 dB below that after the q85 encode (37.7
    against 38.1 dB; the encode itself is what loses detail), at a quarter of Lanczos's cost.
    """
    with Image.open(fileobj) as img:
        _draft_for_renditions(img)
        return _renditions_of(img)


def _draft_for_renditions(img: Image.Image) -> None:
    """Decode a JPEG at the smallest scale of its DCT (1/2, 1/4, 1/8) the renditions can be made
    from, with libjpeg's plain chroma upsampling: the downscale and the encode that follow
    average away what its smoother upsampling adds, and the decode costs 7 % less. Other
    formats decode whole."""
    if img.draft("RGB", _draft_size(img.size)) and img.decoderconfig:
        scale, _ = img.decoderconfig
        img.decoderconfig = (scale, True)  # Pillow's JPEG "draft" flag: no fancy upsampling


def _renditions_of(img: Image.Image) -> RenderedJpegs:
    """The renditions of an opened image whose draft scale is set (decoded here if not yet)."""
    icc_profile = img.info.get("icc_profile")
    ImageOps.exif_transpose(img, in_place=True)  # no copy of the decode when it is upright
    preview, thumbnail = _preview_and_thumbnail(_flatten_to_rgb(img))
    return RenderedJpegs(
        thumbnail=_jpeg_bytes(thumbnail, quality=80, icc_profile=icc_profile),
        preview=_jpeg_bytes(preview, quality=85, icc_profile=icc_profile),
    )


def _preview_and_thumbnail(oriented: Image.Image) -> tuple[Image.Image, Image.Image]:
    """The preview (long side PREVIEW_SIZE, never enlarged) and the square thumbnail, its
    centre, of an upright RGB picture."""
    preview = oriented
    if max(oriented.size) > PREVIEW_SIZE:
        preview = ImageOps.contain(oriented, (PREVIEW_SIZE, PREVIEW_SIZE), Image.Resampling.BOX)
    # A panorama's preview can be shorter than the thumbnail: crop from the larger picture then.
    source = preview if min(preview.size) >= THUMBNAIL_SIZE else oriented
    side = min(source.size)
    left, top = (source.width - side) // 2, (source.height - side) // 2
    # reducing_gap=1: an integer reduction first (the same box average), a third of the cost.
    thumbnail = source.resize((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.BOX,
                              box=(left, top, left + side, top + side), reducing_gap=1.0)
    return preview, thumbnail


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


# --- Watermarks (for share links) ------------------------------------------------------------

WATERMARK_POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left", "center")
_MARK_FONT_SIZE = 96  # the mark is drawn at this size, then scaled to its share of the picture


@dataclass(frozen=True)
class WatermarkStyle:
    text: str
    logo: bytes | None  # a small image file (checked when it was uploaded), drawn before the text
    position: str  # one of WATERMARK_POSITIONS
    size: int  # percent of the picture's width the mark spans
    opacity: int  # percent


@dataclass
class WatermarkedJpegs:
    thumbnail: bytes
    preview: bytes
    full: bytes  # the original's size, as a JPEG without metadata


def watermarked_jpegs(fileobj, style: WatermarkStyle) -> WatermarkedJpegs:
    """The thumbnail, preview and full-size picture of an original, each with the mark drawn
    over it at its own scale. The full-size JPEG carries no metadata (no location either)."""
    with Image.open(fileobj) as img:
        icc_profile = img.info.get("icc_profile")
        full = _flatten_to_rgb(ImageOps.exif_transpose(img))
    preview, thumbnail = _preview_and_thumbnail(full)
    mark = _mark(style)
    return WatermarkedJpegs(
        thumbnail=_jpeg_bytes(_marked(thumbnail, mark, style), quality=80, icc_profile=icc_profile),
        preview=_jpeg_bytes(_marked(preview, mark, style), quality=85, icc_profile=icc_profile),
        full=_jpeg_bytes(_marked(full, mark, style), quality=90, icc_profile=icc_profile),
    )


def _mark(style: WatermarkStyle) -> Image.Image:
    """The logo and the text side by side, white with a dark outline (legible on any picture),
    as an RGBA image at the drawing size, its transparency set by the style's opacity."""
    font = ImageFont.load_default(size=_MARK_FONT_SIZE)  # Pillow's own FreeType font: nothing to install
    stroke = max(2, _MARK_FONT_SIZE // 16)
    left, top, right, bottom = font.getbbox(style.text, stroke_width=stroke) if style.text else (0, 0, 0, 0)
    text_size = (right - left, bottom - top)
    logo = None
    if style.logo:
        with Image.open(io.BytesIO(style.logo)) as opened:
            logo = ImageOps.contain(opened.convert("RGBA"), (4 * _MARK_FONT_SIZE, int(_MARK_FONT_SIZE * 1.4)))
    gap = _MARK_FONT_SIZE // 3 if logo and style.text else 0
    width = (logo.width if logo else 0) + gap + text_size[0]
    height = max(logo.height if logo else 0, text_size[1])
    mark = Image.new("RGBA", (max(1, width), max(1, height)), (0, 0, 0, 0))
    if logo:
        mark.alpha_composite(logo, ((0, (height - logo.height) // 2)))
    if style.text:
        ImageDraw.Draw(mark).text(
            ((logo.width if logo else 0) + gap - left, (height - text_size[1]) // 2 - top), style.text, font=font,
            fill=(255, 255, 255, 255), stroke_width=stroke, stroke_fill=(0, 0, 0, 200),
        )
    alpha = mark.getchannel("A").point(lambda value: value * style.opacity // 100)
    mark.putalpha(alpha)
    return mark


def _marked(picture: Image.Image, mark: Image.Image, style: WatermarkStyle) -> Image.Image:
    """A copy of the picture with the mark scaled to ``style.size`` percent of its width (never
    taller than a third of it) and placed in its corner or centre, a margin from the edges."""
    scale = min(picture.width * style.size / 100 / mark.width, picture.height / 3 / mark.height)
    scaled = mark.resize((max(1, round(mark.width * scale)), max(1, round(mark.height * scale))), Image.Resampling.LANCZOS)
    margin = round(min(picture.size) * 0.03)
    vertical, _, horizontal = style.position.partition("-")
    x = {"left": margin, "right": picture.width - scaled.width - margin}.get(horizontal, (picture.width - scaled.width) // 2)
    y = {"top": margin, "bottom": picture.height - scaled.height - margin}.get(vertical, (picture.height - scaled.height) // 2)
    marked = picture.copy()
    marked.paste(scaled, (x, y), scaled)
    return marked


# --- Location stripping (for share links) --------------------------------------------------

# ExifTool (https://exiftool.org), Debian's libimage-exiftool-perl: it knows where each format
# can hide a location. GPS tags go from EXIF; all of XMP (extended XMP included), IPTC and
# Photoshop resources, maker notes (some cameras put GPS there), PNG text chunks, comments and
# trailers (a motion photo's video, anything after the end of the image) go entirely. The
# picture data, the orientation and the colour profile are copied untouched.
EXIFTOOL_STRIP_ARGS = [
    "-gps:all=", "-xmp:all=", "-iptc:all=", "-photoshop:all=", "-makernotes:all=",
    "-trailer:all=", "-png:all=", "-comment=",
]
# Formats with no place for metadata that ExifTool cannot write either.
_NO_METADATA_FORMATS = {"BMP"}


class ExifToolFailed(Exception):
    """ExifTool failed on this file; the message says how."""


class LocationNotRemoved(ExifToolFailed):
    pass


def without_location(data: bytes, *, image_format: str) -> bytes:
    """The image file with every trace of where it was taken removed (see above)."""
    if image_format in _NO_METADATA_FORMATS:
        return data
    try:
        return _exiftool(data, EXIFTOOL_STRIP_ARGS)
    except ExifToolFailed as exc:
        raise LocationNotRemoved(str(exc)) from None


def can_carry_xmp(image_format: str) -> bool:
    return image_format not in _NO_METADATA_FORMATS


def with_xmp_description(data: bytes, *, title: str, description: str, author: str, credit: str,
                         copyright: str, keywords) -> bytes:
    """The image file with these details written into its XMP (Dublin Core and Photoshop's
    credit line, as Lightroom writes them), replacing what XMP said of them; pixels and every
    other tag untouched. Raises ExifToolFailed."""
    assignments = [f"-XMP-dc:Title={title}", f"-XMP-dc:Description={description}", f"-XMP-dc:Creator={author}",
                   f"-XMP-photoshop:Credit={credit}", f"-XMP-dc:Rights={copyright}", "-XMP-dc:Subject="]
    assignments += [f"-XMP-dc:Subject+={keyword}" for keyword in keywords]
    return _exiftool(data, assignments)


def _exiftool(data: bytes, args) -> bytes:
    """ExifTool's copy of ``data`` with ``args`` applied, through pipes (nothing on disk)."""
    try:
        done = subprocess.run(
            [settings.PICTURA_EXIFTOOL, "-m", "-q", "-q", "-charset", "utf8", *args, "-o", "-", "-"],
            input=data, capture_output=True, timeout=60, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExifToolFailed(f"{settings.PICTURA_EXIFTOOL}: {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        raise ExifToolFailed(done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}")
    return done.stdout
