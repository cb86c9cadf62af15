"""One-statement upsert of a flow's synced entries, keyed on (source_tree, source_node_id).

Django's `bulk_create(update_conflicts=True)` splits large inputs into many statements
on SQLite (one parameter per column per row), so a 2,000-step flow would cost dozens of
queries. Sending every row as one JSON parameter and expanding it in the database
(`jsonb_to_recordset` on PostgreSQL, `json_each` on SQLite) keeps the sync at one INSERT
for any flow size, and is the fastest form on both.

The conflict clause updates only what a publish owns and never touches `id`,
`usage_count`, ratings, `created_at` or `created_by`; it bumps `version` only for entries
that really changed (or come back from retirement).
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db import connection

from steplibrary.models import LibraryStep, content_hash


@dataclass(frozen=True)
class UpsertRow:
    node_id: str
    title: str
    step_type: str
    content: dict
    visibility: str
    search_text: str

    @cached_property
    def sync_hash(self) -> str:
        return content_hash(self.title, self.step_type, self.content, self.visibility)


_UPDATED_ON_CONFLICT = (
    "title",
    "step_type",
    "content",
    "visibility",
    "search_text",
    "sync_hash",
    "account_id",
    "last_synced_at",
)


def _column(name: str) -> str:
    """The quoted column of a LibraryStep field, by field name or attname (`account_id`)."""
    field = next(f for f in LibraryStep._meta.concrete_fields if name in (f.name, f.attname))
    return connection.ops.quote_name(field.column)


def _insert_columns() -> str:
    names = [
        "id", "title", "step_type", "content", "visibility", "created_by", "account",
        "usage_count", "rating_count", "rating_avg", "is_active", "is_flow_synced",
        "source_tree", "source_node_id", "last_synced_at", "forked_from", "created_at", "updated_at",
        "search_text", "sync_hash", "version",
    ]  # fmt: skip
    return ", ".join(_column(name) for name in names)


def _conflict_clause(table: str, distinct: str) -> str:
    """The DO UPDATE part; `distinct` is the null-safe "differs" operator of the database."""
    assignments = ", ".join(f"{_column(name)} = excluded.{_column(name)}" for name in _UPDATED_ON_CONFLICT)
    # A row staff took down stays inactive (its content still follows the flow, so lifting
    # the takedown shows what is published); every other row returns to the library.
    not_taken_down = f"{table}.{_column('taken_down_at')} IS NULL"
    is_active = f"{_column('is_active')} = ({not_taken_down})"
    # `updated_at` moves only when the entry really changed (or returns from retirement), so
    # "recently updated" in the library still means something after a republish.
    changed = (
        f"{table}.{_column('sync_hash')} <> excluded.{_column('sync_hash')} "
        f"OR {table}.{_column('account_id')} {distinct} excluded.{_column('account_id')} "
        f"OR (NOT {table}.{_column('is_active')} AND {not_taken_down})"
    )
    updated_at = (
        f"{_column('updated_at')} = CASE WHEN {changed} THEN excluded.{_column('updated_at')} "
        f"ELSE {table}.{_column('updated_at')} END"
    )
    # The same test bumps the version, in this statement: an unchanged entry keeps its ETag.
    version = (
        f"{_column('version')} = CASE WHEN {changed} THEN {table}.{_column('version')} + 1 "
        f"ELSE {table}.{_column('version')} END"
    )
    return (
        f"ON CONFLICT ({_column('source_tree')}, {_column('source_node_id')}) "
        f"DO UPDATE SET {assignments}, {is_active}, {updated_at}, {version}"
    )


def _postgresql_sql(table: str) -> str:
    # Only identifiers from the model's own metadata are interpolated; values are parameters.
    return (
        f"INSERT INTO {table} ({_insert_columns()}) "  # noqa: S608
        "SELECT r.id, r.title, r.step_type, r.content, r.visibility, %s, %s, 0, 0, 0, TRUE, TRUE, "
        "%s, r.node_id, %s, NULL, %s, %s, r.search_text, r.sync_hash, 1 "
        "FROM jsonb_to_recordset(%s::jsonb) AS r(id uuid, node_id text, title text, "
        "step_type text, content jsonb, visibility text, search_text text, sync_hash text) "
        # A fixed row order means concurrent upserts of one flow take row locks in one order.
        f"ORDER BY r.node_id {_conflict_clause(table, 'IS DISTINCT FROM')}"
    )


def _sqlite_sql(table: str) -> str:
    def field(key: str) -> str:
        return f"json_extract(r.value, '$.{key}')"

    return (
        f"INSERT INTO {table} ({_insert_columns()}) "  # noqa: S608
        f"SELECT {field('id')}, {field('title')}, {field('step_type')}, {field('content')}, "
        f"{field('visibility')}, %s, %s, 0, 0, 0, TRUE, TRUE, %s, {field('node_id')}, %s, NULL, %s, %s, "
        f"{field('search_text')}, {field('sync_hash')}, 1 "
        # `WHERE true` resolves SQLite's parsing ambiguity between a join's ON and ON CONFLICT.
        f"FROM json_each(%s) AS r WHERE true ORDER BY {field('node_id')} {_conflict_clause(table, 'IS NOT')}"
    )


def upsert_statement() -> str:
    """The single INSERT … ON CONFLICT statement for this database; parameters as in `upsert_params`."""
    table = connection.ops.quote_name(LibraryStep._meta.db_table)
    return _sqlite_sql(table) if connection.vendor == "sqlite" else _postgresql_sql(table)


def upsert_params(
    *,
    rows: list[UpsertRow],
    tree_id: uuid.UUID,
    created_by_id: int | None,
    account_id: int | None,
    synced_at: datetime,
) -> list:
    """Statement parameters: the flow's constants, then every row in one JSON document."""
    as_db_id = (lambda value: value.hex) if connection.vendor == "sqlite" else str
    payload = json.dumps(
        [
            {
                "id": as_db_id(uuid.uuid4()),
                "node_id": row.node_id,
                "title": row.title,
                "step_type": row.step_type,
                "content": row.content,
                "visibility": row.visibility,
                "search_text": row.search_text,
                "sync_hash": row.sync_hash,
            }
            for row in rows
        ],
        separators=(",", ":"),
    )
    timestamp = connection.ops.adapt_datetimefield_value(synced_at)
    tree_value = LibraryStep._meta.get_field("source_tree").get_db_prep_value(tree_id, connection)
    return [created_by_id, account_id, tree_value, timestamp, timestamp, timestamp, payload]


def upsert_synced_entries(
    *,
    rows: list[UpsertRow],
    tree_id: uuid.UUID,
    created_by_id: int | None,
    account_id: int | None,
    synced_at: datetime,
) -> None:
    """Writes `rows` for one flow in a single INSERT … ON CONFLICT DO UPDATE statement."""
    if not rows:
        return
    node_ids = [row.node_id for row in rows]
    # PostgreSQL refuses a statement that updates one row twice; SQLite would accept it silently.
    assert len(set(node_ids)) == len(node_ids), "duplicate node ids reached the upsert"
    params = upsert_params(
        rows=rows, tree_id=tree_id, created_by_id=created_by_id, account_id=account_id, synced_at=synced_at
    )
    with connection.cursor() as cursor:
        cursor.execute(upsert_statement(), params)
