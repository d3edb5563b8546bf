"""Amazon Rekognition through boto3: labels, moderation labels, and faces.

With face recognition on, faces are indexed into one collection for the site
(PICTURA_REKOGNITION_COLLECTION, created when missing) and matched with search_faces; Pictura
keeps each face's id and only ever groups faces of the same owner. Off, faces are only counted.
"""
import contextlib

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError
from django.conf import settings
from storages.backends.s3 import S3Storage

from gallery.imaging import PREVIEW_SIZE

from ..faces import Face, groupable
from . import Label, TaggerError, TaggerResult, TaggerUnavailable

# Rekognition's documented limit for an image passed as bytes.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Error codes that mean "later", not "never".
TEMPORARY_CODES = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "LimitExceededException",
    "InternalServerError",
    "ServiceUnavailableException",
}


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


class RekognitionTagger:
    name = "rekognition"

    def __init__(self):
        self.client = boto3.client(
            "rekognition",
            region_name=settings.PICTURA_REKOGNITION_REGION or None,
            endpoint_url=settings.PICTURA_REKOGNITION_ENDPOINT_URL or None,
            # Celery owns retries (with backoff between attempts); one quick retry here is enough.
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        )

    def image_of(self, photo) -> dict:
        """The preview as Rekognition takes it: an S3 object when it lives in S3, else bytes."""
        storage = photo.preview.storage
        if isinstance(storage, S3Storage):
            return {"S3Object": {"Bucket": storage.bucket_name, "Name": photo.preview.name}}
        with photo.preview.open("rb") as preview:
            data = preview.read()
        if len(data) > MAX_IMAGE_BYTES:
            raise TaggerError(f"The preview is {len(data)} bytes, over Rekognition's 5 MB limit.")
        return {"Bytes": data}

    def analyse(self, photo, *, recognise_faces: bool = False) -> TaggerResult:
        image = self.image_of(photo)
        with self.errors_explained():
            labels = self.client.detect_labels(
                Image=image,
                MaxLabels=settings.PICTURA_REKOGNITION_MAX_LABELS,
                MinConfidence=settings.PICTURA_REKOGNITION_MIN_CONFIDENCE,
            )["Labels"]
            moderation = self.client.detect_moderation_labels(
                Image=image, MinConfidence=settings.PICTURA_REKOGNITION_MIN_CONFIDENCE
            )["ModerationLabels"]
            if recognise_faces:
                faces = self.index_faces(photo, image)
            else:
                details = self.client.detect_faces(Image=image, Attributes=["DEFAULT"])["FaceDetails"]
                faces = [self.face_of(photo, detail) for detail in details]
        return TaggerResult(
            labels=[Label(item["Name"], item["Confidence"]) for item in labels],
            moderation_labels=[Label(item["Name"], item["Confidence"]) for item in moderation],
            people_count=len(faces),
            faces=faces if recognise_faces else [],
        )

    @contextlib.contextmanager
    def errors_explained(self):
        """Rekognition's failures as TaggerUnavailable (worth trying again) or TaggerError."""
        try:
            yield
        except ClientError as exc:
            code = error_code(exc)
            if code in TEMPORARY_CODES:
                raise TaggerUnavailable(f"Rekognition: {code}") from exc
            raise TaggerError(f"Rekognition: {code or exc}") from exc
        except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
            raise TaggerUnavailable(f"Rekognition is out of reach: {exc}") from exc
        except BotoCoreError as exc:
            raise TaggerError(f"Rekognition: {exc}") from exc

    def create_collection(self) -> None:
        try:
            self.client.create_collection(CollectionId=settings.PICTURA_REKOGNITION_COLLECTION)
        except ClientError as exc:
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise

    def index_faces(self, photo, image: dict) -> list[Face]:
        """Every face in the photo; those Rekognition finds clear enough are indexed (into the
        collection, created the first time it is missing)."""
        request = {
            "CollectionId": settings.PICTURA_REKOGNITION_COLLECTION,
            "Image": image,
            "ExternalImageId": str(photo.uuid),
            "DetectionAttributes": ["DEFAULT"],
            "QualityFilter": "AUTO",
        }
        try:
            answer = self.client.index_faces(**request)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            self.create_collection()
            answer = self.client.index_faces(**request)
        indexed = [self.face_of(photo, record["FaceDetail"], record["Face"]["FaceId"]) for record in answer["FaceRecords"]]
        too_poor = [self.face_of(photo, record["FaceDetail"]) for record in answer.get("UnindexedFaces", [])]
        return sorted(indexed + too_poor, key=lambda face: face.size, reverse=True)

    @staticmethod
    def face_of(photo, detail: dict, face_id: str = "") -> Face:
        box = detail["BoundingBox"]
        left, top = max(0.0, box["Left"]), max(0.0, box["Top"])
        width, height = min(box["Width"], 1 - left), min(box["Height"], 1 - top)
        preview_scale = min(1.0, PREVIEW_SIZE / max(photo.width, photo.height))
        size = round(max(width * photo.width, height * photo.height) * preview_scale)
        sharpness = float(detail.get("Quality", {}).get("Sharpness", 100.0))
        return Face(
            box=(left, top, width, height),
            confidence=float(detail.get("Confidence", 100.0)),
            size=size,
            sharpness=sharpness,
            face_id=face_id if groupable(size, sharpness) else "",
        )

    def similar_faces(self, face_id: str) -> dict[str, float]:
        """{face id: similarity} of the faces in the collection like this one (any owner's:
        the caller keeps its owner's)."""
        with self.errors_explained():
            answer = self.client.search_faces(
                CollectionId=settings.PICTURA_REKOGNITION_COLLECTION,
                FaceId=face_id,
                MaxFaces=4096,
                FaceMatchThreshold=settings.PICTURA_REKOGNITION_FACE_MATCH_THRESHOLD,
            )
        return {match["Face"]["FaceId"]: match["Similarity"] for match in answer["FaceMatches"]}

    def forget_faces(self, face_ids) -> None:
        """Delete faces from the collection, in Rekognition's batches of at most 4096."""
        face_ids = list(face_ids)
        with self.errors_explained():
            for start in range(0, len(face_ids), 4096):
                try:
                    self.client.delete_faces(
                        CollectionId=settings.PICTURA_REKOGNITION_COLLECTION, FaceIds=face_ids[start : start + 4096]
                    )
                except ClientError as exc:
                    if error_code(exc) != "ResourceNotFoundException":  # no collection: nothing to delete
                        raise
