"""Duplicates in the library list: entries with the same `content_key` that the reader may
see show as one result.

Grouping runs in the list's own query, over the rows left after visibility, filters and
search (an entry the reader may not see is never counted or listed). A row is shown when no
other row of the same filtered set in its group comes before it: the group's most used
member (then the best rated, then the lowest id), whatever order the page uses, so a group
sits in the list where its most used copy would. That test is a correlated NOT EXISTS on the
`content_key` index rather than a window over every match: the page query keeps its plan
(without a search it walks the usage index and stops at the end of the page), and the
group's size and ids are correlated subqueries that PostgreSQL computes for the page's rows
only. Works the same on SQLite and PostgreSQL; the list costs no extra query.
"""

import uuid

from django.db.models import (
    Aggregate,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)

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


def _group_of(queryset: QuerySet) -> QuerySet:
    """`queryset`'s rows (all its filters and search, none of its display columns) in the
    group of the outer row."""
    return queryset.order_by().filter(content_key=OuterRef("content_key")).values("content_key")


def with_duplicates(queryset: QuerySet, *, rows: QuerySet | None = None) -> QuerySet:
    """Annotates `rows` (default: `queryset` itself) with `duplicate_total` and `duplicate_ids`:
    the members of each row's group within `queryset`. Correlated subqueries served by the
    `content_key` index: PostgreSQL computes them for the rows of the page only, after
    sorting and the limit."""
    group = _group_of(queryset)
    return (queryset if rows is None else rows).annotate(
        duplicate_total=Subquery(group.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        duplicate_ids=Subquery(group.annotate(ids=IdList("pk")).values("ids"), output_field=TextField()),
    )


def collapse_duplicates(queryset: QuerySet) -> QuerySet:
    """One row per group of duplicates: the rows of `queryset` that no other row of it in
    the same group comes before (more used, then better rated, then a lower id). A
    correlated NOT EXISTS on the `content_key` index, so the page query keeps its own plan:
    without a search it still walks the usage index and stops at the page's end."""
    same = {"usage_count": OuterRef("usage_count"), "rating_avg": OuterRef("rating_avg")}
    before = (
        Q(usage_count__gt=OuterRef("usage_count"))
        | Q(usage_count=same["usage_count"], rating_avg__gt=OuterRef("rating_avg"))
        | Q(**same, pk__lt=OuterRef("pk"))
    )
    ahead = queryset.order_by().filter(before, content_key=OuterRef("content_key")).values("pk")
    return with_duplicates(queryset, rows=queryset.filter(~Exists(ahead)))


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
