"""API throttles; their counters live in the configured cache, shared by every worker."""

from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle


class WriteRateThrottle(UserRateThrottle):
    """Limits writes (POST, PUT, PATCH, DELETE) per user; reads are not throttled."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class TokenRateThrottle(ScopedRateThrottle):
    """Limits password guessing on the token endpoint, per client address."""

    scope_attr = "throttle_scope"
