"""One-statement upsert of a flow's synced entries, keyed on (source_tree, source_node_id).

Django's `bulk_create(update_conflicts=True)` splits large inputs into many statements
on SQLite (one parameter per column per row), so a 2,000-step flow would cost dozens of
queries. Sending every row as one JSON parameter and expanding it in the database
(`jsonb_to_recordset` on PostgreSQL, `json_each` on SQLite) keeps the sync at one INSERT
for any flow size, and is the fastest form on both.

The conflict clause updates only what a publish owns and never touches `id`,
`usage_count`, ratings, `created_at` or `created_by`.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from steplibrary.models import LibraryStep


@dataclass(frozen=True)
class UpsertRow:
    node_id: str
    title: str
    step_type: str
    content: dict
    visibility: str
    search_text: str


_UPDATED_ON_CONFLICT = (
    "title",
    "step_type",
    "content",
    "visibility",
    "search_text",
    "account_id",
    "last_synced_at",
    "updated_at",
    "is_active",
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
        "search_text",
    ]  # fmt: skip
    return ", ".join(_column(name) for name in names)


def _conflict_clause() -> str:
    assignments = ", ".join(f"{_column(name)} = excluded.{_column(name)}" for name in _UPDATED_ON_CONFLICT)
    return f"ON CONFLICT ({_column('source_tree')}, {_column('source_node_id')}) DO UPDATE SET {assignments}"


def _postgresql_sql(table: str) -> str:
    # Only identifiers from the model's own metadata are interpolated; values are parameters.
    return (
        f"INSERT INTO {table} ({_insert_columns()}) "  # noqa: S608
        "SELECT r.id, r.title, r.step_type, r.content, r.visibility, %s, %s, 0, 0, 0, TRUE, TRUE, "
        "%s, r.node_id, %s, NULL, %s, %s, r.search_text "
        "FROM jsonb_to_recordset(%s::jsonb) AS r(id uuid, node_id text, title text, "
        "step_type text, content jsonb, visibility text, search_text text) "
        # A fixed row order means concurrent upserts of one flow take row locks in one order.
        f"ORDER BY r.node_id {_conflict_clause()}"
    )


def _sqlite_sql(table: str) -> str:
    def field(key: str) -> str:
        return f"json_extract(r.value, '$.{key}')"

    return (
        f"INSERT INTO {table} ({_insert_columns()}) "  # noqa: S608
        f"SELECT {field('id')}, {field('title')}, {field('step_type')}, {field('content')}, "
        f"{field('visibility')}, %s, %s, 0, 0, 0, TRUE, TRUE, %s, {field('node_id')}, %s, NULL, %s, %s, "
        f"{field('search_text')} "
        # `WHERE true` resolves SQLite's parsing ambiguity between a join's ON and ON CONFLICT.
        f"FROM json_each(%s) AS r WHERE true ORDER BY {field('node_id')} {_conflict_clause()}"
    )


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
    vendor = connection.vendor
    as_db_id = (lambda value: value.hex) if vendor == "sqlite" else str
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
            }
            for row in rows
        ],
        separators=(",", ":"),
    )
    table = connection.ops.quote_name(LibraryStep._meta.db_table)
    sql = _sqlite_sql(table) if vendor == "sqlite" else _postgresql_sql(table)
    timestamp = connection.ops.adapt_datetimefield_value(synced_at)
    tree_value = LibraryStep._meta.get_field("source_tree").get_db_prep_value(tree_id, connection)
    params = [created_by_id, account_id, tree_value, timestamp, timestamp, timestamp, payload]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
