"""Files built to cost the server: scan bombs, decoder hogs, endless animations, broken EXIF."""
import io
import os
import resource
import struct
import zlib
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from gallery import imaging
from gallery.bounded import BoundedWorker, LimitExceeded, run_bounded
from gallery.imaging import ImageRejected, inspect_image, jpeg_layout
from gallery.models import Photo
from pictura.testing.factories import files_under
from pictura.testing.images import camera_exif, make_image, upload

JSON = {"HTTP_ACCEPT": "application/json"}


def scan_bomb(size=(2000, 2000), scans=3000) -> bytes:
    """A progressive JPEG whose last scan is repeated: each copy is a few bytes, and makes
    the decoder walk the whole coefficient buffer once more."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 140, 160)).save(buffer, "JPEG", progressive=True)
    data = buffer.getvalue()
    last_scan, end = data.rindex(b"\xff\xda"), data.rindex(b"\xff\xd9")
    return data[:end] + data[last_scan:end] * (scans - 10) + data[end:]


@pytest.mark.slow  # spends seconds of CPU on purpose
def test_the_marker_walk_counts_scans_and_reads_the_size():
    baseline = io.BytesIO()
    Image.new("RGB", (300, 200)).save(baseline, "JPEG")
    assert (jpeg_layout(baseline.getvalue()).scans, jpeg_layout(baseline.getvalue()).width) == (1, 300)
    layout = jpeg_layout(scan_bomb(scans=40))
    assert (layout.width, layout.height, layout.scans) == (2000, 2000, 40)
    assert layout.scan_limit == 300  # 4 MP: the cap for small images
    assert jpeg_layout(scan_bomb(size=(10000, 10000), scans=40)).scan_limit == 20


def test_a_scan_bomb_is_refused_before_decoding():
    bomb = scan_bomb(scans=3000)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    with pytest.raises(ImageRejected, match="more than 300 progressive scans"):
        inspect_image(io.BytesIO(bomb), size=len(bomb))
    # Refused by the walk: the child never decoded (a decode of these scans takes seconds).
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before < 1.5


def test_an_ordinary_progressive_jpeg_is_accepted():
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (10, 200, 30)).save(buffer, "JPEG", progressive=True)
    facts = inspect_image(buffer, size=len(buffer.getvalue()))
    assert (facts.image_format, facts.width) == ("JPEG", 1200)


@pytest.mark.slow  # spends seconds of CPU on purpose
def test_a_decode_over_the_cpu_limit_is_stopped_with_a_clear_message(settings, monkeypatch):
    # Scans within the walk's cap that still take the decoder past one second: the CPU limit
    # is what stops this one, as it would stop any trick the walk does not know.
    monkeypatch.setattr(imaging, "JPEG_SCAN_MEGAPIXEL_BUDGET", 10**6)
    settings.PICTURA_DECODE_CPU_SECONDS = 1
    bomb = scan_bomb(size=(4000, 4000), scans=200)
    with pytest.raises(ImageRejected, match="Decoding this image takes more than 1 s of processing"):
        inspect_image(io.BytesIO(bomb), size=len(bomb))


def _spin():
    while True:
        pass


def _allocate(megabytes):
    return len(bytearray(megabytes * 1024 * 1024))


def _fail():
    raise ImageRejected("no")


@pytest.mark.slow  # spends seconds of CPU on purpose
def test_run_bounded_enforces_cpu_and_memory_and_passes_results_and_errors():
    with pytest.raises(LimitExceeded, match="SIGXCPU|SIGKILL"):
        run_bounded(_spin, cpu_seconds=1, memory_bytes=64 * 1024 * 1024)
    with pytest.raises(LimitExceeded, match="memory"):
        run_bounded(_allocate, 512, cpu_seconds=5, memory_bytes=128 * 1024 * 1024)
    assert run_bounded(_allocate, 16, cpu_seconds=5, memory_bytes=128 * 1024 * 1024) == 16 * 1024 * 1024
    with pytest.raises(ImageRejected, match="no"):
        run_bounded(_fail, cpu_seconds=5, memory_bytes=64 * 1024 * 1024)


def _spin_for(seconds):
    """Spends ``seconds`` of CPU; returns the process it ran in."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = usage.ru_utime + usage.ru_stime
    while (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)) - started < seconds:
        pass
    return os.getpid()


@pytest.mark.slow  # spends seconds of CPU on purpose
def test_a_bounded_worker_gives_each_call_its_own_cpu_allowance_and_survives_what_it_stops():
    with BoundedWorker(cpu_seconds=1, memory_bytes=128 * 1024 * 1024, calls_per_child=4) as worker:
        child = worker.run(_spin_for, 0.6)
        # 1.2 s of CPU in all, within a second for each call: the same child did both.
        assert worker.run(_spin_for, 0.6) == child != os.getpid()
        with pytest.raises(LimitExceeded, match="SIGXCPU|SIGKILL"):
            worker.run(_spin)
        with pytest.raises(LimitExceeded, match="memory"):
            worker.run(_allocate, 512)
        with pytest.raises(ImageRejected, match="no"):
            worker.run(_fail)
        assert worker.run(_allocate, 16) == 16 * 1024 * 1024
        pids = {worker.run(os.getpid) for _ in range(6)}
        assert len(pids) == 2 and child not in pids  # a new child after each stop, and every 4 calls
        last = worker.run(os.getpid)
    with pytest.raises(ChildProcessError):
        os.waitpid(last, os.WNOHANG)  # closed with the worker, and reaped


def test_an_import_decoder_checks_and_renders_as_a_fork_per_file_does(settings):
    data = make_image(size=(3000, 2000), exif=camera_exif(orientation=6))
    with imaging.image_decoder() as decoder:
        kept = inspect_image(io.BytesIO(data), size=len(data), render=True, decoder=decoder)
        with pytest.raises(ImageRejected, match="not an image"):
            inspect_image(io.BytesIO(b"not a photo"), size=11, decoder=decoder)
    forked = inspect_image(io.BytesIO(data), size=len(data), render=True)
    assert kept == forked
    assert (kept.width, kept.height) == (2000, 3000)
    assert Image.open(io.BytesIO(kept.renditions.preview)).size == (1067, 1600)  # upright
    assert Image.open(io.BytesIO(kept.renditions.thumbnail)).size == (400, 400)


def test_an_animation_with_too_many_pixels_in_all_frames_is_refused(settings):
    settings.PICTURA_MAX_MEGAPIXELS = 1
    frames = [Image.new("RGB", (500, 500), (40 * i, 0, 0)) for i in range(6)]  # 1.5 MP in all
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected, match="6 frames of 500 × 500 pixels"):
        inspect_image(buffer, size=len(buffer.getvalue()))
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:3])
    assert inspect_image(buffer, size=len(buffer.getvalue())).image_format == "GIF"


def png_bomb(width=10000, height=9000) -> bytes:
    """A PNG of one flat colour: about 300 KB that decode to 360 MB of pixels (90 MP, under
    the pixel limit, so only the memory limit stands in its way)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\x80" * (width * 3)
    squeeze = zlib.compressobj(9)
    pixels = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.mark.slow  # spends seconds of CPU on purpose
def test_a_png_that_decodes_to_more_memory_than_allowed_is_refused(settings):
    settings.PICTURA_DECODE_MEMORY_MB = 64
    bomb = png_bomb()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ImageRejected, match="Decoding this image takes more than 64 MB of memory"):
        inspect_image(io.BytesIO(bomb), size=len(bomb))


@pytest.mark.django_db
def test_a_scan_bomb_upload_gets_a_message_and_leaves_nothing(owner_client, media_root):
    bomb = scan_bomb(scans=3000)
    response = owner_client.post(reverse("gallery:upload"), {"files": [upload("bomb.jpg", bomb)]}, **JSON)
    [result] = response.json()["results"]
    assert result["status"] == "rejected" and "progressive scans" in result["message"]
    assert not Photo.objects.exists() and files_under(media_root) == []


# --- Impossible EXIF ----------------------------------------------------------------------------


def exif_with(**details) -> Image.Exif:
    exif = camera_exif()
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    for name, value in details.items():
        ifd[getattr(ExifTags.Base, name)] = value
    return exif


@pytest.mark.parametrize(
    "details",
    [
        {"DateTimeOriginal": "9999:12:31 23:59:59", "OffsetTimeOriginal": "-01:00"},
        {"DateTimeOriginal": "9999:12:31 23:59:59"},
        {"DateTimeOriginal": "1700:01:01 00:00:00"},
        {"DateTimeOriginal": "2199:01:01 00:00:00"},
    ],
)
def test_impossible_capture_dates_are_left_empty(details):
    data = make_image(exif=exif_with(**details))
    assert inspect_image(io.BytesIO(data), size=len(data)).metadata.taken_at is None


def test_a_plausible_date_with_its_offset_is_kept():
    data = make_image(exif=exif_with(DateTimeOriginal="1900:05:01 10:00:00", OffsetTimeOriginal="+02:00"))
    taken = inspect_image(io.BytesIO(data), size=len(data)).metadata.taken_at
    assert taken.astimezone(UTC) == datetime(1900, 5, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize("exposure", [5e-324, 1e-30, 1e300])
def test_absurd_exposure_times_are_left_empty(exposure):
    data = make_image(exif=exif_with(ExposureTime=exposure))
    assert inspect_image(io.BytesIO(data), size=len(data)).metadata.exposure_time == ""


@pytest.mark.django_db
def test_a_photo_with_impossible_exif_uploads_and_every_page_still_reads_it(owner_client, owner, admin_client):
    data = make_image(exif=exif_with(DateTimeOriginal="9999:12:31 23:59:59", OffsetTimeOriginal="-01:00",
                                     ExposureTime=5e-324))
    response = owner_client.post(reverse("gallery:upload"), {"files": [upload("odd.jpg", data)]}, **JSON)
    assert response.json()["results"][0]["status"] == "done"
    photo = Photo.objects.get()
    assert photo.taken_at is None and photo.sort_at == photo.uploaded_at and photo.exposure_time == ""
    photo.move_to_trash()
    assert admin_client.get(reverse("admin:gallery_photo_changelist")).status_code == 200
    assert owner_client.get(reverse("gallery:trash")).status_code == 200
