import io

import pytest
from PIL import Image, ImageDraw
from skimage import data as samples

from analysis.models import PhotoAnalysis, PhotoTag
from analysis.taggers import TaggerError, get_tagger
from analysis.tasks import analyse_photo
from pictura.testing.images import SHARED_FACES, make_image, needs_shared_faces, upload

pytestmark = pytest.mark.slow  # loads the models


@pytest.fixture(scope="module")
def tagger():
    return get_tagger("local")


def jpeg(image) -> bytes:
    buffer = io.BytesIO()
    (image if isinstance(image, Image.Image) else Image.fromarray(image)).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


def top(result, n=3) -> list[str]:
    return [label.name for label in result.labels[:n]]


def test_the_model_is_loaded_once_per_process(tagger):
    assert get_tagger("local") is tagger


def test_a_cat_is_a_cat_a_pet_and_an_animal(tagger):
    result = tagger.analyse_bytes(jpeg(samples.chelsea()))
    assert set(top(result)) == {"Cat", "Pet", "Animal"}
    assert result.labels[0].confidence > 80
    assert result.people_count == 0


def test_coffee_is_espresso_coffee_and_a_drink_not_food(tagger):
    names = [label.name for label in tagger.analyse_bytes(jpeg(samples.coffee())).labels]
    assert {"Espresso", "Coffee", "Drink"} <= set(names[:3]) and "Food" not in names


def test_a_portrait_has_one_face_a_person_and_is_not_called_an_animal(tagger):
    # The mission patch on the spacesuit is no face (at dlib's own threshold it would be one).
    result = tagger.analyse_bytes(jpeg(samples.astronaut()))
    assert result.people_count == 1
    names = [label.name for label in result.labels]
    assert {"Person", "Portrait"} <= set(names) and "People" not in names and "Animal" not in names
    assert next(label for label in result.labels if label.name == "Person").confidence > 95
    assert result.faces == []  # counted, not described: recognition was not asked for


def test_with_recognition_each_face_is_described(tagger):
    result = tagger.analyse_bytes(jpeg(samples.astronaut()), recognise_faces=True)
    (face,) = result.faces
    assert len(face.embedding) == 128 and face.groupable and face.sharpness > 50
    left, top, width, height = face.box
    assert 0.3 < left + width / 2 < 0.7 and top < 0.5  # her face: upper middle


def test_labels_are_stable_and_within_range(tagger):
    data = jpeg(samples.coffee())
    first, second = tagger.analyse_bytes(data), tagger.analyse_bytes(data)
    assert first.labels == second.labels
    assert all(0 <= label.confidence <= 100 for label in first.labels)
    assert first.labels == sorted(first.labels, key=lambda label: label.confidence, reverse=True)


def test_a_drawing_is_a_graphic_and_the_classifier_is_not_asked_to_guess(tagger, monkeypatch):
    picture = Image.new("RGB", (640, 480), (30, 110, 200))
    ImageDraw.Draw(picture).rectangle((0, 300, 640, 480), fill=(230, 210, 150))
    monkeypatch.setattr(tagger, "classify", lambda image: pytest.fail("a graphic was classified"))
    result = tagger.analyse_bytes(jpeg(picture))
    assert [label.name for label in result.labels] == ["Graphic"]
    assert result.people_count == 0
    assert max(label.confidence for label in result.moderation_labels) < 50


def test_safe_photos_score_low_for_unsafe_content(tagger):
    for sample in (samples.chelsea(), samples.coffee(), samples.astronaut()):
        scores = [label.confidence for label in tagger.analyse_bytes(jpeg(sample)).moderation_labels]
        assert max(scores, default=0) < 20


def test_a_truncated_file_fails_cleanly(tagger):
    with pytest.raises(TaggerError, match="cannot be decoded"):
        tagger.analyse_bytes(jpeg(samples.chelsea())[:2000])


@pytest.mark.django_db
def test_a_damaged_preview_marks_the_analysis_failed_and_keeps_the_photo(owner, media_root, ingest):
    photo = ingest(owner, "a.jpg", make_image())
    (media_root / photo.preview.name).write_bytes(b"\xff\xd8\xff\xe0 broken")
    analyse_photo.apply(args=[photo.pk, "local"])
    analysis = PhotoAnalysis.objects.get(photo=photo)
    assert analysis.state == "failed" and "cannot be decoded" in analysis.last_error
    photo.refresh_from_db()
    assert photo.deleted_at is None


@pytest.mark.analyse_uploads
@pytest.mark.django_db
def test_an_upload_is_tagged_by_the_local_model(owner_client):
    response = owner_client.post(
        "/upload/", {"files": [upload("chelsea.jpg", jpeg(samples.chelsea()))], "tags": "holiday"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["results"][0]["status"] == "done"
    tags = dict(PhotoTag.objects.values_list("tag__name", "source"))
    assert tags["cat"] == "local" and tags["animal"] == "local" and tags["holiday"] == "manual"
    assert PhotoAnalysis.objects.get().state == "done"


def test_the_onnx_classifier_is_exported_once_and_answers_as_pytorch_does(tagger, tmp_path):
    import numpy as np
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    from analysis.taggers.classifier import ImageNetClassifier, onnx_path, weights_path

    cache = tmp_path / "models"
    classifier = ImageNetClassifier(cache)  # a cache with nothing in it: exports
    exported = onnx_path(cache)
    assert list(cache.iterdir()) == [exported]  # no partial file left
    modified = exported.stat().st_mtime_ns
    ImageNetClassifier(cache)  # the next process finds it
    assert exported.stat().st_mtime_ns == modified

    image = Image.fromarray(samples.coffee()).convert("RGB").resize((224, 224))
    pixels = ((np.asarray(image, dtype=np.float32) / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225])
    pixels = pixels.transpose(2, 0, 1).astype(np.float32)
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights_path())).eval()
    with torch.inference_mode():
        expected = torch.softmax(model(torch.from_numpy(pixels[None])), dim=1)[0].numpy()
    assert np.abs(classifier.probabilities(pixels) - expected).max() < 1e-4
    assert classifier.probabilities(pixels).argmax() == expected.argmax()


def test_every_class_reaches_its_tags_through_wordnet():
    from analysis.taggers.local import CLASSES

    assert len(CLASSES) == 1000
    by_name = {entry["name"]: set(entry["tags"]) for entry in CLASSES if entry["name"]}
    assert by_name["Monastery"] == {"Building"} and by_name["Palace"] >= {"Building", "Palace"}
    assert by_name["Tabby cat"] == {"Animal", "Pet", "Cat"} and by_name["Golden retriever"] == {"Animal", "Pet", "Dog"}
    assert by_name["Espresso"] == {"Drink", "Coffee"}  # a drink, not food
    assert by_name["Harvestman"] == {"Nature"}  # small creatures are no "Animal": see SMALL_CREATURES
    assert by_name["Daisy"] == {"Nature", "Plant", "Flower"}
    assert "Outdoor" in by_name["Lakeshore"] and "Indoor" in by_name["Dining table"]
    assert len({tag for tags in by_name.values() for tag in tags}) >= 200


def test_classes_wrong_more_often_than_right_are_replaced():
    from analysis.taggers.local import CLASSES
    from scripts.imagenet_vocabulary import REPLACED

    replaced = [entry for entry in CLASSES if entry["name"] is None]
    assert len(replaced) == len(REPLACED)
    assert sorted(map(tuple, (entry["tags"] for entry in replaced))) == sorted(map(tuple, REPLACED.values()))


@needs_shared_faces
def test_a_portrait_in_a_suit_is_a_person_in_a_suit_not_clothing(tagger):
    result = tagger.analyse_bytes((SHARED_FACES / "biden" / "2.jpg").read_bytes())
    names = [label.name for label in result.labels]
    assert {"Person", "Portrait", "Suit"} <= set(names) and "Clothing" not in names


@pytest.mark.django_db
def test_the_camera_s_record_reaches_the_scene_cues(tagger, owner, ingest):
    night = Image.new("RGB", (800, 600), (10, 10, 18))
    ImageDraw.Draw(night).ellipse((380, 200, 420, 240), fill=(255, 230, 160))
    photo = ingest(owner, "street.jpg", jpeg(night))
    assert "Night" not in {label.name for label in tagger.analyse(photo).labels}  # dark is not enough
    photo.exposure_time, photo.camera_make, photo.camera_model = "1/2", "Canon", "EOS 40D"
    assert "Night" in {label.name for label in tagger.analyse(photo).labels}
