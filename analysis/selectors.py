"""Reads about tags that several pages share: search, the tags page, statistics."""
from django.db.models import Exists, OuterRef, Q

from .models import Face, PhotoTag, normalise_tag_name


def photos_tagged(photos, name: str, *, source: str = ""):
    """``photos`` that carry this tag (from this source, if given). Chained calls mean AND."""
    tags = PhotoTag.objects.filter(photo=OuterRef("pk"), tag__name=name)
    return photos.filter(Exists(tags.filter(source=source) if source else tags))


def photos_with_tags_from(photos, source: str):
    return photos.filter(Exists(PhotoTag.objects.filter(photo=OuterRef("pk"), source=source)))


def photos_with_person(photos, person):
    """``photos`` where this person's face was found. Chained calls mean all of them."""
    return photos.filter(Exists(Face.objects.filter(photo=OuterRef("pk"), person=person)))


def photos_matching_term(photos, term: str):
    """``photos`` whose tag is this word, that show someone whose name contains it (people
    the owner hid excepted), or whose title, file name or description contains it."""
    tagged = PhotoTag.objects.filter(photo=OuterRef("pk"), tag__name=normalise_tag_name(term))
    someone = Face.objects.filter(photo=OuterRef("pk"), person__name__icontains=term, person__hidden=False)
    return photos.filter(
        Exists(tagged)
        | Exists(someone)
        | Q(title__icontains=term)
        | Q(original_filename__icontains=term)
        | Q(description__icontains=term)
    )
