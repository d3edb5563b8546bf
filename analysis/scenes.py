"""Scene cues that need no model: what the pixels and the camera's own record say for certain.

- "Black and white": no pixel has colour to speak of.
- "Graphic": a logo, icon, chart or drawing: a few flat colours cover nearly everything. An
  ImageNet classifier, trained on photos, only guesses on these.
- "Document" (dark text on light paper covering half the picture) or "Screenshot" (text in flat
  colours, from no camera), each with "Text": three or more lines of small marks with nearly
  empty rows between them.
- "Plant": a fifth of the picture or more is foliage green (hue 50-170 degrees, some
  saturation, not black): leaves, grass, a forest. Skipped on graphics.
- "Night": a dark picture that the camera says was taken at night or with a long or very
  sensitive exposure (EXIF), never darkness alone (a dim room, the space between stars).
"""
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import numpy as np
from PIL import Image
from scipy import ndimage

from .taggers import Label

SIDE = 512  # every cue is measured on a copy this size: bounded work whatever the upload
MAX_COLOUR = 12  # of 255: the spread between a pixel's channels below which it is grey
FLAT_STEP = 2  # neighbouring pixels this close are one flat colour
PAPER_GREY = 140
MIN_LETTERS = 40
MAX_MARKS = 1500  # a page at 512 px has fewer words; more is grain, and it bounds the n x n comparison
MIN_PAPER = 0.5
NIGHT_HOURS = set(range(21, 24)) | set(range(0, 5))
MIN_FOLIAGE = 0.2
LONG_EXPOSURE = Fraction(1, 8)
HIGH_ISO = 1600


@dataclass(frozen=True)
class Exposure:
    """What the camera recorded; empty when the file says nothing."""

    taken_at: datetime | None = None
    exposure_time: str = ""  # as EXIF writes it: "1/60", "2"
    iso: int | None = None
    camera: str = ""

    @classmethod
    def of(cls, photo) -> "Exposure":
        return cls(photo.taken_at, photo.exposure_time, photo.iso, photo.camera)

    @property
    def seconds(self) -> Fraction | None:
        try:
            return Fraction(self.exposure_time) if self.exposure_time else None
        except (ValueError, ZeroDivisionError):
            return None


NOTHING_RECORDED = Exposure()


class Picture:
    """The picture at SIDE px, with what every cue reads from it worked out once. (Reductions
    across the three channels of one array are slow in numpy: the channels are kept apart.)"""

    def __init__(self, image: Image.Image):
        scale = min(1.0, SIDE / max(image.size))
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        self.image = image.resize(size, Image.Resampling.NEAREST).convert("RGB")  # nearest keeps flat colours flat
        self.red, self.green, self.blue = np.asarray(self.image, dtype=np.int16).transpose(2, 0, 1)
        self.grey = (self.red + self.green + self.blue) / 3
        self.colour = np.maximum(np.maximum(self.red, self.green), self.blue) - np.minimum(
            np.minimum(self.red, self.green), self.blue
        )


def scene_labels(image: Image.Image, exposure: Exposure = NOTHING_RECORDED) -> list[Label]:
    picture = Picture(image)
    labels = []
    black_and_white = is_black_and_white(picture)
    if black_and_white:
        labels.append(Label("Black and white", 99.0))
    graphic = is_graphic(picture, black_and_white)
    if graphic:
        labels.append(Label("Graphic", 90.0))
    if not graphic and not black_and_white and (foliage := foliage_share(picture)) >= MIN_FOLIAGE:
        labels.append(Label("Plant", round(min(95.0, 60 + 100 * foliage), 2)))
    screenshot = graphic and not exposure.camera
    if (screenshot or paper_share(picture) >= MIN_PAPER) and has_lines_of_text(picture.grey):
        labels += [Label("Text", 85.0), Label("Screenshot" if screenshot else "Document", 80.0)]
    if is_night(picture.grey, exposure):
        labels.append(Label("Night", 80.0))
    return labels


def is_black_and_white(picture: Picture) -> bool:
    return np.count_nonzero(picture.colour > MAX_COLOUR) <= 0.01 * picture.colour.size


def is_graphic(picture: Picture, black_and_white: bool) -> bool:
    """Nine tenths of the picture in its 16 commonest colours (4 bits a channel), and most
    neighbours exactly alike: a photo's sky or wall has the first, never both."""
    if black_and_white:
        # Sixteen greys are every grey. A drawing in black and white is ink on paper: two shades
        # far apart cover nearly all of it (a grey backdrop of a microscope or a studio is one).
        counts = np.bincount(picture.grey.astype(np.int16).ravel() // 8, minlength=32)
        second, first = np.argsort(counts)[-2:]
        return counts[[first, second]].sum() >= 0.9 * picture.grey.size and abs(int(first) - int(second)) >= 8
    codes = (picture.red // 16) * 256 + (picture.green // 16) * 16 + picture.blue // 16
    if np.sort(np.bincount(codes.ravel()))[-16:].sum() < 0.9 * codes.size:
        return False
    step = np.maximum(
        np.maximum(np.abs(np.diff(picture.red, axis=1)), np.abs(np.diff(picture.green, axis=1))),
        np.abs(np.diff(picture.blue, axis=1)),
    )
    return (step <= FLAT_STEP).mean() >= 0.6


def paper_share(picture: Picture) -> float:
    """How much of the picture is light and colourless, as paper is."""
    return float(((picture.grey >= PAPER_GREY) & (picture.colour <= 40)).mean())


def has_lines_of_text(grey: np.ndarray) -> bool:
    """Letters: dark marks of about one height standing side by side in rows, dozens of them.
    A texture, a face or a crowd of craters has marks, but few that line up as words do."""
    ink = grey < ndimage.uniform_filter(grey, size=31) - 25
    if not 0.005 <= ink.mean() <= 0.35:
        return False
    boxes = ndimage.find_objects(ndimage.label(ink)[0])
    if not MIN_LETTERS <= len(boxes) <= MAX_MARKS:
        return False
    top, left, height, width = (
        np.array([[b[0].start, b[1].start, b[0].stop - b[0].start, b[1].stop - b[1].start] for b in boxes]).T
    )
    # At 512 px the letters of a word often run together: a mark may be a whole word.
    letters = (height >= 4) & (height <= grey.shape[0] * 0.08) & (width <= 8 * height)
    top, left, height, width = top[letters], left[letters], height[letters], width[letters]
    middle, right = top + height / 2, left + width
    # For each letter, is there another just to its right, on the same line and of a like height?
    gap = left[None, :] - right[:, None]
    beside = (
        (gap >= -1) & (gap <= 1.5 * height[:, None])
        & (np.abs(middle[None, :] - middle[:, None]) <= 0.3 * height[:, None])
        & (height[None, :] >= 0.6 * height[:, None]) & (height[None, :] <= 1.6 * height[:, None])
    )
    np.fill_diagonal(beside, False)
    in_words = beside.any(axis=1) | beside.any(axis=0)
    return int(in_words.sum()) >= MIN_LETTERS and in_words.sum() >= 0.4 * len(boxes)


def foliage_share(picture: Picture) -> float:
    # A share: a quarter of the pixels say it as well. Pillow's HSV runs 0-255 on each axis:
    # hue 50-170 degrees is 35-121, saturation 0.2 is 51, value 0.12 is 31.
    hue, saturation, value = np.asarray(picture.image.reduce(2).convert("HSV")).transpose(2, 0, 1)
    return float(((hue > 35) & (hue < 121) & (saturation > 51) & (value > 31)).mean())


def is_night(grey: np.ndarray, exposure: Exposure) -> bool:
    at_night = exposure.taken_at is not None and exposure.taken_at.hour in NIGHT_HOURS
    long_exposure = exposure.seconds is not None and exposure.seconds >= LONG_EXPOSURE
    sensitive = exposure.iso is not None and exposure.iso >= HIGH_ISO
    return (at_night or long_exposure or sensitive) and np.median(grey) <= 60
