from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from pictura.client_ip import client_ip


class PerCredentialThrottle(SimpleRateThrottle):
    """PICTURA_API_REQUESTS_PER_MINUTE for each token (a user's scripts do not share one budget),
    each signed-in user otherwise, each address for requests without credentials. Counted in the
    cache: Redis in production, so every web process shares the count."""

    scope = "api"

    def get_rate(self):
        return f"{settings.PICTURA_API_REQUESTS_PER_MINUTE}/min"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
