"""Where the user's photos were taken: countries and cities, and a map."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Aggregate, F, IntegerField, TextField, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpResponse
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
        "located": Photo.objects.visible_to(request.user).located().exists(),
        "tiles_url": settings.PICTURA_MAP_TILES_URL,
        "attribution": settings.PICTURA_MAP_ATTRIBUTION,
        # The JavaScript builds each photo's links from these, with the id in place of 0.
        "photo_url": reverse("gallery:photo", args=[0]),
        "thumbnail_url": reverse("gallery:photo_thumbnail", args=[0]),
    }
    return render(request, "analysis/places_map.html", ctx)


# Map positions travel as whole numbers of this fraction of a degree: about a metre.
MAP_SCALE = 100_000


class CommaJoined(Aggregate):
    """The values of a text expression joined by commas, in the database: string_agg on
    PostgreSQL, group_concat on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


@login_required
@require_GET
def places_map_data(request):
    """Each of the user's photos that has a location, as one flat list of whole numbers: id,
    latitude and longitude (times ``scale``), id, ... The database reads them from an index and
    writes the list itself: 50,000 photos in a few tens of milliseconds, where building and
    encoding Python lists took 200."""

    def scaled(field):
        return Cast(Cast(F(field) * MAP_SCALE, IntegerField()), TextField())

    located = Photo.objects.visible_to(request.user).located().order_by()
    joined = located.aggregate(points=CommaJoined(Concat(
        Cast("pk", TextField()), Value(","), scaled("latitude"), Value(","), scaled("longitude"), output_field=TextField()
    )))["points"]
    return HttpResponse(f'{{"scale": {MAP_SCALE}, "points": [{joined or ""}]}}', content_type="application/json")
