import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # Write throttles count in the cache; each test starts with an empty window.
    cache.clear()
    yield
    cache.clear()
