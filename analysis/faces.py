"""Faces found in a photo, on the CPU, with dlib's models from packages (no downloads).

Detection is dlib's HOG detector on a copy of the preview DETECT_SIDE pixels long: it finds
faces of 80 px and more there, an eighth of the picture's short side. Looking closer (dlib's
upsampling) finds smaller faces but costs three times as much: 370 ms instead of 110 ms per
1600 px preview on one core here (2026-12-01), which would halve tagging throughput. Each face
can then be described by dlib's ResNet encoder as 128 numbers, close together (Euclidean
distance under about 0.55) for the same person; about 75 ms a face. The landmarks come from
the 5-point model: the 68-point one's training data forbids commercial use.

Faces too small or too blurred to describe reliably are still found and shown, but not
grouped into people (see ``Face.groupable``).
"""
import importlib.util
import io
import math
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

DETECT_SIDE = 1000
# Detections whose margin is under this are dropped: at dlib's own threshold (0) a mission
# patch on a spacesuit passes for a face; the faces of ../shared/faces/ all score above 0.9.
MIN_MARGIN = 0.3
# Sharpness (0-100, see sharpness()) under which a face is too blurred to recognise: the faces
# of ../shared/faces/ score 77-94 as taken, 3-20 under a Gaussian blur of 0.8 % of the picture's width.
MIN_SHARPNESS = 15
# The long side, in pixels of the picture analysed, under which a face is too small to recognise.
MIN_SIZE = 60
CROP_SIDE = 160


@dataclass(frozen=True)
class Face:
    """One face: its box as fractions of the picture (left, top, width, height), how sure the
    detector is (0–100), its size in pixels of the picture analysed, its sharpness (0–100) and,
    when asked for, what recognises it: a description (128 numbers) from the local models or
    Rekognition's id for it in the face collection."""

    box: tuple[float, float, float, float]
    confidence: float
    size: int
    sharpness: float
    embedding: tuple[float, ...] | None = None
    face_id: str = ""

    @property
    def groupable(self) -> bool:
        """Large and sharp enough for its description to say who it is."""
        return groupable(self.size, self.sharpness)


def groupable(size: float, sharpness: float) -> bool:
    return size >= MIN_SIZE and sharpness >= MIN_SHARPNESS


def detector_confidence(margin: float) -> float:
    """The HOG detector's margin (0 at dlib's threshold, about 2 for a clear frontal face) on a
    0–100 scale: a logistic curve on which MIN_MARGIN reads 88 and a margin of 1 reads 99."""
    return round(100 / (1 + math.exp(-(4 * margin + 0.85))), 2)


class FaceFinder:
    def __init__(self):
        import dlib

        models = os.path.join(importlib.util.find_spec("face_recognition_models").submodule_search_locations[0], "models")
        self.dlib = dlib
        self.detector = dlib.get_frontal_face_detector()
        self.landmarks = dlib.shape_predictor(os.path.join(models, "shape_predictor_5_face_landmarks.dat"))
        self.encoder = dlib.face_recognition_model_v1(os.path.join(models, "dlib_face_recognition_resnet_model_v1.dat"))

    def find(self, image: Image.Image, *, describe: bool = False) -> list[Face]:
        """The faces in an RGB ``image``, largest first."""
        scale = min(2.0, DETECT_SIDE / max(image.size))  # small pictures are enlarged, up to twice
        size = (round(image.width * scale), round(image.height * scale))
        # Detection on a greyscale copy, made grey before it is resized: a third faster than
        # detecting on colour (dlib takes each pixel's strongest channel gradient), and resizing
        # one channel instead of three saves another 14 ms a photo; every face of
        # ../shared/faces/ is still found with a margin over 0.9. The colour copy the encoder
        # needs is made only when there are faces to describe.
        grey = image.convert("L").resize(size)
        rects, margins, _ = self.detector.run(np.asarray(grey), 0, MIN_MARGIN)
        pixels = np.asarray(image.resize(size)) if describe and rects else None
        faces = []
        for rect, margin in zip(rects, margins, strict=True):
            left, top = max(0, rect.left()), max(0, rect.top())
            right, bottom = min(size[0], rect.right()), min(size[1], rect.bottom())
            embedding = None
            if pixels is not None and groupable(max(right - left, bottom - top) / scale, 100):
                shape = self.landmarks(pixels, rect)
                embedding = tuple(float(x) for x in self.encoder.compute_face_descriptor(pixels, shape, 1))
            faces.append(Face(
                box=(left / size[0], top / size[1], (right - left) / size[0], (bottom - top) / size[1]),
                confidence=detector_confidence(margin),
                size=round(max(right - left, bottom - top) / scale),
                sharpness=sharpness(grey.crop((left, top, right, bottom))),
                embedding=embedding,
            ))
        return sorted(faces, key=lambda face: face.size, reverse=True)


def sharpness(face: Image.Image) -> float:
    """How sharp a face is, 0-100: the variance of the Laplacian of its greyscale at 96 px
    (v), as 100 v / (v + 100), so that 100 reads 50 and the scale saturates gently."""
    pixels = np.asarray(face.convert("L").resize((96, 96)), dtype=np.float32)
    laplacian = (
        4 * pixels[1:-1, 1:-1] - pixels[:-2, 1:-1] - pixels[2:, 1:-1] - pixels[1:-1, :-2] - pixels[1:-1, 2:]
    )
    variance = float(laplacian.var())
    return round(100 * variance / (variance + 100), 2)


def face_crop(image: Image.Image, box: tuple[float, float, float, float], side: int = CROP_SIDE) -> bytes:
    """A square JPEG of the face at ``box`` (fractions of ``image``) with some room around it,
    as the people pages show it."""
    left, top, width, height = box
    centre_x, centre_y = (left + width / 2) * image.width, (top + height / 2) * image.height
    half = min(max(width * image.width, height * image.height) * 0.75, image.width / 2, image.height / 2)
    # Near an edge the square moves inwards rather than shrinking.
    centre_x = min(max(centre_x, half), image.width - half)
    centre_y = min(max(centre_y, half), image.height - half)
    square = image.crop((round(centre_x - half), round(centre_y - half), round(centre_x + half), round(centre_y + half)))
    buffer = io.BytesIO()
    square.convert("RGB").resize((side, side), Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def distance(first: Face, second: Face) -> float:
    return float(np.linalg.norm(np.array(first.embedding) - np.array(second.embedding)))
