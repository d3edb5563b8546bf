import hashlib

from django.http import JsonResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from ..errors import error_body


class ConditionalGetMixin:
    """An ETag on every successful read (a digest of the answer), and 304 Not Modified when the
    client sends it back in ``If-None-Match``: a client polling a list or a photo downloads it
    again only when it changed. Answers differ by credentials, so caches key them on those."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or not isinstance(response, Response):
            return response
        response.render()
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        response["ETag"] = etag
        return get_conditional_response(request, etag=etag, response=response)


class ApiView(ConditionalGetMixin, APIView):
    pass


class ApiViewSet(ConditionalGetMixin, GenericViewSet):
    lookup_value_converter = "int"


def not_found(request, *args, **kwargs):
    """What an address under /api/v1/ that leads nowhere answers."""
    return JsonResponse(error_body(404, "not_found", "There is nothing at this address in the API. "
                                   "See /api/v1/docs/ for what there is."), status=404)
