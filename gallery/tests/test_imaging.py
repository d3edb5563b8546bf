import io
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image

from gallery.imaging import ImageRejected, inspect_image, render_renditions
from pictura.testing.images import SHARED_PHOTOS, camera_exif, make_image, needs_shared_photos


def inspect_bytes(data: bytes):
    return inspect_image(io.BytesIO(data), size=len(data))


def test_reads_camera_exif_from_a_jpeg():
    gps = (("S", (33.0, 51.0, 54.0)), ("E", (151.0, 12.0, 36.0)))
    facts = inspect_bytes(make_image(exif=camera_exif(offset="+10:00", gps=gps)))
    meta = facts.metadata
    assert (facts.image_format, facts.extension, facts.width, facts.height) == ("JPEG", "jpg", 640, 480)
    assert meta.taken_at == datetime(2021, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=10)))
    assert (meta.camera_make, meta.camera_model) == ("Canon", "Canon EOS 40D")
    assert meta.lens == "EF-S 17-85mm f/4-5.6 IS USM"
    assert (meta.exposure_time, meta.f_number, meta.iso, meta.focal_length) == ("1/250", 5.6, 400, 35.0)
    assert meta.latitude == pytest.approx(-33.865)
    assert meta.longitude == pytest.approx(151.21)


def test_capture_time_without_offset_is_taken_as_utc():
    facts = inspect_bytes(make_image(exif=camera_exif(taken="2019:12:31 23:59:58")))
    assert facts.metadata.taken_at == datetime(2019, 12, 31, 23, 59, 58, tzinfo=UTC)


def test_unset_camera_clock_gives_no_date():
    facts = inspect_bytes(make_image(exif=camera_exif(taken="0000:00:00 00:00:00")))
    assert facts.metadata.taken_at is None


def test_image_without_exif_has_empty_metadata():
    meta = inspect_bytes(make_image(fmt="PNG")).metadata
    assert (meta.taken_at, meta.camera_make, meta.latitude, meta.orientation) == (None, "", None, 1)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_width_and_height_follow_the_exif_orientation(orientation):
    facts = inspect_bytes(make_image(size=(600, 400), exif=camera_exif(orientation=orientation)))
    expected = (400, 600) if orientation >= 5 else (600, 400)
    assert (facts.width, facts.height) == expected
    assert facts.metadata.orientation == orientation


@needs_shared_photos
@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("shape, expected", [("landscape", (600, 450)), ("portrait", (450, 600))])
def test_real_camera_files_in_all_eight_orientations(shape, expected, orientation):
    data = (SHARED_PHOTOS / "orientation" / f"{shape}_{orientation}.jpg").read_bytes()
    facts = inspect_bytes(data)
    assert (facts.width, facts.height) == expected
    preview = Image.open(io.BytesIO(render_renditions(io.BytesIO(data)).preview))
    assert preview.size == expected  # small originals are not enlarged, only turned upright


def test_renditions_turn_the_picture_upright():
    # A 600×400 picture whose left quarter is dark, stored with orientation 6 (turn 90° clockwise):
    # upright, it is 400×600 and the dark band runs along the top.
    data = make_image(size=(600, 400), exif=camera_exif(orientation=6))
    renditions = render_renditions(io.BytesIO(data))
    preview = Image.open(io.BytesIO(renditions.preview))
    assert preview.size == (400, 600)
    assert sum(preview.getpixel((200, 20))) < 150  # dark band on top
    assert sum(preview.getpixel((200, 580))) > 250  # colour field at the bottom


def test_renditions_sizes_for_a_large_photo():
    renditions = render_renditions(io.BytesIO(make_image(size=(4000, 3000))))
    thumbnail = Image.open(io.BytesIO(renditions.thumbnail))
    preview = Image.open(io.BytesIO(renditions.preview))
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (400, 400))
    assert (preview.format, preview.size) == ("JPEG", (1600, 1200))
    assert not preview.getexif()  # renditions carry no metadata (and so no location)


def test_renditions_of_a_panorama_keep_a_sharp_square_thumbnail():
    renditions = render_renditions(io.BytesIO(make_image(size=(8000, 1000))))
    assert Image.open(io.BytesIO(renditions.preview)).size == (1600, 200)
    assert Image.open(io.BytesIO(renditions.thumbnail)).size == (400, 400)


def test_transparent_png_is_flattened_on_white():
    renditions = render_renditions(io.BytesIO(make_image(fmt="PNG", mode="RGBA")))
    assert Image.open(io.BytesIO(renditions.preview)).mode == "RGB"


@needs_shared_photos
@pytest.mark.parametrize("camera", sorted(p.name for p in (SHARED_PHOTOS / "cameras").glob("*.jpg")))
def test_real_camera_photos_have_make_model_and_date(camera):
    data = (SHARED_PHOTOS / "cameras" / camera).read_bytes()
    meta = inspect_bytes(data).metadata
    assert meta.camera_make and meta.camera_model
    assert meta.camera_make == meta.camera_make.strip()  # Pentax writes a trailing space
    assert meta.taken_at is not None


@needs_shared_photos
def test_real_canon_40d_photo():
    meta = inspect_bytes((SHARED_PHOTOS / "cameras" / "Canon_40D.jpg").read_bytes()).metadata
    assert (meta.camera_make, meta.camera_model) == ("Canon", "Canon EOS 40D")
    assert meta.taken_at == datetime(2008, 5, 30, 15, 56, 1, tzinfo=UTC)


@needs_shared_photos
@pytest.mark.parametrize("name", ["DSCN0010.jpg", "DSCN0021.jpg", "DSCN0029.jpg"])
def test_real_gps_photos_have_a_location(name):
    meta = inspect_bytes((SHARED_PHOTOS / "gps" / name).read_bytes()).metadata
    assert meta.latitude is not None and -90 <= meta.latitude <= 90
    assert meta.longitude is not None and -180 <= meta.longitude <= 180
    assert meta.taken_at.date().isoformat() == "2008-10-22"


@needs_shared_photos
@pytest.mark.parametrize("name", sorted(p.name for p in (SHARED_PHOTOS / "broken").glob("*.jpg")))
def test_malformed_exif_neither_hangs_nor_fails(name):
    data = (SHARED_PHOTOS / "broken" / name).read_bytes()
    started = time.process_time()
    facts = inspect_bytes(data)
    assert facts.width > 0
    # Not a speed assertion: a generous bound that only an endless loop would pass.
    assert time.process_time() - started < 20


@needs_shared_photos
def test_real_iphone_heic():
    data = (SHARED_PHOTOS / "heic" / "IMG_5195.HEIC").read_bytes()
    facts = inspect_bytes(data)
    assert (facts.image_format, facts.extension) == ("HEIF", "heic")
    assert facts.metadata.camera_make == "Apple"
    assert facts.metadata.taken_at.replace(tzinfo=None) == datetime(2021, 4, 11, 15, 47, 53)
    assert facts.metadata.latitude is not None
    preview = Image.open(io.BytesIO(render_renditions(io.BytesIO(data)).preview))
    assert max(preview.size) == 1600


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty."),
        (b"%PDF-1.4 not a picture at all", "This is not an image Pictura can read."),
        (make_image(fmt="TIFF"), "TIFF images are not supported."),
        (make_image()[:3000], "The image is damaged or incomplete"),
    ],
    ids=["empty", "not-an-image", "unsupported-format", "truncated"],
)
def test_rejections(data, message):
    with pytest.raises(ImageRejected, match=message.replace(".", r"\.")):
        inspect_bytes(data)
