"""Scene cues: measured on real photos (scikit-image's and the project's own) and on pictures
drawn here whose truth is known (a page of text, a settings screen, a chart)."""
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from skimage import data as samples

from analysis.scenes import NOTHING_RECORDED, Exposure, scene_labels
from pictura.testing.images import SHARED_PHOTOS, needs_shared_photos

PHOTOS = ["astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "moon", "grass", "gravel", "brick",
          "hubble_deep_field", "immunohistochemistry"]
CAMERA = "Canon EOS 40D"


def names(image, exposure=NOTHING_RECORDED) -> set[str]:
    return {label.name for label in scene_labels(image, exposure)}


def sample(name) -> Image.Image:
    return Image.fromarray(getattr(samples, name)())


def page_of_text(size=(1200, 1600)) -> Image.Image:
    page = Image.new("RGB", size, (246, 244, 238))
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=26)
    for line in range(28):
        words = "Pictura keeps every photo and its renditions, whatever fails in between. "
        draw.text((90, 90 + line * 50), words[: 42 + line % 25], fill=(25, 25, 30), font=font)
    return page


def scanned(page: Image.Image) -> Image.Image:
    """The page as a scanner or a phone sees it: light falling off to one side, grain, a little blur."""
    pixels = np.asarray(page, dtype=np.float32)
    light = np.linspace(1.0, 0.8, pixels.shape[1])[None, :, None]
    grain = np.random.default_rng(7).normal(0, 6, pixels.shape)
    return Image.fromarray(np.clip(pixels * light + grain, 0, 255).astype(np.uint8)).filter(ImageFilter.BLUR)


def settings_screen() -> Image.Image:
    screen = Image.new("RGB", (1280, 800), (255, 255, 255))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, 1280, 64), fill=(38, 64, 120))
    font = ImageFont.load_default(size=24)
    for row in range(14):
        draw.text((48, 100 + row * 46), f"Notifications · Account · Storage · item {row}", fill=(30, 30, 30), font=font)
    return screen


def chart() -> Image.Image:
    picture = Image.new("RGB", (800, 600), (255, 255, 255))
    draw = ImageDraw.Draw(picture)
    for bar, (height, colour) in enumerate([(300, (220, 60, 50)), (420, (60, 120, 220)), (180, (240, 180, 40))]):
        draw.rectangle((120 + bar * 220, 550 - height, 260 + bar * 220, 550), fill=colour)
    draw.line((80, 550, 760, 550), fill=(0, 0, 0), width=3)
    return picture


def dark(size=(800, 600)) -> Image.Image:
    """A street at night: black sky, a few lamps."""
    picture = Image.new("RGB", size, (12, 12, 20))
    draw = ImageDraw.Draw(picture)
    for x in range(60, size[0], 160):
        draw.ellipse((x, 200, x + 30, 230), fill=(255, 220, 150))
    return picture


@pytest.mark.parametrize("name", ["camera", "coins", "moon", "page", "text"])
def test_photos_without_colour_are_black_and_white(name):
    assert "Black and white" in names(sample(name))


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field"])
def test_colour_photos_are_not(name):
    assert "Black and white" not in names(sample(name))


@pytest.mark.parametrize("name", PHOTOS)
def test_no_photo_is_taken_for_a_graphic_a_document_or_a_screenshot(name):
    assert not names(sample(name)) & {"Graphic", "Text", "Document", "Screenshot"}


def test_a_chart_and_a_logo_are_graphics():
    assert "Graphic" in names(chart())
    assert "Graphic" in names(sample("logo"))


def test_a_scanned_page_is_a_document_with_text():
    found = names(scanned(page_of_text()))
    assert {"Document", "Text"} <= found and not found & {"Graphic", "Screenshot"}


def test_text_in_flat_colours_from_no_camera_is_a_screenshot():
    assert {"Screenshot", "Text", "Graphic"} <= names(settings_screen())
    # The same picture with a camera's make and model in its file: a photo of a screen.
    assert "Screenshot" not in names(settings_screen(), Exposure(camera=CAMERA))


@pytest.mark.parametrize(
    "exposure, night",
    [
        (Exposure(), False),  # darkness alone: a dim room, a black backdrop
        (Exposure(exposure_time="1/4", camera=CAMERA), True),
        (Exposure(exposure_time="1/250", iso=3200, camera=CAMERA), True),
        (Exposure(taken_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC), exposure_time="1/60"), True),
        (Exposure(taken_at=datetime(2026, 7, 1, 14, 0, tzinfo=UTC), exposure_time="1/60"), False),
        (Exposure(exposure_time="not a number"), False),
    ],
)
def test_night_needs_a_dark_picture_and_the_camera_s_word(exposure, night):
    assert ("Night" in names(dark(), exposure)) is night


def test_a_bright_picture_is_never_night():
    assert "Night" not in names(sample("coffee"), Exposure(exposure_time="2", iso=6400))


@needs_shared_photos
def test_leaves_and_a_forest_are_plants_and_portraits_cats_and_coffee_are_not():
    for path in ("cameras/Nikon_D70.jpg", "orientation/landscape_1.jpg"):
        assert "Plant" in names(Image.open(SHARED_PHOTOS / path)), path
    for name in ("astronaut", "chelsea", "coffee"):
        assert "Plant" not in names(sample(name)), name


def test_the_work_is_bounded_on_a_huge_noisy_picture():
    noise = np.random.default_rng(1).integers(0, 255, (6000, 6000, 3), dtype=np.uint8)
    assert names(Image.fromarray(noise)) <= {"Plant"}  # measured on a 512 px copy: nothing else
