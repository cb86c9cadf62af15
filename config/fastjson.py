"""One fast JSON encoder for the hot paths (sync payloads, content hashes, structure
fingerprints): orjson, about ten times faster than the standard library's `json.dumps`."""

from typing import Any

import orjson


def dumps(value: Any) -> str:
    """Compact JSON text (UUIDs and datetimes in their standard forms)."""
    return orjson.dumps(value).decode()


def dumps_sorted(value: Any) -> bytes:
    """Compact JSON with sorted keys, as bytes: a stable input for hashes."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
