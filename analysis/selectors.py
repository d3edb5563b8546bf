"""Reads about tags that several pages share: search, the tags page, statistics."""
from django.db.models import Exists, OuterRef, Q

from .models import PhotoTag, normalise_tag_name


def photos_tagged(photos, name: str, *, source: str = ""):
    """``photos`` that carry this tag (from this source, if given). Chained calls mean AND."""
    tags = PhotoTag.objects.filter(photo=OuterRef("pk"), tag__name=name)
    return photos.filter(Exists(tags.filter(source=source) if source else tags))


def photos_with_tags_from(photos, source: str):
    return photos.filter(Exists(PhotoTag.objects.filter(photo=OuterRef("pk"), source=source)))


def photos_matching_term(photos, term: str):
    """``photos`` whose tag is this word, or whose title, file name or description contains it."""
    tagged = PhotoTag.objects.filter(photo=OuterRef("pk"), tag__name=normalise_tag_name(term))
    return photos.filter(
        Exists(tagged)
        | Q(title__icontains=term)
        | Q(original_filename__icontains=term)
        | Q(description__icontains=term)
    )
