"""Duplicates in the library list: entries with the same `content_key` that the reader may
see show as one result.

Grouping runs in the list's own query, over the rows left after visibility, filters and
search (an entry the reader may not see is never counted or listed): window functions over
`content_key` give each row its place in its group, the group's size and its members' ids,
and only each group's first row is kept (Django puts the window in a subquery and filters
outside it). The first row is the most used member (then the best rated, then the lowest
id), whatever order the page uses, so that a group sits in the list where its most used copy
would. Works the same on SQLite (3.25+) and PostgreSQL; the list costs no extra query.
"""

import uuid

from django.db.models import Aggregate, Count, F, IntegerField, QuerySet, TextField, Window
from django.db.models.functions import RowNumber

MAX_DUPLICATE_IDS = 100


class IdList(Aggregate):
    """The group's ids as one comma-separated text (GROUP_CONCAT / STRING_AGG)."""

    function = "GROUP_CONCAT"
    output_field = TextField()
    window_compatible = True

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s((%(expressions)s)::text, ',')"
        )


def with_duplicates(queryset: QuerySet) -> QuerySet:
    """Annotates `duplicate_rank` (1 for the group's first row), `duplicate_total` and
    `duplicate_ids` (every member of the group within `queryset`)."""
    group = [F("content_key")]
    return queryset.annotate(
        duplicate_rank=Window(
            RowNumber(), partition_by=group, order_by=[F("usage_count").desc(), F("rating_avg").desc(), "id"]
        ),
        duplicate_total=Window(Count("id"), partition_by=group, output_field=IntegerField()),
        duplicate_ids=Window(IdList("id"), partition_by=group),
    )


def collapse_duplicates(queryset: QuerySet) -> QuerySet:
    """One row per group of duplicates (see the module's docstring)."""
    return with_duplicates(queryset).filter(duplicate_rank=1)


def duplicates_of(step) -> dict | None:
    """`{"count", "ids"}` of the other members of `step`'s group, from the annotations of
    `with_duplicates`; None when the row was read without them (a single entry)."""
    total = getattr(step, "duplicate_total", None)
    if total is None:
        return None
    own = str(step.pk)
    ids = [_as_uuid(value) for value in (step.duplicate_ids or "").split(",") if value]
    others = sorted(value for value in ids if value != own)
    return {"count": total - 1, "ids": others[:MAX_DUPLICATE_IDS]}


def _as_uuid(value: str) -> str:
    # SQLite keeps UUIDs as 32 hex digits; PostgreSQL's text form has dashes.
    return str(uuid.UUID(value))
