"""Rows and files for tests, without running the image pipeline."""
import itertools
from pathlib import Path

from django.utils import timezone

_numbers = itertools.count(1)


def photo_row(owner, **fields):
    """A saved Photo row with plausible values and no files: for tests about queries, pages and
    counts, where decoding real images would only cost time. ``fields`` override any value."""
    from gallery.models import Photo

    number = next(_numbers)
    now = timezone.now()
    values = {
        "original": f"photos/{owner.pk}/row-{number}.jpg",
        "original_filename": f"IMG_{number:04}.jpg",
        "image_format": "JPEG",
        "file_size": 1024,
        "sha256": f"{owner.pk:08x}{number:056x}",
        "width": 4000,
        "height": 3000,
        "uploaded_at": now,
        "sort_at": fields.get("taken_at") or now,
        **fields,
    }
    return Photo.objects.create(owner=owner, **values)


def files_under(root: Path) -> list[str]:
    """Every file below ``root``, as paths relative to it, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
