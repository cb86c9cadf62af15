"""Revision history of library entries: recorded by the sync in one statement, and on every
manual write."""

from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Max

from flows.models import Tree
from steplibrary.json_insert import Column, JsonInsert, null_safe_differs
from steplibrary.models import LibraryStep, StepRevision, version_hash, version_of
from steplibrary.upsert import UpsertRow, WrittenEntry


def step_current_revision(step: LibraryStep) -> int:
    return StepRevision.objects.filter(step=step).aggregate(number=Max("number"))["number"] or 0


def revision_record(*, step: LibraryStep, user) -> StepRevision | None:
    """Records the entry as it is now, unless its latest revision already says the same."""
    latest = StepRevision.objects.filter(step=step).order_by("-number").first()
    digest = version_hash(version_of(step))
    if latest is not None and latest.content_hash == digest:
        return None
    return StepRevision.objects.create(
        step=step,
        number=(latest.number if latest else 0) + 1,
        title=step.title,
        step_type=step.step_type,
        content=step.content,
        visibility=step.visibility,
        content_hash=digest,
        created_by=user if user is not None and user.is_authenticated else None,
        account_id=step.account_id,
        owner_id=step.created_by_id,
    )


# Each column of a revision the sync records: from the written entry (its JSON key), from
# the publish, or computed from the entry's history (`{step_id}` is the row's entry).
_LATEST = "(SELECT {column} FROM {table} x WHERE x.{step} = {{step_id}} ORDER BY x.{number} DESC LIMIT 1)"


def _sync_revision_insert(connection) -> tuple[JsonInsert, str]:
    """The INSERT and its WHERE: only entries whose hash differs from their latest revision's."""
    quote = connection.ops.quote_name

    def latest(field: str) -> str:
        return _LATEST.format(
            column=f"x.{quote(StepRevision._meta.get_field(field).column)}",
            table=quote(StepRevision._meta.db_table),
            step=quote(StepRevision._meta.get_field("step").column),
            number=quote(StepRevision._meta.get_field("number").column),
        )

    columns = (
        Column("step", key="step_id"),
        Column("number", sql=f"COALESCE({latest('number')}, 0) + 1"),
        Column("title", key="title"),
        Column("step_type", key="step_type"),
        Column("content", key="content"),
        Column("visibility", key="visibility"),
        Column("content_hash", key="content_hash"),
        Column("owner", key="owner_id"),
        Column("source_tree", constant="tree_id"),
        Column("published_at", constant="published_at"),
        Column("account", constant="account_id"),
        Column("created_at", constant="synced_at"),
        Column("created_by", sql="NULL"),
    )
    return JsonInsert(StepRevision, columns), null_safe_differs(
        connection, "{content_hash}", latest("content_hash")
    )


def revisions_record_for_sync(
    *,
    tree: Tree,
    written: list[tuple[UpsertRow, WrittenEntry]],
    synced_at: datetime,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """One INSERT … SELECT over the entries this sync wrote: a new revision for each whose
    hash differs from its latest revision's (numbered after it). Each entry costs two index
    probes into its own history, whatever the size of the rest of the library."""
    if not written:
        return
    connection = connections[using]
    insert, differs = _sync_revision_insert(connection)
    rows = (
        {
            "step_id": entry.step_id,
            "title": row.title,
            "step_type": row.step_type,
            "content": row.content,
            "visibility": row.visibility,
            "content_hash": row.content_hash,
            "owner_id": entry.created_by_id,
        }
        for row, entry in written
    )
    constants = {
        "tree_id": tree.pk,
        "published_at": tree.published_at,
        "account_id": tree.account_id,
        "synced_at": synced_at,
    }
    params = insert.params(connection, rows=rows, constants=constants)
    with connection.cursor() as cursor:
        cursor.execute(insert.sql(connection, where=differs), params)
