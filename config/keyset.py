"""Keyset (cursor) pages: the next page starts after the last row shown, by the values of the
ordering's keys, instead of skipping OFFSET rows. A page costs the same wherever it is, and
rows written meanwhile never shift a page by one (no repeats, no gaps).

The ordering must end on a unique key (`id`); each key is a model field or an annotation,
ascending or descending. A cursor carries the key values of one row and a direction; it is
opaque to clients (URL-safe base64 of JSON) and checked on the way in: a cursor for another
ordering, or one that does not decode to values of the keys' types, is refused (CursorError).
"""

import base64
import binascii
import datetime
import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, FloatField, Func, OrderBy, Q, QuerySet, Value

MAX_CURSOR_LENGTH = 4000  # far above any cursor `encode` makes (a title is at most 255 characters)


class CursorError(ValueError):
    """A cursor this list cannot continue from."""


@dataclass(frozen=True)
class Key:
    name: str
    descending: bool


class AsReal(Func):
    """A float compared with a `real` (float4) expression, such as PostgreSQL's `ts_rank`:
    read back through a double, the value must be rounded to float4 again to compare equal."""

    template = "CAST(%(expressions)s AS real)"
    output_field = FloatField()


def ordering_keys(queryset: QuerySet) -> list[Key]:
    """The keys of `queryset`'s ORDER BY, as names of fields or annotations."""
    keys = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            name, descending = item.removeprefix("-"), item.startswith("-")
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            name, descending = item.expression.name, item.descending
        else:
            raise CursorError("this ordering cannot be paged by cursor")
        keys.append(Key("id" if name == "pk" else name, descending))
    if not keys or keys[-1].name != "id":
        raise CursorError("the ordering must end on the id")
    return keys


def encode(values: list, *, backwards: bool, keys: list[Key]) -> str:
    body = {"k": [("-" if key.descending else "") + key.name for key in keys], "v": values}
    if backwards:
        body["b"] = 1
    raw = json.dumps(body, separators=(",", ":"), default=_plain).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *, keys: list[Key]) -> tuple[list, bool]:
    """(the row's key values, backwards) from a cursor made by `encode` for these keys."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise CursorError("the cursor is not one this list gave")
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        body = json.loads(raw)
    except (UnicodeError, binascii.Error, ValueError):
        raise CursorError("the cursor is not one this list gave") from None
    if not isinstance(body, dict) or body.get("k") != [("-" if k.descending else "") + k.name for k in keys]:
        raise CursorError("the cursor belongs to another ordering")
    values = body.get("v")
    if not isinstance(values, list) or len(values) != len(keys):
        raise CursorError("the cursor is not one this list gave")
    return values, body.get("b") == 1


def row_values(row, keys: list[Key]) -> list:
    return [getattr(row, key.name) for key in keys]


def parameters(queryset: QuerySet, keys: list[Key], values: list) -> list:
    """A cursor's values checked against the types of `queryset`'s keys, as `after_parameters`
    compares them."""
    return [_parameter(queryset, key, value) for key, value in zip(keys, values, strict=True)]


def after_parameters(queryset: QuerySet, keys: list[Key], parameters: list, *, backwards: bool) -> QuerySet:
    """Rows strictly after the checked cursor values `parameters` (see `parameters`) in the
    order of `keys` (before them when `backwards`), the query ordered in the direction of travel."""
    condition = Q()
    equal = Q()
    for key, parameter in zip(keys, parameters, strict=True):
        later = key.descending != backwards  # descending: later rows have smaller values
        condition |= equal & Q(**{f"{key.name}__{'lt' if later else 'gt'}": parameter})
        equal &= Q(**{key.name: parameter})
    first_key, first = keys[0], parameters[0]
    # Redundant with the OR above, but an index can start its scan on it.
    bound = Q(**{f"{first_key.name}__{'lte' if first_key.descending != backwards else 'gte'}": first})
    queryset = queryset.filter(bound & condition)
    if backwards:
        ordering = [(F(key.name).asc() if key.descending else F(key.name).desc()) for key in keys]
        queryset = queryset.order_by(*ordering)
    return queryset


def _parameter(queryset: QuerySet, key: Key, value):
    """The cursor's value for `key`, checked against the key's type."""
    field = _output_field(queryset, key.name)
    kind = field.get_internal_type()
    try:
        if kind == "UUIDField":
            return uuid.UUID(_text(value))
        if kind in ("IntegerField", "BigIntegerField", "PositiveIntegerField", "SmallIntegerField"):
            if type(value) is not int or abs(value) >= 2**63:
                raise CursorError("bad integer")
            return value
        if kind == "FloatField":
            if type(value) not in (int, float):
                raise CursorError("bad number")
            if key.name in queryset.query.annotations:
                return AsReal(Value(float(value)))
            return float(value)
        if kind == "BooleanField":
            if type(value) is not bool:
                raise CursorError("bad boolean")
            return value
        if kind == "DateTimeField":
            parsed = datetime.datetime.fromisoformat(_text(value))
            if parsed.tzinfo is None:
                raise CursorError("bad time")
            return parsed
        if kind in ("CharField", "TextField"):
            text = _text(value)
            if "\x00" in text or any(0xD800 <= ord(char) <= 0xDFFF for char in text):
                raise CursorError("bad text")
            return text
    except (TypeError, ValueError, OverflowError):
        raise CursorError("the cursor is not one this list gave") from None
    raise CursorError(f"cannot page by {key.name}")


def _output_field(queryset: QuerySet, name: str):
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    try:
        return queryset.model._meta.get_field(name)
    except FieldDoesNotExist:
        raise CursorError(f"cannot page by {name}") from None


def _text(value) -> str:
    if not isinstance(value, str) or len(value) > 1000:
        raise CursorError("bad text")
    return value


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)
