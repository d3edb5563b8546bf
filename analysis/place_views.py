"""Where the user's photos were taken: countries and cities, and a map."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from gallery.models import Photo

from .selectors import places_of


@login_required
@require_GET
def places_index(request):
    return render(request, "analysis/places.html", {"countries": places_of(request.user)})


@login_required
@require_GET
def places_map(request):
    ctx = {
        "located": Photo.objects.visible_to(request.user).filter(latitude__isnull=False).exists(),
        "tiles_url": settings.PICTURA_MAP_TILES_URL,
        "attribution": settings.PICTURA_MAP_ATTRIBUTION,
        # The JavaScript builds each photo's links from these, with the id in place of 0.
        "photo_url": reverse("gallery:photo", args=[0]),
        "thumbnail_url": reverse("gallery:photo_thumbnail", args=[0]),
    }
    return render(request, "analysis/places_map.html", ctx)


@login_required
@require_GET
def places_map_data(request):
    """[id, latitude, longitude, name] of each of the user's photos that has a location."""
    photos = (
        Photo.objects.visible_to(request.user)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .values_list("pk", "latitude", "longitude", "title", "original_filename")
    )
    points = [[pk, round(lat, 6), round(lon, 6), title or filename] for pk, lat, lon, title, filename in photos]
    return JsonResponse({"photos": points})
