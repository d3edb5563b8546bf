"""Every API error in one shape:

    {"error": {"status": 404, "code": "not_found", "message": "No such photo.", "fields": {}}}

``message`` is a sentence for a person (the site's pages say the same); ``fields`` names, for a
request that did not validate, each field and what is wrong with it; some errors add what helps
the client on (a duplicate's ``photo``)."""
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An error with a message of Pictura's own and, optionally, more to say (``extra``)."""

    def __init__(self, message: str, *, status_code: int = status.HTTP_400_BAD_REQUEST, code: str = "invalid",
                 **extra):
        super().__init__(message, code)
        self.status_code = status_code
        self.extra = extra


def error_body(status_code: int, code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}, **extra}}


def _first_message(detail) -> str:
    while isinstance(detail, (list, dict)) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if exc.args else "Not found, or not yours.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if exc.args else None)
    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API error: a bug or an outage. Logged with its traceback; the client gets JSON.
        logger.exception("API request failed", exc_info=exc)
        return Response(
            error_body(500, "server_error", "Something went wrong on Pictura's side. It was logged; try again later."),
            status=500,
        )
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = {name: [str(m) for m in messages] if isinstance(messages, list) else [_first_message(messages)]
                  for name, messages in detail.items()} if isinstance(detail, dict) else {}
        non_field = fields.pop("non_field_errors", None)
        message = non_field[0] if non_field else (
            "Check the fields named in “fields”." if fields else _first_message(detail))
        body = error_body(response.status_code, "invalid", message, fields)
    else:
        body = error_body(response.status_code, code if isinstance(code, str) else "error", _first_message(exc.detail),
                          **getattr(exc, "extra", {}))
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        body["error"]["retry_after"] = int(exc.wait + 0.999)
    response.data = body
    return response
