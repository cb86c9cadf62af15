"""Querysets compiled once per shape, then run with each call's own values.

Building and compiling a query with many correlated subqueries costs Django several
milliseconds on every request, far more than the database needs to run it. Here a query is
built once per *shape* (whatever changes its SQL text: filters present, ordering, page size,
the kind of user) from *markers*, stand-in values unlike any constant a query holds, one per
variable (a user id, a filter's value, a cursor's key). After compiling, each parameter that
is a marker, in the form the database adapter receives it (a UUID may arrive as its hex text,
a datetime as text on SQLite), is a slot for that variable; later calls with the same shape
put their own values, adapted the same way, in those slots and run the kept SQL.

Safety rests on the caller: everything the builder reads must be either in the key or in
`values` (the builder gets nothing else of the request). A shape is kept only when every
marker reached the parameters and none reached the SQL text; otherwise its query is built
for each call, as before. Either way the answer is the same; only the cost differs. Kept
shapes are per thread and per database (compiled SQL depends on the connection), at most
MAX_SHAPES each, least recently used out.
"""

import datetime
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from itertools import count

from django.db import connections
from django.db.models import QuerySet

MAX_SHAPES = 256
_local = threading.local()
_serial = count(1)


@dataclass(frozen=True)
class Slot:
    index: int  # position in the parameters
    name: str  # the variable
    form: str  # how the adapter received it: "raw", "hex", "text", "datetime"
    wrapper: type | None  # a subclass the backend wrapped it in (psycopg's Int4 for an integer column)


@dataclass
class Statement:
    sql: str
    params: list
    slots: list[Slot]
    names: list[str]  # the values() keys, in column order
    compiler: object  # converts the columns as the ORM would
    column_count: int


class NotKept(Exception):
    """This shape cannot be run from kept SQL (see the module's docstring)."""


def marker_for(value, name: str):
    """A stand-in of `value`'s type that no query holds as a constant."""
    serial = next(_serial)
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{name}: booleans and None change a query's shape; put them in its key")
    if isinstance(value, int):
        # Negative (no id is), yet within a 32-bit column's range: Django answers nothing at
        # all for an out-of-range integer instead of compiling the comparison.
        return -1_900_000_000 - serial % 100_000_000
    if isinstance(value, float):
        return -7.319e18 - serial * 1024.0
    if isinstance(value, str):
        return f"marker-{serial}-{uuid.uuid4().hex}"
    if isinstance(value, uuid.UUID):
        return uuid.uuid4()
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1, 1, 1, 0, 0, 0, serial % 1_000_000, tzinfo=datetime.UTC)
    raise TypeError(f"{name}: no marker for {type(value).__name__}")


def _forms(value, connection) -> list[tuple[str, object]]:
    if isinstance(value, uuid.UUID):
        return [("raw", value), ("hex", value.hex), ("text", str(value))]
    if isinstance(value, datetime.datetime):
        return [("raw", value), ("datetime", connection.ops.adapt_datetimefield_value(value))]
    return [("raw", value)]


def _adapt(value, form: str, connection):
    return dict(_forms(value, connection))[form]


def rows(
    key: Hashable,
    build: Callable[[dict], QuerySet],
    values: dict,
    *,
    using: str = "default",
    count_only: bool = False,
) -> list[dict]:
    """The rows of `build(values)` (a values() queryset), as dicts; or, with `count_only`, the
    number of its rows. `key` names the shape: every call with that key must build the same
    SQL apart from `values`."""
    connection = connections[using]
    kept = _local.__dict__.setdefault(using, OrderedDict())
    key = (key, count_only)
    statement = kept.get(key)
    if statement is None:
        try:
            statement = _compile(build, values, connection, count_only)
        except NotKept:
            statement = False
        kept[key] = statement
        if len(kept) > MAX_SHAPES:
            kept.popitem(last=False)
    else:
        kept.move_to_end(key)
    if statement is False:
        queryset = build(values)
        return queryset.count() if count_only else list(queryset)
    params = list(statement.params)
    for slot in statement.slots:
        value = _adapt(values[slot.name], slot.form, connection)
        params[slot.index] = slot.wrapper(value) if slot.wrapper else value
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        fetched = cursor.fetchall()
    if count_only:
        return fetched[0][0]
    fetched = [row[: statement.column_count] for row in fetched]
    names = statement.names
    return [dict(zip(names, row, strict=True)) for row in statement.compiler.results_iter(results=[fetched])]


def _inlined(marker, sql: str, params: list, connection) -> bool:
    """Whether `marker` reached the query other than as a whole parameter: written into the
    SQL text, or inside another parameter (a LIKE pattern, a JSON text). Such a copy would
    keep the first call's value for every later call, so the shape is not kept."""
    texts = {str(adapted) for _, adapted in _forms(marker, connection)}
    if any(text in sql for text in texts):
        return True
    return any(
        isinstance(param, str) and param not in texts and any(text in param for text in texts)
        for param in params
    )


def _compile(build, values: dict, connection, count_only: bool) -> Statement:
    markers = {name: marker_for(value, name) for name, value in values.items()}
    queryset = build(markers)
    query = queryset.query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if count_only:
        sql = f"SELECT COUNT(*) FROM ({sql}) AS counted"  # noqa: S608 (compiled SQL, parameters apart)
    params = list(params)
    slots = []
    for name, marker in markers.items():
        found = [
            Slot(index, name, form, None if type(param) is type(adapted) else type(param))
            for form, adapted in _forms(marker, connection)
            for index, param in enumerate(params)
            if isinstance(param, type(adapted)) and not isinstance(param, bool) and param == adapted
        ]
        if not found or _inlined(marker, sql, params, connection):
            raise NotKept(name)
        slots.extend(found)
    names = list(query.selected) if query.selected else [*query.extra_select, *query.values_select]
    if not query.selected:
        names += list(query.annotation_select)
    return Statement(sql, params, slots, names, compiler, compiler.col_count)
