from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from pictura.pagination import page_of, photos_page_of
from pictura.tasks import queueing_paused

from . import services
from .batch_options import apply_batch_options
from .direct_uploads import PART_SIZE, direct_uploads_enabled
from .files import stored_file_response
from .forms import PhotoEditForm, UploadForm
from .imaging import max_upload_bytes
from .models import Library, Photo


def get_photo_for_user(request, pk: int, *, in_trash: bool = False) -> Photo:
    """The photo if the signed-in user owns it; 404 otherwise, so strangers learn nothing.

    Trashed photos are found only where the trash asks for them (``in_trash=True``)."""
    photos = Photo.objects.in_trash_of if in_trash else Photo.objects.visible_to
    return get_object_or_404(photos(request.user), pk=pk)


@login_required
@require_GET
def index(request):
    photos = Photo.objects.visible_to(request.user)
    ctx = {
        "page": photos_page_of(request, photos),
        "photo_count": Library.of(request.user.pk).photos,
        "target_albums": request.user.albums.to_choose_from(),
    }
    return render(request, "gallery/index.html", ctx)


@dataclass
class UploadResult:
    filename: str
    status: str  # "done", "duplicate" or "rejected"
    message: str
    url: str = ""


def _ingest(user, upload) -> tuple[UploadResult, Photo | None]:
    """One file of a batch: its result for the user, and the photo it is (new or earlier)."""
    try:
        photo = services.photo_ingest(owner=user, upload=upload)
    except services.PhotoRejected as exc:
        return UploadResult(upload.name, "rejected", str(exc)), None
    except services.DuplicatePhoto as exc:
        existing = exc.existing
        url = reverse("gallery:trash") if existing.in_trash else existing.get_absolute_url()
        return UploadResult(upload.name, "duplicate", str(exc), url), existing
    message = "Uploaded." if not queueing_paused() else "Uploaded. Processing will start shortly."
    return UploadResult(upload.name, "done", message, photo.get_absolute_url()), photo


@login_required
def upload(request):
    # ?album=3 (an album page's "Upload here") preselects that batch option.
    form = UploadForm(request.POST if request.method == "POST" else None, user=request.user, initial=request.GET.dict())
    results = []
    if request.method == "POST" and form.is_valid():
        outcomes = [_ingest(request.user, f) for f in request.FILES.getlist("files")]
        results = [result for result, _ in outcomes]
        apply_batch_options(
            owner=request.user,
            values=form.cleaned_data,
            uploaded=[photo for result, photo in outcomes if result.status == "done"],
            duplicates=[photo for result, photo in outcomes if result.status == "duplicate"],
        )
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
            {"form": form, "results": results, "max_upload_bytes": max_upload_bytes(),
             "direct": direct_uploads_enabled(), "part_size": PART_SIZE},
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
        "in_albums": photo.albums.to_choose_from(),
        "target_albums": request.user.albums.exclude(album_photos__photo=photo).to_choose_from(),
    }
    return render(request, "gallery/photo_detail.html", ctx)


@login_required
@require_POST
def photo_retry(request, pk):
    """The owner's "Retry" on a photo whose preview could not be made."""
    photo = get_photo_for_user(request, pk)
    if services.photo_retry_renditions(photo=photo):
        messages.success(request, "Trying again to prepare this photo.")
    return redirect(photo)


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
    """Moves the photo to the trash; the trash page deletes for good."""
    photo = get_photo_for_user(request, pk)
    if request.method == "POST":
        photo.move_to_trash()
        messages.success(
            request,
            f"Moved “{photo.display_name}” to the trash. "
            f"You can restore it for {settings.PICTURA_TRASH_DAYS} days.",
        )
        return redirect("gallery:index")
    ctx = {"photo": photo, "trash_days": settings.PICTURA_TRASH_DAYS}
    return render(request, "gallery/photo_delete.html", ctx)


@login_required
@require_GET
def trash(request):
    photos = Photo.objects.in_trash_of(request.user).order_by("-deleted_at", "-id")
    page = page_of(request, photos, count=Library.of(request.user.pk).trashed)
    return render(request, "gallery/trash.html", {"page": page, "trash_days": settings.PICTURA_TRASH_DAYS})


@login_required
@require_POST
def trash_restore(request, pk):
    photo = get_photo_for_user(request, pk, in_trash=True)
    photo.restore()
    messages.success(request, f"Restored “{photo.display_name}”.")
    return redirect("gallery:trash")


@login_required
@require_POST
def trash_delete(request, pk):
    photo = get_photo_for_user(request, pk, in_trash=True)
    try:
        services.photo_delete(photo=photo)
    except services.StorageUnavailable:
        messages.error(request, "Storage is unavailable, so nothing was deleted. Try again.")
    else:
        messages.success(request, f"Deleted “{photo.display_name}” for good.")
    return redirect("gallery:trash")


@login_required
def trash_empty(request):
    """Asks first (a page, so it works without JavaScript), then deletes the trash for good."""
    if request.method != "POST":
        count = Photo.objects.in_trash_of(request.user).count()
        return render(request, "gallery/trash_empty.html", {"count": count})
    deleted, _, failures = services.photos_delete_for_good(Photo.objects.in_trash_of(request.user))
    messages.success(request, f"Deleted {deleted} photo{pluralize(deleted)} for good.")
    if failures:
        messages.error(request, f"Storage is unavailable; {failures} photo{pluralize(failures)} stayed in the trash.")
    return redirect("gallery:trash")


@login_required
@require_GET
def photo_original(request, pk):
    photo = get_photo_for_user(request, pk)
    return stored_file_response(photo.original, download_name=photo.original_filename, content_type=photo.content_type)


def _rendition_response(request, pk, kind):
    photo = get_photo_for_user(request, pk, in_trash=request.GET.get("trash") == "1")
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
