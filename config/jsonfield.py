"""A JSONField for large values (a flow's structure, its revisions): encoded and decoded by
orjson, about ten times faster than the standard library Django's JSONField uses.

The database stores the same value either way (PostgreSQL's jsonb keeps no formatting; SQLite's
text differs only in spacing and escapes, and reads back equal). Where orjson would store
something else or refuse, the standard library does the work as before: non-finite floats
(orjson writes them as null, so any null sends the value the slow way), keys that are not
strings, integers past 64 bits, lone surrogates, datetimes and dataclasses.
"""

import json
from typing import Any

import orjson
from django.db import models

_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode_json(value: Any) -> bytes | str:
    """The JSON text of `value` as Django's JSONField would store it (equal once decoded)."""
    try:
        encoded = orjson.dumps(value, option=_PASSTHROUGH)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value)
    # Maybe a NaN or an infinity (orjson writes null; the standard library keeps them). A
    # plain search: a real null or a word such as "nullable" also takes the slow way, rarely.
    if b"null" in encoded:
        return json.dumps(value)
    return encoded


class FastJSONField(models.JSONField):
    """`models.JSONField` with orjson's encoding and decoding (no custom encoder or decoder).
    Migrations see a plain JSONField: the column and what it holds are the same."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("encoder") or kwargs.get("decoder"):
            raise ValueError("FastJSONField encodes with orjson: no encoder or decoder.")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            return Jsonb(value, dumps=encode_json)
        if connection.vendor == "sqlite":
            encoded = encode_json(value)
            return encoded.decode() if isinstance(encoded, bytes) else encoded
        return connection.ops.adapt_json_value(value, self.encoder)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass  # what only the standard library reads (NaN, huge integers, lone surrogates)
        return super().from_db_value(value, expression, connection)
