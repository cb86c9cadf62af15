"""One-statement upsert of a flow's synced entries, keyed on (source_tree, source_node_id).

Generated from one table of columns (`SYNC_COLUMNS`, see `steplibrary.json_insert`): every
row travels in one JSON parameter, so a sync is one INSERT for any flow size on both
databases.

The conflict clause updates only what a publish owns and never touches `id`,
`usage_count`, ratings, `created_at` or `created_by`; it bumps `version` only for entries
that really changed (or come back from retirement).
"""

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db import DEFAULT_DB_ALIAS, connections

from steplibrary.json_insert import Column, JsonInsert, null_safe_differs
from steplibrary.models import LibraryStep, build_search_text, version_hash, version_of


class DuplicateNodeIds(ValueError):
    """Two rows for one node reached the upsert: PostgreSQL refuses a statement that updates
    one row twice, and SQLite would silently keep one of them."""


@dataclass(frozen=True)
class UpsertRow:
    node_id: str
    title: str
    step_type: str
    content: dict
    visibility: str

    # Both are worked out only for the rows a sync writes: an unchanged entry needs neither.
    @cached_property
    def search_text(self) -> str:
        return build_search_text(self.title, self.content)

    @cached_property
    def content_hash(self) -> str:
        return version_hash(version_of(self))


# Each column of the synced entry's INSERT: from the row (its JSON key), from the flow
# (one parameter for the statement), or fixed.
SYNC_COLUMNS = (
    Column("id", key="id"),
    Column("source_node_id", key="node_id"),
    Column("title", key="title", on_conflict=True),
    Column("step_type", key="step_type", on_conflict=True),
    Column("content", key="content", on_conflict=True),
    Column("visibility", key="visibility", on_conflict=True),
    Column("search_text", key="search_text", on_conflict=True),
    Column("content_hash", key="content_hash", on_conflict=True),
    Column("created_by", constant="created_by_id"),
    Column("account", constant="account_id", on_conflict=True),
    Column("source_tree", constant="tree_id"),
    Column("last_synced_at", constant="synced_at", on_conflict=True),
    Column("created_at", constant="synced_at"),
    Column("updated_at", constant="synced_at"),
    Column("usage_count", sql="0"),
    Column("rating_count", sql="0"),
    Column("rating_avg", sql="0"),
    Column("is_active", sql="TRUE"),
    Column("is_flow_synced", sql="TRUE"),
    Column("forked_from", sql="NULL"),
    Column("version", sql="1"),
)

# A fixed row order means concurrent upserts of one flow take row locks in one order.
SYNC_INSERT = JsonInsert(LibraryStep, SYNC_COLUMNS, order_by="node_id")


def _conflict_clause(connection) -> str:
    """The DO UPDATE part, and RETURNING each written entry's id by node."""
    table = SYNC_INSERT.table(connection)

    def col(name: str) -> str:
        return SYNC_INSERT.column_name(connection, name)

    # A row staff took down stays inactive (its content still follows the flow, so lifting
    # the takedown shows what is published); every other row returns to the library.
    not_taken_down = f"{table}.{col('taken_down_at')} IS NULL"
    account_moved = null_safe_differs(connection, f"{table}.{col('account')}", f"excluded.{col('account')}")
    # `updated_at` and `version` move only when the entry really changed (or returns from
    # retirement), so "recently updated" means something and an unchanged entry keeps its ETag.
    changed = (
        f"{table}.{col('content_hash')} <> excluded.{col('content_hash')} "
        f"OR {account_moved} "
        f"OR (NOT {table}.{col('is_active')} AND {not_taken_down})"
    )
    return (
        f"ON CONFLICT ({col('source_tree')}, {col('source_node_id')}) "
        f"DO UPDATE SET {SYNC_INSERT.assignments(connection)}, "
        f"{col('is_active')} = ({not_taken_down}), "
        f"{col('updated_at')} = CASE WHEN {changed} THEN excluded.{col('updated_at')} "
        f"ELSE {table}.{col('updated_at')} END, "
        f"{col('version')} = CASE WHEN {changed} THEN {table}.{col('version')} + 1 "
        f"ELSE {table}.{col('version')} END "
        f"RETURNING {col('source_node_id')}, {col('id')}"
    )


def upsert_statement(*, using: str = DEFAULT_DB_ALIAS) -> str:
    """The single INSERT … ON CONFLICT statement for this database; parameters as in `upsert_params`."""
    connection = connections[using]
    return SYNC_INSERT.sql(connection, suffix=_conflict_clause(connection))


@dataclass(frozen=True)
class SyncSource:
    """What every entry one sync writes shares: its flow, the flow's author (the entries'
    creator) and account, and the time of the sync. The names are the statement's constants."""

    tree_id: uuid.UUID
    created_by_id: int | None
    account_id: int | None
    synced_at: datetime


def _new_ids(count: int) -> list[uuid.UUID]:
    """`count` random (version 4) UUIDs, as `uuid.uuid4()` makes them, from one read of the
    system's randomness instead of one per row."""
    randomness = os.urandom(16 * count)
    return [uuid.UUID(bytes=randomness[start : start + 16], version=4) for start in range(0, 16 * count, 16)]


def upsert_params(*, rows: list[UpsertRow], source: SyncSource, using: str = DEFAULT_DB_ALIAS) -> list:
    """Statement parameters: the flow's constants, then every row in one JSON document."""
    payload = (
        {
            "id": new_id,
            "node_id": row.node_id,
            "title": row.title,
            "step_type": row.step_type,
            "content": row.content,
            "visibility": row.visibility,
            "search_text": row.search_text,
            "content_hash": row.content_hash,
        }
        for row, new_id in zip(rows, _new_ids(len(rows)), strict=True)
    )
    return SYNC_INSERT.params(connections[using], rows=payload, constants=vars(source))


def upsert_synced_entries(
    *, rows: list[UpsertRow], source: SyncSource, using: str = DEFAULT_DB_ALIAS
) -> dict[str, uuid.UUID]:
    """Writes `rows` for one flow in a single INSERT … ON CONFLICT DO UPDATE statement and
    answers the written entries' ids by node id."""
    if not rows:
        return {}
    node_ids = [row.node_id for row in rows]
    if len(set(node_ids)) != len(node_ids):
        raise DuplicateNodeIds("duplicate node ids reached the upsert")
    with connections[using].cursor() as cursor:
        cursor.execute(upsert_statement(using=using), upsert_params(rows=rows, source=source, using=using))
        returned = cursor.fetchall()
    return {
        node_id: step_id if isinstance(step_id, uuid.UUID) else uuid.UUID(step_id)
        for node_id, step_id in returned
    }
