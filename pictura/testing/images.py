"""Images for tests: drawn with Pillow, or real camera files from ../shared/photos."""
import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# Real camera files (see ../shared/photos/README.md); CI has them beside the checkout.
SHARED_PHOTOS = Path(
    os.environ.get("PICTURA_TEST_PHOTOS", Path(__file__).resolve().parents[3] / "shared" / "photos")
)
needs_shared_photos = pytest.mark.skipif(
    not SHARED_PHOTOS.is_dir(), reason=f"the real camera photos are not at {SHARED_PHOTOS}"
)
# Photos of five people, a folder each (see ../shared/faces/README.md).
SHARED_FACES = SHARED_PHOTOS.parent / "faces"
needs_shared_faces = pytest.mark.skipif(
    not SHARED_FACES.is_dir(), reason=f"the photos of faces are not at {SHARED_FACES}"
)


def make_image(
    fmt: str = "JPEG",
    size: tuple[int, int] = (640, 480),
    color=(200, 90, 40),
    exif: Image.Exif | None = None,
    mode: str = "RGB",
) -> bytes:
    """An image drawn with Pillow: a colour field with a diagonal band, so crops are visible."""
    img = Image.new(mode, size, color if mode != "RGBA" else (*color, 128))
    band = Image.new(mode, (max(1, size[0] // 4), size[1]), (20, 20, 20) if mode == "RGB" else None)
    img.paste(band, (0, 0))
    buffer = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def camera_exif(
    *,
    orientation: int = 1,
    taken: str = "2021:06:01 12:30:00",
    offset: str | None = None,
    gps: tuple | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS 40D"
    exif[ExifTags.Base.Orientation] = orientation
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    details[ExifTags.Base.ExposureTime] = 1 / 250
    details[ExifTags.Base.FNumber] = 5.6
    details[ExifTags.Base.ISOSpeedRatings] = 400
    details[ExifTags.Base.FocalLength] = 35.0
    details[ExifTags.Base.LensModel] = "EF-S 17-85mm f/4-5.6 IS USM"
    if gps:
        (lat_ref, lat), (lon_ref, lon) = gps
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = lat_ref
        info[ExifTags.GPS.GPSLatitude] = lat
        info[ExifTags.GPS.GPSLongitudeRef] = lon_ref
        info[ExifTags.GPS.GPSLongitude] = lon
    return exif


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
