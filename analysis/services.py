from .models import PhotoTag, Tag, normalise_tag_name


def parse_tag_list(text: str) -> tuple[str, ...]:
    """Split a comma-separated list as typed by a person into distinct normalised names."""
    names = (normalise_tag_name(part) for part in text.split(","))
    return tuple(dict.fromkeys(name for name in names if name))


def photo_add_manual_tags(*, photo, names: tuple[str, ...]) -> None:
    if not names:
        return
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    tags = Tag.objects.filter(name__in=names)
    PhotoTag.objects.bulk_create(
        [PhotoTag(photo=photo, tag=tag, source=PhotoTag.Source.MANUAL) for tag in tags],
        ignore_conflicts=True,
    )
