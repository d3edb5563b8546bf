from django.shortcuts import render


def rate_limited(request, exception):
    """What django-ratelimit answers when a visitor goes past a limit: 429, and why."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
