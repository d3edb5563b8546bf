"""Cursor pagination: each page is found from the edge of the one before, never by counting and
skipping rows, so the last page of 100,000 photos comes as fast as the first, and photos added
or deleted meanwhile never shift a page."""
from django.conf import settings
from rest_framework import exceptions
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from pictura.pagination import parse_photo_key, photo_key

MAX_LIMIT = 500


def _page_size(request, default: int) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_LIMIT:
        raise exceptions.ValidationError({"limit": [f"Ask for 1 to {MAX_LIMIT} items a page."]})
    return size


def _page_schema(items: dict) -> dict:
    return {
        "type": "object",
        "required": ["next", "results"],
        "properties": {
            "next": {"type": "string", "format": "uri", "nullable": True,
                     "description": "The next page's address; null on the last page."},
            "results": items,
        },
    }


class NewestPhotosFirst(BasePagination):
    """Photos in the gallery's order, newest first; ``?cursor=`` continues after a photo,
    ``?limit=`` (1–500) sets the page size."""

    def paginate_queryset(self, queryset, request, view=None):
        size = _page_size(request, settings.REST_FRAMEWORK["PAGE_SIZE"])
        photos = queryset.order_by("-sort_at", "-pk")
        if cursor := request.query_params.get("cursor"):
            edge = parse_photo_key(cursor)
            if edge is None:
                raise exceptions.ValidationError({"cursor": ["Use the cursor of a page's “next” address as it is."]})
            photos = photos.older_than(*edge)
        rows = list(photos[: size + 1])
        self.next = None
        if len(rows) > size:
            self.next = replace_query_param(request.build_absolute_uri(), "cursor", photo_key(rows[size - 1]))
        return rows[:size]

    def get_paginated_response(self, data):
        return Response({"next": self.next, "results": data})

    def get_paginated_response_schema(self, schema):
        return _page_schema(schema)

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "Where the page starts: take it from the previous page's “next”."},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}},
        ]


class NewestIdFirst(CursorPagination):
    """Everything else that is listed (albums, share links, people, the trash): newest first."""

    ordering = "-pk"
    page_size_query_param = "limit"
    max_page_size = MAX_LIMIT

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return _page_schema(schema)


class LastTrashedFirst(NewestIdFirst):
    ordering = ("-deleted_at", "-pk")
