"""Amazon Rekognition through boto3: labels, moderation labels and a face count."""
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError
from django.conf import settings
from storages.backends.s3 import S3Storage

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

    def analyse(self, photo) -> TaggerResult:
        image = self.image_of(photo)
        try:
            labels = self.client.detect_labels(
                Image=image,
                MaxLabels=settings.PICTURA_REKOGNITION_MAX_LABELS,
                MinConfidence=settings.PICTURA_REKOGNITION_MIN_CONFIDENCE,
            )["Labels"]
            moderation = self.client.detect_moderation_labels(
                Image=image, MinConfidence=settings.PICTURA_REKOGNITION_MIN_CONFIDENCE
            )["ModerationLabels"]
            faces = self.client.detect_faces(Image=image, Attributes=["DEFAULT"])["FaceDetails"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in TEMPORARY_CODES:
                raise TaggerUnavailable(f"Rekognition: {code}") from exc
            raise TaggerError(f"Rekognition: {code or exc}") from exc
        except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
            raise TaggerUnavailable(f"Rekognition is out of reach: {exc}") from exc
        except BotoCoreError as exc:
            raise TaggerError(f"Rekognition: {exc}") from exc
        return TaggerResult(
            labels=[Label(item["Name"], item["Confidence"]) for item in labels],
            moderation_labels=[Label(item["Name"], item["Confidence"]) for item in moderation],
            people_count=len(faces),
        )
