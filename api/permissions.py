from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiToken


class TokenScope(BasePermission):
    """A read-only token reads; changing anything takes a token with the write scope. Sessions
    and the provider's access tokens may do both."""

    message = "This token may only read: make a token with the “Read and write” scope for this."

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return True
        return request.auth.allows(ApiToken.Scope.READ if request.method in SAFE_METHODS else ApiToken.Scope.WRITE)
