"""Uploads straight from the browser to S3, resumable: the browser sends each file to the bucket
in parts (S3 multipart upload) through URLs Pictura signs one part at a time, for a key under
``uploads/<owner>/`` that Pictura chose; a dropped connection resumes from the parts S3 already
has. When the browser says it is complete, the stored object is checked and ingested by a task
with the same checks as an upload through Django (content, size, bombs, duplicates); the object
under uploads/ is deleted whatever the outcome. The web process never carries the bytes.

Uploads never completed are aborted by the sweeper after PICTURA_DIRECT_UPLOAD_HOURS, and by the
bucket's lifecycle rule (infra/pictura.yaml) as a second net.
"""
import io
import logging
import math
import tempfile
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from pictura.tasks import enqueue_after_commit, requeue_due, retry_deadline, wait_deadline

from .batch_options import apply_batch_options
from .imaging import max_upload_bytes
from .models import DirectUpload
from .services import STORAGE_ERRORS, DuplicatePhoto, PhotoRejected, photo_ingest

logger = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024  # S3's smallest part is 5 MiB (but the last)
PART_URL_SECONDS = 600


class DirectUploadRefused(Exception):
    """The request cannot be honoured; the message is meant for the user."""


def direct_uploads_enabled() -> bool:
    return hasattr(default_storage, "bucket_name")  # S3Storage: files are in a bucket


def _s3():
    return default_storage.connection.meta.client


def _bucket() -> str:
    return default_storage.bucket_name


def parts_allowed(size: int) -> int:
    return max(1, math.ceil(size / PART_SIZE))


def direct_upload_start(*, owner, filename: str, size: int, options: dict) -> DirectUpload:
    """Begin a multipart upload of ``size`` bytes for the owner, under a key of Pictura's."""
    filename = (filename or "photo").rsplit("/", 1)[-1][:255]
    if size <= 0:
        raise DirectUploadRefused(f"{filename}: the file is empty.")
    if size > max_upload_bytes():
        raise DirectUploadRefused(f"{filename}: the file is larger than the {settings.PICTURA_MAX_UPLOAD_MB} MB limit.")
    key = f"uploads/{owner.pk}/{uuid.uuid4()}"
    try:
        started = _s3().create_multipart_upload(Bucket=_bucket(), Key=key)
    except STORAGE_ERRORS as exc:
        logger.warning("S3 refused to start %s: %s", key, exc)
        raise DirectUploadRefused("The storage service cannot be reached just now; try again in a moment.") from exc
    return DirectUpload.objects.create(
        owner=owner, key=key, upload_id=started["UploadId"], filename=filename, size=size, options=options,
        due_at=timezone.now() + timedelta(hours=settings.PICTURA_DIRECT_UPLOAD_HOURS),
    )


def direct_upload_part_url(upload: DirectUpload, part_number: int) -> str:
    """A URL that accepts one part of this upload (PUT), for PART_URL_SECONDS."""
    if upload.state != DirectUpload.State.UPLOADING:
        raise DirectUploadRefused("This upload is over; start it again.")
    if not 1 <= part_number <= parts_allowed(upload.size):
        raise DirectUploadRefused(f"A file of this size has {parts_allowed(upload.size)} parts, not {part_number}.")
    return _s3().generate_presigned_url(
        "upload_part", ExpiresIn=PART_URL_SECONDS,
        Params={"Bucket": _bucket(), "Key": upload.key, "UploadId": upload.upload_id, "PartNumber": part_number},
    )


def direct_upload_parts(upload: DirectUpload) -> list[dict]:
    """The parts S3 has of this upload: where a resumed upload goes on from."""
    listed = _s3().list_parts(Bucket=_bucket(), Key=upload.key, UploadId=upload.upload_id)
    return [{"PartNumber": part["PartNumber"], "ETag": part["ETag"], "Size": part["Size"]}
            for part in listed.get("Parts", [])]


def direct_upload_complete(upload: DirectUpload, parts: list[dict]) -> DirectUpload:
    """Join the parts; the object is then checked and ingested by a task."""
    from .tasks import ingest_direct_upload  # the task module imports this one

    if upload.state != DirectUpload.State.UPLOADING:
        return upload  # a second "complete" (a retried request) changes nothing
    cleaned = sorted(({"PartNumber": int(part["PartNumber"]), "ETag": str(part["ETag"])} for part in parts),
                     key=lambda part: part["PartNumber"])
    try:
        _s3().complete_multipart_upload(Bucket=_bucket(), Key=upload.key, UploadId=upload.upload_id,
                                        MultipartUpload={"Parts": cleaned})
        stored_size = _s3().head_object(Bucket=_bucket(), Key=upload.key)["ContentLength"]
    except STORAGE_ERRORS as exc:
        raise DirectUploadRefused("The parts could not be joined: some are missing or damaged. "
                                  "Upload the file again.") from exc
    if stored_size > max_upload_bytes() or stored_size != upload.size:
        _delete_object(upload)
        _finish(upload, DirectUpload.State.REJECTED,
                f"The file is larger than the {settings.PICTURA_MAX_UPLOAD_MB} MB limit."
                if stored_size > max_upload_bytes() else "The file arrived with another size than announced.")
        return upload
    upload.state, upload.due_at = DirectUpload.State.INGESTING, wait_deadline()
    upload.save(update_fields=["state", "due_at"])
    enqueue_after_commit(ingest_direct_upload, upload.pk, due_row=(DirectUpload.objects.filter(pk=upload.pk), "due_at"))
    return upload


def direct_upload_ingest(upload_pk: int) -> None:
    """Check and ingest a completed upload, as an upload through Django is; then delete the
    object under uploads/. Storage failing leaves it due for another try (the sweeper)."""
    upload = DirectUpload.objects.filter(pk=upload_pk, state=DirectUpload.State.INGESTING).select_related("owner").first()
    if upload is None:
        return  # done already, or never completed
    try:
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            _s3().download_fileobj(_bucket(), upload.key, spool)
            size = spool.seek(0, io.SEEK_END)  # parts arrive by several threads, not in order
            spool.seek(0)
            file = UploadedFile(spool, name=upload.filename, content_type="application/octet-stream", size=size)
            try:
                photo = photo_ingest(owner=upload.owner, upload=file, render_now=True)  # already in a task
            except PhotoRejected as exc:
                outcome = (DirectUpload.State.REJECTED, str(exc), None)
            except DuplicatePhoto as exc:
                outcome = (DirectUpload.State.DUPLICATE, str(exc), exc.existing)
            else:
                outcome = (DirectUpload.State.DONE, "Uploaded.", photo)
    except STORAGE_ERRORS as exc:
        logger.warning("Could not read %s for ingesting: %s", upload.key, exc)
        DirectUpload.objects.filter(pk=upload.pk).update(due_at=retry_deadline(1))
        return
    state, message, photo = outcome
    if photo is not None and upload.options:
        apply_batch_options(owner=upload.owner, values=_batch_values(upload), uploaded=[photo] if state == "done" else [],
                            duplicates=[photo] if state == "duplicate" else [])
    _delete_object(upload)
    _finish(upload, state, message, photo)


def _batch_values(upload: DirectUpload) -> dict:
    from .forms import UploadForm

    form = UploadForm(upload.options, user=upload.owner)
    return form.cleaned_data if form.is_valid() else {}


def direct_upload_abort(upload: DirectUpload) -> None:
    if upload.state != DirectUpload.State.UPLOADING:
        return
    try:
        _s3().abort_multipart_upload(Bucket=_bucket(), Key=upload.key, UploadId=upload.upload_id)
    except STORAGE_ERRORS as exc:
        logger.info("Could not abort %s now (the lifecycle rule will): %s", upload.key, exc)
    _finish(upload, DirectUpload.State.ABORTED, "Abandoned before it was complete.")


def direct_uploads_forget(owner) -> None:
    """Before an account goes: its unfinished uploads are aborted and their objects deleted."""
    for upload in DirectUpload.objects.filter(owner=owner, state__in=[DirectUpload.State.UPLOADING,
                                                                     DirectUpload.State.INGESTING]):
        if upload.state == DirectUpload.State.UPLOADING:
            direct_upload_abort(upload)
        else:
            _delete_object(upload)


def direct_uploads_sweep() -> int:
    """The sweeper's part: abort uploads abandoned past their time, queue again completed ones
    whose ingest message was lost. Returns how many it handled."""
    from .tasks import ingest_direct_upload

    due = DirectUpload.objects.filter(due_at__lte=timezone.now())
    abandoned = list(due.filter(state=DirectUpload.State.UPLOADING)[: settings.PICTURA_SWEEP_BATCH])
    for upload in abandoned:
        direct_upload_abort(upload)
    requeued = requeue_due(due.filter(state=DirectUpload.State.INGESTING), due_field="due_at", task=ingest_direct_upload)
    return len(abandoned) + requeued


def _delete_object(upload: DirectUpload) -> None:
    try:
        _s3().delete_object(Bucket=_bucket(), Key=upload.key)
    except STORAGE_ERRORS as exc:
        logger.info("Could not delete %s now (the lifecycle rule will): %s", upload.key, exc)


def _finish(upload: DirectUpload, state: str, message: str, photo=None) -> None:
    upload.state, upload.message, upload.photo = state, message[:500], photo
    upload.save(update_fields=["state", "message", "photo"])
