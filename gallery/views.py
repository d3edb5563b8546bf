from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from . import services
from .files import stored_file_response
from .forms import PhotoEditForm, UploadForm
from .imaging import max_upload_bytes
from .models import Photo


def get_photo_for_user(request, pk: int) -> Photo:
    """The photo if the signed-in user owns it; 404 otherwise, so strangers learn nothing."""
    return get_object_or_404(Photo.objects.owned_by(request.user), pk=pk)


@login_required
@require_GET
def index(request):
    photos = Photo.objects.owned_by(request.user).newest_first()
    page = Paginator(photos, settings.PICTURA_PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "gallery/index.html", {"page": page})


@dataclass
class UploadResult:
    filename: str
    status: str  # "done", "duplicate" or "rejected"
    message: str
    url: str = ""


def _ingest(user, upload, tags) -> UploadResult:
    try:
        photo = services.photo_ingest(owner=user, upload=upload, tags=tags)
    except services.PhotoRejected as exc:
        return UploadResult(upload.name, "rejected", str(exc))
    except services.DuplicatePhoto as exc:
        return UploadResult(upload.name, "duplicate", str(exc), exc.existing.get_absolute_url())
    return UploadResult(upload.name, "done", "Uploaded.", photo.get_absolute_url())


@login_required
def upload(request):
    form = UploadForm(request.POST if request.method == "POST" else None)
    results = []
    if request.method == "POST" and form.is_valid():
        tags = form.cleaned_data["tags"]
        results = [_ingest(request.user, f, tags) for f in request.FILES.getlist("files")]
        limit_mb = settings.PICTURA_MAX_UPLOAD_MB
        results += [
            UploadResult(name, "rejected", f"The file is larger than the {limit_mb} MB limit.")
            for name in getattr(request, "oversized_uploads", [])
        ]
        if not results:
            form.add_error("files", "Choose at least one photo to upload.")
    if request.accepts("text/html") or request.method == "GET":
        return render(
            request,
            "gallery/upload.html",
            {"form": form, "results": results, "max_upload_bytes": max_upload_bytes()},
        )
    status = 400 if form.errors else 200
    return JsonResponse(
        {"results": [asdict(r) for r in results], "errors": form.errors.get_json_data()},
        status=status,
    )


@login_required
@require_GET
def photo_detail(request, pk):
    photo = get_photo_for_user(request, pk)
    newer, older = photo.neighbours()
    ctx = {
        "photo": photo,
        "newer": newer,
        "older": older,
        "photo_tags": photo.photo_tags.select_related("tag"),
    }
    return render(request, "gallery/photo_detail.html", ctx)


@login_required
def photo_edit(request, pk):
    photo = get_photo_for_user(request, pk)
    form = PhotoEditForm(request.POST or None, instance=photo)
    if request.method == "POST" and form.is_valid():
        services.photo_update(photo=photo, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect(photo)
    return render(request, "gallery/photo_edit.html", {"photo": photo, "form": form})


@login_required
def photo_delete(request, pk):
    photo = get_photo_for_user(request, pk)
    if request.method == "POST":
        name = photo.display_name
        try:
            services.photo_delete(photo=photo)
        except services.StorageUnavailable:
            messages.error(
                request, "The photo could not be deleted because storage is unavailable. Try again."
            )
            return redirect(photo)
        messages.success(request, f"Deleted “{name}”.")
        return redirect("gallery:index")
    return render(request, "gallery/photo_delete.html", {"photo": photo})


@login_required
@require_GET
def photo_original(request, pk):
    photo = get_photo_for_user(request, pk)
    return stored_file_response(photo.original, download_name=photo.original_filename)


def _rendition_response(request, pk, kind):
    photo = get_photo_for_user(request, pk)
    rendition = getattr(photo, kind)
    if not rendition:
        raise Http404("This rendition is not ready yet.")
    return stored_file_response(rendition, content_type="image/jpeg")


@login_required
@require_GET
def photo_thumbnail(request, pk):
    return _rendition_response(request, pk, "thumbnail")


@login_required
@require_GET
def photo_preview(request, pk):
    return _rendition_response(request, pk, "preview")
