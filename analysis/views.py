import logging

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from albums.forms import PhotoIdsField
from gallery.imaging import ExifToolFailed, can_carry_xmp, with_xmp_description
from gallery.models import Photo
from gallery.services import STORAGE_ERRORS, photos_update_details
from gallery.views import get_photo_for_user
from pictura.forms_feedback import posted_next_url
from pictura.pagination import photos_page_of

from . import stats
from .forms import PhotosDetailsForm, SearchForm
from .models import PhotoTag, Tag
from .services import photo_retry_analysis, photos_change_keywords

logger = logging.getLogger(__name__)

FOUND_COUNT_LIMIT = 1000

# (key, title, Chart.js type) of each chart, in page order.
USER_CHARTS = [
    ("top_tags", "Top tags", "bar"),
    ("uploads", "Photos uploaded", "line"),
    ("tags_by_source", "Tags by source", "doughnut"),
    ("photos_per_album", "Photos per album", "bar"),
    ("people", "People", "bar"),
    ("storage", "Storage used (MB)", "line"),
    ("cameras", "Cameras", "bar"),
    ("analysis", "Analysis", "doughnut"),
]
SITE_CHARTS = [
    *(entry for entry in USER_CHARTS if entry[0] not in ("photos_per_album", "people")),  # personal
    ("users_by_tier", "Users by tier", "doughnut"),
    ("moderation_queue", "Moderation queue", "bar"),
]


@login_required
@require_POST
def retry(request, photo_pk):
    """The owner's "Retry" on a photo whose tagging failed."""
    photo = get_object_or_404(Photo.objects.visible_to(request.user), pk=photo_pk)
    if photo_retry_analysis(photo=photo):
        messages.success(request, "Tagging this photo again.")
    return redirect(photo)


@login_required
@require_GET
def search(request):
    form = SearchForm(request.GET or None, user=request.user)
    results = form.results() if form.has_criteria() else None
    ctx = {
        "form": form,
        "page": photos_page_of(request, results) if results is not None else None,
        # Counted no further than a page can say: "1,000+" costs as little in any library.
        "found": results[: FOUND_COUNT_LIMIT + 1].count() if results is not None else 0,
        "found_limit": FOUND_COUNT_LIMIT,
        "target_albums": form.fields["album"].queryset,  # one list for the form and the selection bar
    }
    return render(request, "analysis/search.html", ctx)


@login_required
@require_POST
def photos_details(request):
    """The selection's "Edit details…": the form for the ticked photos (posted by the selection
    bar), then the changes (posted by the form itself, with "apply")."""
    try:
        ids = PhotoIdsField().clean(request.POST.getlist("photos"))
    except ValidationError:
        messages.error(request, "Tick the photos to edit first.")
        return redirect(posted_next_url(request, "/"))
    form = PhotosDetailsForm(request.POST if "apply" in request.POST else None,
                             initial={"photos": ids, "next": request.POST.get("next", "")})
    if form.is_valid():
        photos_update_details(owner=request.user, photo_ids=ids, details=form.details())
        if form.cleaned_data["keywords_change"] != form.KEEP:
            photos_change_keywords(owner=request.user, photo_ids=ids, change=form.cleaned_data["keywords_change"],
                                   names=form.cleaned_data["keywords"])
        messages.success(request, f"Saved the details of {len(ids)} photo{pluralize(len(ids))}.")
        return redirect(posted_next_url(request, "/"))
    photos = Photo.objects.visible_to(request.user).filter(pk__in=ids).newest_first()
    return render(request, "analysis/photos_details.html", {"form": form, "photos": photos[:12], "count": photos.count()})


@login_required
@require_GET
def photo_download_with_details(request, pk):
    """"Download with my edits": the original with its title, description, keywords, author,
    credit and copyright as Pictura has them now written into its XMP. Made on request (only
    the owner asks, for one photo; ExifTool copies the file through pipes)."""
    photo = get_photo_for_user(request, pk)
    if not can_carry_xmp(photo.image_format):
        messages.error(request, f"{photo.image_format} files cannot carry these details: download the original.")
        return redirect(photo)
    keywords = photo.photo_tags.filter(source__in=PhotoTag.KEYWORD_SOURCES).values_list("tag__name", flat=True)
    try:
        with photo.original.open("rb") as original:
            data = with_xmp_description(
                original.read(), title=photo.title, description=photo.description, author=photo.author,
                credit=photo.credit, copyright=photo.copyright, keywords=list(keywords),
            )
    except (ExifToolFailed, *STORAGE_ERRORS) as exc:
        logger.warning("Could not write the details of photo %s: %s", photo.pk, exc)
        messages.error(request, "The details could not be written into this file just now. The original "
                                "downloads as it is; try again later.")
        return redirect(photo)
    response = HttpResponse(data, content_type=photo.content_type)
    response["Content-Disposition"] = content_disposition_header(True, photo.original_filename)
    return response


@login_required
@require_GET
def tags(request):
    """Every tag on the user's photos with how many photos have it, biggest first."""
    return render(request, "analysis/tags.html", {"tags": Tag.objects.used_by(request.user)})


def _range_key(request) -> str:
    key = request.GET.get("range", stats.DEFAULT_RANGE)
    return key if key in stats.RANGES else stats.DEFAULT_RANGE


def _stats_page(request, *, title, charts, data, data_url):
    range_key = _range_key(request)
    ctx = {
        "title": title,
        "ranges": stats.RANGES.values(),
        "range_key": range_key,
        "charts": [
            {
                "key": key,
                "label": label,
                "kind": kind,
                "unit": data[key].get("unit", ""),
                "rows": list(zip(data[key]["labels"], data[key]["values"], strict=True)),
                "has_data": any(data[key]["values"]),
            }
            for key, label, kind in charts
        ],
        "data_url": f"{data_url}?range={range_key}",
        "search_url": reverse("analysis:search"),
    }
    return render(request, "analysis/stats.html", ctx)


@login_required
@require_GET
def user_stats(request):
    data = stats.user_statistics(request.user, _range_key(request))
    return _stats_page(request, title="Your statistics", charts=USER_CHARTS, data=data, data_url=reverse("analysis:stats_data"))


@login_required
@require_GET
def user_stats_data(request):
    return JsonResponse({"range": _range_key(request), "charts": stats.user_statistics(request.user, _range_key(request))})


@staff_member_required
@require_GET
def site_stats(request):
    data = stats.site_statistics(_range_key(request))
    return _stats_page(
        request, title="Site statistics", charts=SITE_CHARTS, data=data, data_url=reverse("analysis:site_stats_data")
    )


@staff_member_required
@require_GET
def site_stats_data(request):
    return JsonResponse({"range": _range_key(request), "charts": stats.site_statistics(_range_key(request))})
