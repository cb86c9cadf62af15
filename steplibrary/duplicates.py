"""Duplicates in the library list: entries with the same `content_key` that the reader may
see show as one result.

Grouping runs in the list's own query, over the rows left after visibility, filters and
search (an entry the reader may not see is never counted or listed). A row is its group's
first when no other row of that same filtered set, with the same `content_key`, comes before
it: the most used member (then the best rated, then the lowest id), whatever order the page
uses, so that a group sits in the list where its most used copy would. Both the test and the
group's members (`duplicate_ids`) are correlated subqueries served by the `content_key`
index, so the database evaluates them only for the rows it reads to fill the page: a page
costs the same at 10,000 or 1,000,000 entries (window functions over every match did not),
and a keyset condition on the page is an ordinary WHERE that cannot change the groups.
Works the same on SQLite and PostgreSQL; the list costs no extra query.
"""

import uuid

from django.db.models import Aggregate, Exists, OuterRef, Q, QuerySet, Subquery, TextField

MAX_DUPLICATE_IDS = 100


class IdList(Aggregate):
    """The group's ids as one comma-separated text (GROUP_CONCAT / STRING_AGG)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s((%(expressions)s)::text, ',')"
        )


def _same_group(queryset: QuerySet) -> QuerySet:
    """The filtered rows, without their order or display annotations (the reader's rating,
    the revision, the search rank: the filters hold their own copies of what they compare),
    of the outer row's group. Leaving the annotations out halves the time Django spends
    building the list's query."""
    rows = queryset.order_by()
    rows.query.annotations = {}
    rows.query.set_annotation_mask(())
    return rows.filter(content_key=OuterRef("content_key"))


def with_duplicates(queryset: QuerySet, *, within: QuerySet | None = None) -> QuerySet:
    """Annotates `duplicate_ids`: every member of the row's group within `within` (by default
    `queryset` itself)."""
    group = _same_group(queryset if within is None else within)
    members = group.values("content_key").annotate(ids=IdList("id")).values("ids")
    return queryset.annotate(duplicate_ids=Subquery(members, output_field=TextField()))


def collapse_duplicates(queryset: QuerySet) -> QuerySet:
    """One row per group of duplicates (see the module's docstring)."""
    comes_before = (
        Q(usage_count__gt=OuterRef("usage_count"))
        | Q(usage_count=OuterRef("usage_count"), rating_avg__gt=OuterRef("rating_avg"))
        | Q(usage_count=OuterRef("usage_count"), rating_avg=OuterRef("rating_avg"), id__lt=OuterRef("id"))
    )
    earlier_copy = Exists(_same_group(queryset).filter(comes_before))
    return with_duplicates(queryset.filter(~earlier_copy), within=queryset)


def duplicates_of(step) -> dict | None:
    """`{"count", "ids"}` of the other members of `step`'s group, from the annotation of
    `with_duplicates`; None when the row was read without it (a single entry)."""
    if not hasattr(step, "duplicate_ids"):
        return None
    own = str(step.pk)
    ids = [_as_uuid(value) for value in (step.duplicate_ids or "").split(",") if value]
    others = sorted(value for value in ids if value != own)
    return {"count": len(others), "ids": others[:MAX_DUPLICATE_IDS]}


def _as_uuid(value: str) -> str:
    # SQLite keeps UUIDs as 32 hex digits; PostgreSQL's text form has dashes.
    return str(uuid.UUID(value))
