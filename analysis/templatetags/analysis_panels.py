"""What analysis adds to the gallery's photo page, as template tags: the gallery shows them
without importing analysis."""
from django import template

register = template.Library()


@register.simple_tag
def photo_analysis(photo):
    """The photo's analysis (state, moderation, faces), or None. Read once per photo object:
    Django keeps the answer, also an absent one, on the photo."""
    return getattr(photo, "analysis", None)


@register.simple_tag
def photo_tags(photo):
    """The photo's tags with their source and confidence, most confident first."""
    return photo.photo_tags.select_related("tag")


@register.simple_tag
def photo_faces(photo):
    """The faces found in the photo, with their people, left to right."""
    return list(photo.faces.select_related("person"))


@register.simple_tag
def people_names(user):
    """The names the user gave people, for the "who is this?" suggestions."""
    return user.people.exclude(name="").order_by("name").values_list("name", flat=True).distinct()
