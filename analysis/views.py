from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Tag


@login_required
@require_GET
def tags(request):
    """Every tag on the user's photos with how many photos have it, biggest first."""
    return render(request, "analysis/tags.html", {"tags": Tag.objects.used_by(request.user)})
