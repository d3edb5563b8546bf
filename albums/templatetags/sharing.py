"""The sharing panel that photo and album pages show: their links and a form for a new one.
A template tag, so that the gallery's photo page shows it without the gallery importing albums."""
from django import template

from ..forms import ShareLinkForm
from ..models import Watermark

register = template.Library()


@register.inclusion_tag("sharing/_panel.html", takes_context=True)
def share_panel(context, target):
    """``target`` is a Photo or an Album of the signed-in user."""
    return {
        "request": context["request"],
        "share_links": target.share_links.not_revoked().select_related("owner"),  # status reads it
        "share_form": ShareLinkForm(),
        "target_name": target._meta.model_name,  # "photo" or "album": the field the form posts
        "target_pk": target.pk,
        "has_watermark": Watermark.objects.filter(owner=context["request"].user).exists(),
    }
