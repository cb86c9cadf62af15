"""API throttles; their counters live in the configured cache, shared by every worker.

When the cache is unreachable the throttles let requests through (fail open) and log a
warning: an outage of the cache must not turn every write into a 500. Sign-in lockouts
(django-axes) keep their counts in the database and still hold.
"""

import logging

from rest_framework.throttling import BaseThrottle, ScopedRateThrottle, UserRateThrottle

from config.cache import CACHE_ERRORS

logger = logging.getLogger("flows.throttle")


def client_address(request) -> str:
    """The client's address as DRF's throttles see it (REMOTE_ADDR, or X-Forwarded-For
    through `NUM_PROXIES` trusted proxies); django-axes uses it too, so both agree."""
    return BaseThrottle().get_ident(request)


class AtomicWindowMixin:
    """Counts requests in fixed windows with the cache's atomic increment.

    DRF's default throttle keeps a list of timestamps that it reads, changes and writes
    back: two workers doing that at once both write, and requests go uncounted. Redis's
    INCR (and LocMemCache's locked incr) cannot lose a count, so every worker agrees.
    """

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window = int(self.timer() // self.duration)
        self.window_end = (window + 1) * self.duration
        try:
            count = self._count(f"{self.key}:{window}")
        except CACHE_ERRORS as error:
            # The error's type only: its text may carry the cache's address or credentials.
            logger.warning(
                "throttle scope=%s cache unavailable (%s): request allowed", self.scope, type(error).__name__
            )
            return True
        return count <= self.num_requests

    def _count(self, key: str) -> int:
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            return self.cache.incr(key)
        except ValueError:  # the window expired between add and incr
            self.cache.add(key, 1, timeout=self.duration + 1)
            return 1

    def wait(self) -> float:
        return max(0.0, self.window_end - self.timer())


class WriteRateThrottle(AtomicWindowMixin, UserRateThrottle):
    """Limits writes (POST, PUT, PATCH, DELETE) per user; reads are not throttled."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


class TokenRateThrottle(AtomicWindowMixin, ScopedRateThrottle):
    """Limits password guessing on the token endpoint, per client address."""

    scope_attr = "throttle_scope"

    def allow_request(self, request, view):
        # What ScopedRateThrottle does first: the view names the scope, the scope the rate.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
