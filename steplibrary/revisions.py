"""Revision history of library entries: recorded by the sync in one statement, and on every
manual write."""

import uuid
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Max

from flows.models import Tree
from steplibrary.json_insert import Column, JsonInsert, null_safe_differs
from steplibrary.models import VERSIONED_FIELDS, LibraryStep, StepRevision, version_hash, version_of


def step_current_revision(step: LibraryStep) -> int:
    return StepRevision.objects.filter(step=step).aggregate(number=Max("number"))["number"] or 0


def revision_record(
    *, step: LibraryStep, user, source_tree: Tree | None = None, published_at: datetime | None = None
) -> StepRevision | None:
    """Records the entry as it is now, unless its latest revision already says the same; a
    synced entry's revision names the publish that wrote it (`source_tree`, `published_at`)."""
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
        source_tree=source_tree,
        published_at=published_at,
    )


# Each column of a revision the sync records: from the entry the upsert has just written
# (`s`, joined by the row's `{step_id}`), from the publish, or computed from the entry's
# history. Only ids travel: the entry's content is read where it already is, not sent twice.
_LATEST = "(SELECT {column} FROM {table} x WHERE x.{step} = {{step_id}} ORDER BY x.{number} DESC LIMIT 1)"


def _sync_revision_insert(connection) -> tuple[JsonInsert, str, str]:
    """The INSERT, its JOIN of the written entries and its WHERE: only entries whose hash
    differs from their latest revision's."""
    quote = connection.ops.quote_name

    def latest(field: str) -> str:
        return _LATEST.format(
            column=f"x.{quote(StepRevision._meta.get_field(field).column)}",
            table=quote(StepRevision._meta.db_table),
            step=quote(StepRevision._meta.get_field("step").column),
            number=quote(StepRevision._meta.get_field("number").column),
        )

    def entry(field: str) -> str:
        return f"s.{quote(LibraryStep._meta.get_field(field).column)}"

    columns = (
        Column("step", key="step_id"),
        Column("number", sql=f"COALESCE({latest('number')}, 0) + 1"),
        *(Column(field, sql=entry(field)) for field in (*VERSIONED_FIELDS, "content_hash")),
        Column("owner", sql=entry("created_by")),
        Column("source_tree", constant="tree_id"),
        Column("published_at", constant="published_at"),
        Column("account", constant="account_id"),
        Column("created_at", constant="synced_at"),
        Column("created_by", sql="NULL"),
    )
    join = f"JOIN {quote(LibraryStep._meta.db_table)} s ON {entry('id')} = {{step_id}}"
    differs = null_safe_differs(connection, entry("content_hash"), latest("content_hash"))
    return JsonInsert(StepRevision, columns), join, differs


def revisions_record_for_sync(
    *, tree: Tree, step_ids: list[uuid.UUID], synced_at: datetime, using: str = DEFAULT_DB_ALIAS
) -> None:
    """One INSERT … SELECT over the entries this sync wrote (`step_ids`), reading each as the
    upsert left it: a new revision for each whose hash differs from its latest revision's
    (numbered after it). Each entry costs its primary key and two index probes into its own
    history, whatever the size of the rest of the library."""
    if not step_ids:
        return
    connection = connections[using]
    insert, join, differs = _sync_revision_insert(connection)
    constants = {
        "tree_id": tree.pk,
        "published_at": tree.published_at,
        "account_id": tree.account_id,
        "synced_at": synced_at,
    }
    rows = ({"step_id": step_id} for step_id in step_ids)
    params = insert.params(connection, rows=rows, constants=constants)
    with connection.cursor() as cursor:
        cursor.execute(insert.sql(connection, join=join, where=differs), params)
