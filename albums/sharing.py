"""Sharing: links that show one photo or one album to anyone who has them, without signing in."""
import io
from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from gallery.files import stored_file_response
from gallery.imaging import watermarked_jpegs
from gallery.models import Photo
from gallery.services import queue_shareable_originals
from gallery.views import get_photo_for_user
from pictura.forms_feedback import message_form_errors, posted_next_url
from pictura.pagination import page_of

from . import services
from .forms import ShareLinkForm, WatermarkForm
from .models import ShareLink, Watermark
from .views import get_album_for_user
from .watermarks import (
    WatermarkRejected,
    current_copy,
    marked_photo_ids,
    queue_watermarked_copies,
    watermark_save,
)


@login_required
@require_POST
def share_create(request):
    form = ShareLinkForm(request.POST)
    if "album" in request.POST:
        target = {"album": get_album_for_user(request, _as_pk(request.POST["album"]))}
    else:
        target = {"photo": get_photo_for_user(request, _as_pk(request.POST.get("photo")))}
    back = f"{next(iter(target.values())).get_absolute_url()}#sharing"
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect(back)
    try:
        services.share_link_create(owner=request.user, **target, **form.cleaned_data)
    except services.NoWatermarkYet:
        messages.error(request, "Set up your watermark first (Shared → Watermark), then make the link.")
        return redirect(back)
    messages.success(request, "Link created: copy it below and send it to anyone you like.")
    return redirect(back)


def _as_pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such photo or album.") from None


@login_required
@require_GET
def shared_links(request):
    links = ShareLink.objects.owned_by(request.user).select_related("photo", "album", "owner")
    return render(request, "sharing/links.html", {"links": links})


@login_required
@require_POST
def share_revoke(request, pk):
    link = get_object_or_404(ShareLink.objects.owned_by(request.user), pk=pk)
    services.share_link_revoke(link=link)
    messages.success(request, "The link was revoked: it shows nothing any more.")
    return redirect(posted_next_url(request, reverse("sharing:links")))


def _active_link_or_error_page(request, token):
    """(link, None) for a link that may show something, else (None, the page to answer with)."""
    link = ShareLink.objects.select_related("photo", "album", "owner").filter(token=token).first()
    if link is None:
        raise Http404("No such link.")
    if link.status != ShareLink.Status.ACTIVE:
        return None, render(request, "sharing/gone.html", {"status": link.status}, status=410)
    return link, None


def _shared_photo(link, pk) -> Photo:
    return get_object_or_404(link.shared_photos(), pk=pk)


@require_GET
def shared(request, token):
    link, gone = _active_link_or_error_page(request, token)
    if gone:
        return gone
    link.record_view()
    if link.photo_id:
        photo = _shared_photo(link, link.photo_id)
        return render(request, "sharing/photo.html", {"link": link, "photo": photo})
    page = page_of(request, link.shared_photos())
    return render(request, "sharing/album.html", {"link": link, "album": link.album, "page": page})


@require_GET
def shared_album_photo(request, token, pk):
    link, gone = _active_link_or_error_page(request, token)
    if gone:
        return gone
    if not link.album_id:
        raise Http404("This link shares a single photo.")
    photo = _shared_photo(link, pk)
    return render(request, "sharing/photo.html", {"link": link, "photo": photo})


def _shared_originals_rate(group, request):
    if request.resolver_match.kwargs["kind"] == "original":
        return f"{settings.PICTURA_SHARED_DOWNLOADS_PER_MINUTE}/m"
    return None  # not counted here


def _shared_images_rate(group, request):
    if request.resolver_match.kwargs["kind"] != "original":
        return f"{settings.PICTURA_SHARED_IMAGES_PER_MINUTE}/m"  # an album page shows many
    return None


@require_GET
@ratelimit(group="shared-originals", key="ip", rate=_shared_originals_rate, block=True)
@ratelimit(group="shared-images", key="ip", rate=_shared_images_rate, block=True)
def shared_file(request, token, pk, kind):
    link, gone = _active_link_or_error_page(request, token)
    if gone:
        return gone
    photo = _shared_photo(link, pk)
    if link.watermark:
        return _watermarked_file(request, link, photo, kind)
    if kind == "original":
        if not link.include_location and not photo.shareable_original:
            # Made by a task when the link was created; a photo added to the album since then
            # gets its copy now. Without workers the task has already run when this returns.
            queue_shareable_originals([photo.pk])
            photo.refresh_from_db(fields=["shareable_original"])
            if not photo.shareable_original:
                response = render(request, "sharing/preparing.html", {"link": link, "photo": photo}, status=503)
                response["Retry-After"] = "30"
                return response
        original = photo.original if link.include_location else photo.shareable_original
        return stored_file_response(original, download_name=photo.original_filename, content_type=photo.content_type)
    rendition = getattr(photo, kind)  # renditions carry no EXIF, so no location either
    if not rendition:
        raise Http404("This rendition is not ready yet.")
    return stored_file_response(rendition, content_type="image/jpeg")


@login_required
def watermark_settings(request):
    """The owner's watermark: text, logo, position, size and opacity, with a sample."""
    mark = Watermark.objects.filter(owner=request.user).first() or Watermark(owner=request.user)
    form = WatermarkForm(request.POST or None, request.FILES or None, instance=mark)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            watermark_save(owner=request.user, text=data["text"], position=data["position"], size=data["size"],
                           opacity=data["opacity"], logo=data.get("logo_file"), remove_logo=data.get("remove_logo", False))
        except WatermarkRejected as exc:
            form.add_error("logo_file", str(exc))
        else:
            marked = len(marked_photo_ids(request.user))
            messages.success(request, "Watermark saved." + (
                f" The {marked} photo{pluralize(marked)} your marked links show are being watermarked again." if marked else ""))
            return redirect("sharing:watermark")
    return render(request, "sharing/watermark.html", {"form": form, "mark": mark if mark.pk else None})


@login_required
@require_GET
def watermark_sample(request):
    """The owner's newest photo's preview with the watermark as saved, drawn now: only the
    owner sees it, at preview size (what links serve is made once, by a task)."""
    mark = get_object_or_404(Watermark, owner=request.user)
    photo = Photo.objects.visible_to(request.user).exclude(preview="").newest_first().first()
    if photo is None:
        raise Http404("No photo to show the watermark on yet.")
    with photo.preview.open("rb") as preview:
        drawn = watermarked_jpegs(io.BytesIO(preview.read()), mark.style())
    response = HttpResponse(drawn.preview, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-cache"
    return response


def _watermarked_file(request, link, photo, kind):
    """The photo's marked copy of this kind (the original as a full-size marked JPEG). Until it
    is made, it is queued and the visitor is told so: nothing unmarked goes out instead."""
    copy = current_copy(photo)
    if copy is None:
        queue_watermarked_copies([photo.pk])  # without workers it is made before this returns
        copy = current_copy(photo)
    if copy is None:
        if kind == "original":
            response = render(request, "sharing/preparing.html", {"link": link, "photo": photo, "watermark": True},
                              status=503)
        else:
            response = HttpResponse("This picture is being prepared; try again in a moment.", status=503,
                                    content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "30"
        return response
    if kind == "original":
        name = f"{PurePath(photo.original_filename).stem}-watermarked.jpg"
        return stored_file_response(copy.full, download_name=name, content_type="image/jpeg")
    return stored_file_response(getattr(copy, kind), content_type="image/jpeg")
