"""The Rekognition tagger: request plumbing against moto's server, the rest with botocore's Stubber.

moto implements only detect_labels (with a canned answer), so it proves that the request is
well formed and travels over a real socket; detect_moderation_labels and detect_faces, and the
error codes, use Stubber with responses shaped like the real API's.
"""
from io import StringIO

import pytest
from botocore.stub import Stubber
from django.urls import reverse
from django.utils import timezone

from albums.models import ShareLink
from analysis.models import PhotoAnalysis, PhotoTag
from analysis.services import analyses_requeue_due, photo_add_manual_tags, photos_mark_for_analysis
from analysis.taggers import TaggerError, TaggerUnavailable, forget_taggers, get_tagger
from analysis.taggers.rekognition import RekognitionTagger
from analysis.tasks import analyse_photo
from gallery.models import Photo
from pictura.testing.images import make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def aws(monkeypatch, settings):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.PICTURA_REKOGNITION_REGION = "us-east-1"
    forget_taggers()
    yield
    forget_taggers()


@pytest.fixture
def moto_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def photo(owner, ingest):
    return ingest(owner, "dog.jpg", make_image(size=(2400, 1600)))


LABELS = {
    "Labels": [
        {"Name": "Dog", "Confidence": 98.7, "Instances": [], "Parents": [{"Name": "Animal"}],
         "Aliases": [], "Categories": [{"Name": "Animals and Pets"}]},
        {"Name": "Animal", "Confidence": 98.7, "Instances": [], "Parents": [], "Aliases": [], "Categories": []},
        {"Name": "Beach", "Confidence": 81.2, "Instances": [], "Parents": [{"Name": "Nature"}], "Aliases": [], "Categories": []},
    ],
    "LabelModelVersion": "3.0",
}
NO_MODERATION = {"ModerationLabels": [], "ModerationModelVersion": "7.0"}
UNSAFE = {
    "ModerationLabels": [{"Confidence": 93.1, "Name": "Explicit Nudity", "ParentName": "", "TaxonomyLevel": 1}],
    "ModerationModelVersion": "7.0",
}
FACES = {"FaceDetails": [{"BoundingBox": {"Width": 0.2, "Height": 0.3, "Left": 0.1, "Top": 0.1}, "Confidence": 99.9}] * 2}


def face_detail(left, sharpness=90.0):
    return {
        "BoundingBox": {"Width": 0.2, "Height": 0.3, "Left": left, "Top": 0.1},
        "Confidence": 99.9,
        "Quality": {"Brightness": 60.0, "Sharpness": sharpness},
    }


def indexed(*face_ids, unindexed=0):
    """index_faces' answer: a face record per id (side by side), and faces too poor to index."""
    return {
        "FaceRecords": [
            {"Face": {"FaceId": face_id, "BoundingBox": face_detail(0.05 + 0.3 * i)["BoundingBox"], "ImageId": "i",
                      "Confidence": 99.9}, "FaceDetail": face_detail(0.05 + 0.3 * i)}
            for i, face_id in enumerate(face_ids)
        ],
        "UnindexedFaces": [{"Reasons": ["LOW_SHARPNESS"], "FaceDetail": face_detail(0.7, sharpness=4.0)}] * unindexed,
        "FaceModelVersion": "7.0",
    }


def found_similar(*matches):
    """search_faces' answer: (face id, similarity) pairs."""
    return {"SearchedFaceId": "x", "FaceModelVersion": "7.0", "FaceMatches": [
        {"Similarity": similarity, "Face": {"FaceId": face_id, "Confidence": 99.0}} for face_id, similarity in matches
    ]}


def stub_success(stubber, moderation=NO_MODERATION):
    """One analysis with face recognition on (the default): two faces indexed, like no one yet."""
    stubber.add_response("detect_labels", LABELS)
    stubber.add_response("detect_moderation_labels", moderation)
    stubber.add_response("index_faces", indexed("f-1", "f-2"))
    stubber.add_response("search_faces", found_similar())
    stubber.add_response("search_faces", found_similar())


def test_detect_labels_request_reaches_the_rekognition_api_over_a_socket(aws, settings, moto_server, photo):
    settings.PICTURA_REKOGNITION_ENDPOINT_URL = moto_server
    tagger = RekognitionTagger()
    image = tagger.image_of(photo)
    assert set(image) == {"Bytes"} and image["Bytes"][:2] == b"\xff\xd8"  # the preview, as bytes
    answer = tagger.client.detect_labels(Image=image, MaxLabels=15, MinConfidence=70)
    assert answer["Labels"] and {"Name", "Confidence"} <= set(answer["Labels"][0])


def test_analysis_stores_labels_people_and_keeps_manual_tags(aws, owner, settings, ingest):
    settings.PICTURA_TAGGER = "rekognition"
    photo = ingest(owner, "d.jpg", make_image())
    photo_add_manual_tags(photo=photo, names=("rex",))
    tagger = get_tagger("rekognition")
    with Stubber(tagger.client) as stubber:
        stub_success(stubber)
        stub_success(stubber)
        analyse_photo.apply(args=[photo.pk])
        photos_mark_for_analysis([photo.pk])  # asked again: same result, nothing doubled
        analyse_photo.apply(args=[photo.pk])
        analyse_photo.apply(args=[photo.pk])  # a duplicate message once done: nothing to do
        stubber.assert_no_pending_responses()

    tags = {(t.tag.name, t.source, round(t.confidence, 1)) for t in PhotoTag.objects.filter(photo=photo).select_related("tag")}
    assert tags == {
        ("rex", "manual", 100.0),
        ("dog", "rekognition", 98.7),
        ("animal", "rekognition", 98.7),
        ("beach", "rekognition", 81.2),
    }
    analysis = PhotoAnalysis.objects.get(photo=photo)
    assert (analysis.state, analysis.tagger, analysis.people_count, analysis.attempts) == ("done", "rekognition", 2, 1)
    assert analysis.moderation == "clear"


def test_request_parameters_come_from_settings(aws, photo, settings):
    settings.PICTURA_REKOGNITION_MAX_LABELS = 7
    settings.PICTURA_REKOGNITION_MIN_CONFIDENCE = 55
    tagger = get_tagger("rekognition")
    with Stubber(tagger.client) as stubber:
        expected = {"Image": {"Bytes": tagger.image_of(photo)["Bytes"]}, "MaxLabels": 7, "MinConfidence": 55}
        stubber.add_response("detect_labels", LABELS, expected)
        stubber.add_response("detect_moderation_labels", NO_MODERATION)
        stubber.add_response("detect_faces", FACES)
        tagger.analyse(photo)


def sweep_when_due(photo) -> int:
    """Let the retry's due time pass, then sweep: as Celery beat does, a minute later."""
    PhotoAnalysis.objects.filter(photo=photo).update(due_at=timezone.now())
    return analyses_requeue_due()


@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException"])
def test_throttling_is_retried_by_the_sweeper_then_done(aws, photo, code, owner_client):
    tagger = get_tagger("rekognition")
    with Stubber(tagger.client) as stubber:
        stubber.add_client_error("detect_labels", service_error_code=code, http_status_code=400)
        stubber.add_client_error("detect_labels", service_error_code=code, http_status_code=400)
        stub_success(stubber)
        analyse_photo.apply(args=[photo.pk, "rekognition"])
        analysis = PhotoAnalysis.objects.get(photo=photo)
        assert (analysis.state, analysis.attempts, analysis.retrying) == ("pending", 1, True)
        assert analysis.due_at > timezone.now()
        assert analyses_requeue_due() == 0  # not before its time
        page = owner_client.get(photo.get_absolute_url()).content.decode()
        assert "Tagging will be tried again at" in page and code in page
        assert sweep_when_due(photo) == 1
        assert sweep_when_due(photo) == 1  # the same tagger as asked, though the default is local
        stubber.assert_no_pending_responses()
    analysis = PhotoAnalysis.objects.get(photo=photo)
    assert (analysis.state, analysis.attempts, analysis.last_error, analysis.due_at) == ("done", 3, "", None)


def test_throttling_to_the_last_attempt_marks_failed_and_the_owner_can_retry(aws, photo, settings, owner_client):
    settings.PICTURA_WORK_MAX_ATTEMPTS = 3
    tagger = get_tagger("rekognition")
    with Stubber(tagger.client) as stubber:
        for _ in range(3):
            stubber.add_client_error("detect_labels", service_error_code="ThrottlingException", http_status_code=400)
        analyse_photo.apply(args=[photo.pk, "rekognition"])
        sweep_when_due(photo)
        sweep_when_due(photo)
        stubber.assert_no_pending_responses()
    analysis = PhotoAnalysis.objects.get(photo=photo)
    assert (analysis.state, analysis.attempts) == ("failed", 3)
    assert analysis.last_error.startswith("Gave up after 3 attempts: ") and "ThrottlingException" in analysis.last_error
    assert Photo.objects.filter(pk=photo.pk).exists()

    page = owner_client.get(photo.get_absolute_url()).content.decode()
    assert "Tagging failed" in page and 'http-equiv="refresh"' not in page
    with Stubber(tagger.client) as stubber:
        stub_success(stubber)
        response = owner_client.post(reverse("analysis:retry", args=[photo.pk]))
        stubber.assert_no_pending_responses()
    assert response.status_code == 302
    analysis.refresh_from_db()
    assert (analysis.state, analysis.attempts) == ("done", 1)


def test_a_stranger_cannot_retry_someone_elses_analysis(photo, stranger_client):
    PhotoAnalysis.objects.create(photo=photo, state="failed", last_error="x")
    assert stranger_client.post(reverse("analysis:retry", args=[photo.pk])).status_code == 404
    assert PhotoAnalysis.objects.get(photo=photo).state == "failed"


def test_permanent_error_fails_at_once_and_keeps_the_photo(aws, photo, owner_client):
    tagger = get_tagger("rekognition")
    with Stubber(tagger.client) as stubber:
        stubber.add_client_error("detect_labels", service_error_code="InvalidImageFormatException", http_status_code=400)
        analyse_photo.apply(args=[photo.pk, "rekognition"])
    analysis = PhotoAnalysis.objects.get(photo=photo)
    assert (analysis.state, analysis.attempts) == ("failed", 1)
    assert owner_client.get(photo.get_absolute_url()).status_code == 200
    assert "Tagging failed" in owner_client.get(photo.get_absolute_url()).content.decode()


def test_unsafe_content_flags_the_photo_and_share_links_stop_serving_it(aws, owner, owner_client, client, photo):
    link = ShareLink.objects.create(owner=owner, photo=photo)
    tagger = get_tagger("rekognition")
    with Stubber(tagger.client) as stubber:
        stub_success(stubber, moderation=UNSAFE)
        analyse_photo.apply(args=[photo.pk, "rekognition"])
    analysis = PhotoAnalysis.objects.get(photo=photo)
    assert analysis.moderation == "flagged"
    assert analysis.moderation_labels == [{"name": "Explicit Nudity", "confidence": 93.1}]
    assert "held for review" in owner_client.get(photo.get_absolute_url()).content.decode()
    assert client.get(link.get_absolute_url()).status_code == 404
    assert client.get(reverse("sharing:file", args=[link.token, photo.pk, "preview"])).status_code == 404


def test_moderation_below_the_threshold_does_not_flag(aws, photo, settings):
    settings.PICTURA_MODERATION_MIN_CONFIDENCE = 95
    tagger = get_tagger("rekognition")
    with Stubber(tagger.client) as stubber:
        stub_success(stubber, moderation=UNSAFE)
        analyse_photo.apply(args=[photo.pk, "rekognition"])
    assert PhotoAnalysis.objects.get(photo=photo).moderation == "clear"


def test_bytes_over_five_megabytes_are_never_sent(aws, photo, media_root):
    (media_root / photo.preview.name).write_bytes(b"\xff\xd8" + bytes(5 * 1024 * 1024))
    with pytest.raises(TaggerError, match="over Rekognition's 5 MB limit"):
        RekognitionTagger().image_of(photo)


def test_connection_refused_is_temporary(aws, photo, settings):
    settings.PICTURA_REKOGNITION_ENDPOINT_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(TaggerUnavailable):
        RekognitionTagger().analyse(photo)


def test_reindex_failed_recovers_a_photo_after_a_permanent_error(aws, photo):
    from django.core.management import call_command

    tagger = get_tagger("rekognition")
    with Stubber(tagger.client) as stubber:
        stubber.add_client_error("detect_labels", service_error_code="InvalidS3ObjectException", http_status_code=400)
        analyse_photo.apply(args=[photo.pk, "rekognition"])
        assert PhotoAnalysis.objects.get(photo=photo).state == "failed"
        stub_success(stubber)
        call_command("reindex", "--failed", "--tagger", "rekognition", stdout=StringIO(), stderr=StringIO())
        stubber.assert_no_pending_responses()
    analysis = PhotoAnalysis.objects.get(photo=photo)
    assert (analysis.state, analysis.last_error) == ("done", "")
    assert PhotoTag.objects.filter(photo=photo, source="rekognition").count() == 3


@pytest.mark.s3
def test_on_s3_the_preview_is_passed_as_an_s3_object(aws, owner, s3_storage, ingest):
    photo = ingest(owner, "s3.jpg", make_image(size=(2000, 1500)))
    tagger = get_tagger("rekognition")
    expected_image = {"S3Object": {"Bucket": s3_storage.bucket, "Name": photo.preview.name}}
    assert photo.preview.name in s3_storage.keys("renditions/")
    with Stubber(tagger.client) as stubber:
        stubber.add_response("detect_labels", LABELS, {"Image": expected_image, "MaxLabels": 15, "MinConfidence": 70})
        stubber.add_response("detect_moderation_labels", NO_MODERATION, {"Image": expected_image, "MinConfidence": 70})
        stubber.add_response("index_faces", indexed(), {
            "Image": expected_image, "CollectionId": "pictura-faces", "ExternalImageId": str(photo.uuid),
            "DetectionAttributes": ["DEFAULT"], "QualityFilter": "AUTO",
        })
        analyse_photo.apply(args=[photo.pk, "rekognition"])
        stubber.assert_no_pending_responses()
    assert PhotoAnalysis.objects.get(photo=photo).state == "done"


def test_a_task_for_a_deleted_photo_does_nothing(photo):
    photo_id = photo.pk
    photo.delete()
    assert analyse_photo.apply(args=[photo_id, "rekognition"]).successful()
    assert not PhotoAnalysis.objects.exists()


# --- Faces --------------------------------------------------------------------------------------

def analyse_with_faces(tagger, photo, answer, *searches):
    """Analyse the photo with Rekognition finding ``answer``'s faces, each search_faces
    answering one of ``searches`` in turn."""
    with Stubber(tagger.client) as stubber:
        stubber.add_response("detect_labels", LABELS)
        stubber.add_response("detect_moderation_labels", NO_MODERATION)
        stubber.add_response("index_faces", answer)
        for search in searches:
            stubber.add_response("search_faces", search)
        analyse_photo.apply(args=[photo.pk, "rekognition"])
        stubber.assert_no_pending_responses()


def test_faces_are_indexed_and_matched_within_the_owner_s_faces_only(aws, owner, stranger, ingest):
    from analysis.models import Face

    tagger = get_tagger("rekognition")
    first, second = (ingest(owner, f"{n}.jpg", make_image(size=(2400, 1600), color=(n * 60, 9, 9))) for n in (1, 2))
    theirs = ingest(stranger, "t.jpg", make_image(size=(2400, 1600)))
    # The collection is created the first time it is missing.
    with Stubber(tagger.client) as stubber:
        stubber.add_response("detect_labels", LABELS)
        stubber.add_response("detect_moderation_labels", NO_MODERATION)
        stubber.add_client_error("index_faces", service_error_code="ResourceNotFoundException", http_status_code=400)
        stubber.add_response("create_collection", {"StatusCode": 200}, {"CollectionId": "pictura-faces"})
        stubber.add_response("index_faces", indexed("a-1", unindexed=1))
        stubber.add_response("search_faces", found_similar(), {
            "CollectionId": "pictura-faces", "FaceId": "a-1", "MaxFaces": 4096, "FaceMatchThreshold": 90,
        })
        analyse_photo.apply(args=[theirs.pk, "rekognition"])
        stubber.assert_no_pending_responses()
    # The owner's first face: Rekognition finds the stranger's face like it, which is ignored.
    analyse_with_faces(tagger, first, indexed("b-1"), found_similar(("a-1", 99.1)))
    # The second photo's face is like the first: the same person.
    analyse_with_faces(tagger, second, indexed("b-2"), found_similar(("b-1", 97.5), ("a-1", 95.0)))

    faces = {face.rekognition_face_id: face for face in Face.objects.select_related("person", "photo")}
    assert set(faces) == {"a-1", "b-1", "b-2", ""}
    assert faces["b-1"].person == faces["b-2"].person != faces["a-1"].person
    assert faces["b-1"].person.owner == owner and faces["a-1"].person.owner == stranger
    unindexed = faces[""]
    assert (unindexed.photo, unindexed.groupable, unindexed.person, unindexed.embedding) == (theirs, False, None, None)
    assert PhotoAnalysis.objects.get(photo=theirs).people_count == 2
    assert all(face.crop for face in faces.values())


def test_face_ids_leave_the_collection_with_their_photo_and_with_recognition(aws, owner, ingest, owner_client, after_commit):
    from analysis.models import Face

    tagger = get_tagger("rekognition")
    photos = [ingest(owner, f"{n}.jpg", make_image(size=(2400, 1600), color=(n * 60, 9, 9))) for n in (1, 2)]
    analyse_with_faces(tagger, photos[0], indexed("c-1", "c-2"), found_similar(), found_similar())
    analyse_with_faces(tagger, photos[1], indexed("c-3"), found_similar())
    photos[0].move_to_trash()
    with Stubber(tagger.client) as stubber:
        stubber.add_response("delete_faces", {"DeletedFaces": ["c-1", "c-2"]},
                             {"CollectionId": "pictura-faces", "FaceIds": ["c-1", "c-2"]})
        owner_client.post(reverse("gallery:trash_delete", args=[photos[0].pk]))
        stubber.assert_no_pending_responses()
    assert not Photo.objects.filter(pk=photos[0].pk).exists()

    # Rekognition out of reach: the photo stays, to be deleted on another try.
    with Stubber(tagger.client) as stubber:
        stubber.add_client_error("delete_faces", service_error_code="ThrottlingException", http_status_code=400)
        photos[1].move_to_trash()
        page = owner_client.post(reverse("gallery:trash_delete", args=[photos[1].pk]), follow=True).content.decode()
    assert "nothing was deleted" in page and Face.objects.filter(photo=photos[1]).exists()
    photos[1].restore()

    with Stubber(tagger.client) as stubber:
        stubber.add_response("delete_faces", {"DeletedFaces": ["c-3"]}, {"CollectionId": "pictura-faces", "FaceIds": ["c-3"]})
        with after_commit():
            owner_client.post(reverse("accounts:face_recognition"), {"enabled": "0"})
        stubber.assert_no_pending_responses()
    assert not Face.objects.exists()
