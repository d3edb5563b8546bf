"""Helpers for views whose forms post from one page and send the user back to another."""
from django.contrib import messages
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, wanted: str | None, default: str) -> str:
    """``wanted`` if it is a page of this site, else ``default``. Refuses other hosts, and the
    ``//host`` and ``/\\host`` forms that browsers read as other hosts."""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def posted_next_url(request, default: str) -> str:
    """The page a form asked to return to (its ``next`` field), if it is on this site."""
    return safe_next_url(request, request.POST.get("next"), default)


def message_form_errors(request, form) -> None:
    """Show a form's errors as messages on the page the user is sent back to."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
