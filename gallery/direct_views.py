"""The JSON API the upload page's widget uses to send files straight to S3 (see
gallery/direct_uploads.py). Each answer is JSON; a refusal says why, with a 4xx status."""
import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from .batch_options import batch_options
from .direct_uploads import (
    DirectUploadRefused,
    direct_upload_abort,
    direct_upload_complete,
    direct_upload_part_url,
    direct_upload_parts,
    direct_upload_start,
    direct_uploads_enabled,
)
from .models import DirectUpload


def _posted_json(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise DirectUploadRefused("The request is not JSON.") from None
    if not isinstance(body, dict):
        raise DirectUploadRefused("The request is not a JSON object.")
    return body


def _mine(request, pk) -> DirectUpload:
    if not direct_uploads_enabled():
        raise Http404("Files are not stored in S3 here.")
    return get_object_or_404(DirectUpload, pk=pk, owner=request.user)


def _as_json(upload: DirectUpload) -> dict:
    return {"id": upload.pk, "filename": upload.filename, "state": upload.state, "message": upload.message,
            "url": upload.photo.get_absolute_url() if upload.photo else ""}


def _refusals(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DirectUploadRefused as exc:
            return JsonResponse({"error": str(exc)}, status=400)
    return wrapped


@login_required
@require_POST
@_refusals
def start(request):
    if not direct_uploads_enabled():
        raise Http404("Files are not stored in S3 here.")
    body = _posted_json(request)
    try:
        size = int(body.get("size"))
    except (TypeError, ValueError):
        raise DirectUploadRefused("Say the file's size in bytes.") from None
    options = {name: str(body.get(name, ""))[:500] for name in batch_options if body.get(name)}
    upload = direct_upload_start(owner=request.user, filename=str(body.get("filename", ""))[:1000], size=size,
                                 options=options)
    return JsonResponse({**_as_json(upload), "key": upload.key, "uploadId": upload.upload_id}, status=201)


@login_required
@require_POST
@_refusals
def part(request, pk, number):
    return JsonResponse({"url": direct_upload_part_url(_mine(request, pk), number)})


@login_required
@require_GET
@_refusals
def parts(request, pk):
    return JsonResponse({"parts": direct_upload_parts(_mine(request, pk))})


@login_required
@require_POST
@_refusals
def complete(request, pk):
    parts_done = _posted_json(request).get("parts")
    if not isinstance(parts_done, list) or not parts_done:
        raise DirectUploadRefused("List the parts uploaded, each with its PartNumber and ETag.")
    return JsonResponse(_as_json(direct_upload_complete(_mine(request, pk), parts_done)))


@login_required
@require_POST
def abort(request, pk):
    upload = _mine(request, pk)
    direct_upload_abort(upload)
    return JsonResponse(_as_json(upload))


@login_required
@require_GET
def status(request, pk):
    return JsonResponse(_as_json(_mine(request, pk)))
