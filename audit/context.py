"""The request being answered, so that an entry recorded deep inside a service knows who asked
and from which address without every caller passing them down."""
from contextvars import ContextVar

_current_request = ContextVar("audit_request", default=None)


def current_request():
    return _current_request.get()


class AuditContextMiddleware:
    """Remembers the request for the audit trail while it is answered (after the authentication
    middleware, so that ``request.user`` is known)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
