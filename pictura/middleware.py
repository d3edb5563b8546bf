from django.conf import settings
from django.http import JsonResponse

from . import health
from .views import request_too_large


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is over PICTURA_MAX_REQUEST_MB before reading any
    of it: a 2 GB upload costs nothing, not the seconds it takes to receive. (nginx in front
    has the same limit; this holds where there is none.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.PICTURA_MAX_REQUEST_MB * 1024 * 1024:
            response = request_too_large(request, declared)
            response["Connection"] = "close"  # the rest of the body is not read
            return response
        return self.get_response(request)


class HealthCheckMiddleware:
    """Answers ``GET /health`` before host validation, sessions or authentication.

    Elastic Beanstalk's load balancer checks each instance by its private IP address, which is
    not in ALLOWED_HOSTS, so the check is answered here, ahead of the middleware that validates
    the Host header: 200 when the database answers, 503 when it does not or is too slow, within
    PICTURA_HEALTH_TIMEOUT_SECONDS. ``/health?full=1``, for operators, checks the broker and
    storage too, each reported on its own.
    """

    path = "/health"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") != self.path:
            return self.get_response(request)
        checks = {"database": health.database}
        if request.GET.get("full") == "1":
            checks |= {"broker": health.broker, "storage": health.storage}
        results = health.run_checks(checks)
        healthy = all(result == "ok" or result.startswith("not used") for result in results.values())
        return JsonResponse({"status": "ok" if healthy else "unavailable", **results}, status=200 if healthy else 503)
