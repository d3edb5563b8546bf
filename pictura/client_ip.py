"""The address a request came from, as the sign-in lockout and the rate limits count it."""
from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind PICTURA_PROXY_COUNT proxies the address the outermost of them
    saw. Each proxy appends the address it was reached from to X-Forwarded-For, so with
    Elastic Beanstalk's load balancer and nginx (2) the client is the second entry from the
    end; anything further left was written by the client and is not believed."""
    proxies = settings.PICTURA_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
