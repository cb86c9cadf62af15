"""The shared cache may be down: what counts as that, and how to ask whether it is up."""

import logging

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger("flows.cache")

# Redis client errors (connection refused, timeouts, a server error) and the socket errors
# under them. Nothing else is caught: a programming error must still surface.
CACHE_ERRORS = (RedisError, OSError)


def cache_is_up() -> bool:
    try:
        cache.set("healthz", "1", timeout=10)
        return cache.get("healthz") == "1"
    except CACHE_ERRORS:
        return False
