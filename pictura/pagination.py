from django.conf import settings
from django.core.paginator import Page, Paginator


def page_of(request, items) -> Page:
    """The page of ``items`` that ``?page=`` asks for, PICTURA_PHOTOS_PER_PAGE to a page; an
    invalid or out-of-range number gives the nearest page rather than an error."""
    return Paginator(items, settings.PICTURA_PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
