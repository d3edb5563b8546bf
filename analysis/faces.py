"""Faces found in a photo, on the CPU, with dlib's models from packages (no downloads).

Detection is dlib's HOG detector on a copy of the preview DETECT_SIDE pixels long: it finds
faces of 80 px and more there, an eighth of the picture's short side. Looking closer (dlib's
upsampling) finds smaller faces but costs three times as much: 370 ms instead of 110 ms per
1600 px preview on one core here (2026-12-01), which would halve tagging throughput. Each face
can then be described by dlib's ResNet encoder as 128 numbers, close together (Euclidean
distance under about 0.55) for the same person; about 75 ms a face. The landmarks come from
the 5-point model: the 68-point one's training data forbids commercial use.
"""
import importlib.util
import math
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

DETECT_SIDE = 1000
# Detections whose margin is under this are dropped: at dlib's own threshold (0) a mission
# patch on a spacesuit passes for a face; the faces of ../shared/faces/ all score above 0.9.
MIN_MARGIN = 0.3


@dataclass(frozen=True)
class Face:
    """One face: its box as fractions of the picture (left, top, width, height), how sure the
    detector is (0–100), its size in pixels of the picture analysed, and its description (128
    numbers) when asked for."""

    box: tuple[float, float, float, float]
    confidence: float
    size: int
    embedding: tuple[float, ...] | None = None


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
        small = image.resize((round(image.width * scale), round(image.height * scale)))
        pixels = np.asarray(small)
        rects, margins, _ = self.detector.run(pixels, 0, MIN_MARGIN)
        faces = []
        for rect, margin in zip(rects, margins, strict=True):
            left, top = max(0, rect.left()), max(0, rect.top())
            right, bottom = min(small.width, rect.right()), min(small.height, rect.bottom())
            embedding = None
            if describe:
                shape = self.landmarks(pixels, rect)
                embedding = tuple(float(x) for x in self.encoder.compute_face_descriptor(pixels, shape, 1))
            faces.append(Face(
                box=(left / small.width, top / small.height, (right - left) / small.width, (bottom - top) / small.height),
                confidence=detector_confidence(margin),
                size=round(max(right - left, bottom - top) / scale),
                embedding=embedding,
            ))
        return sorted(faces, key=lambda face: face.size, reverse=True)


def distance(first: Face, second: Face) -> float:
    return float(np.linalg.norm(np.array(first.embedding) - np.array(second.embedding)))
