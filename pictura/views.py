from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat


def rate_limited(request, exception):
    """What django-ratelimit answers when a visitor goes past a limit: 429, and why."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


def bad_request(request, exception=None):
    """Django's 400, with the reason in words: the request was refused before any view ran."""
    return request_refused(request, why_refused(exception), status=400)


def why_refused(exception) -> str:
    if isinstance(exception, TooManyFilesSent):
        return (
            f"That was more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files in one upload. "
            "Choose fewer at a time, or drop them on the upload page, which sends them one by one."
        )
    if isinstance(exception, MultiPartParserError) and "header size" in str(exception):
        return "A file name is too long (a few hundred characters at most). Rename the file and try again."
    if isinstance(exception, MultiPartParserError):
        return "The upload arrived incomplete or garbled, perhaps cut off by the connection. Please try again."
    if isinstance(exception, (TooManyFieldsSent, RequestDataTooBig)):
        return "The form sent more data than any page of Pictura asks for."
    return "Pictura could not make sense of that request."


def request_refused(request, reason: str, *, status: int):
    """A page (or, for the uploader's script, JSON) that says why a request was refused."""
    if request.accepts("application/json") and not request.accepts("text/html"):
        return JsonResponse({"results": [], "errors": {"request": [{"message": reason, "code": str(status)}]}}, status=status)
    return render(request, "request_refused.html", {"reason": reason, "status": status}, status=status)


def request_too_large(request, declared: int):
    limit = settings.PICTURA_MAX_REQUEST_MB * 1024 * 1024
    reason = (
        f"The upload is {filesizeformat(declared)}; one upload can carry at most {filesizeformat(limit)}, "
        f"and each photo at most {settings.PICTURA_MAX_UPLOAD_MB} MB. Nothing was received."
    )
    return request_refused(request, reason, status=413)
