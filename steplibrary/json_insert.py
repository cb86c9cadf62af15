"""INSERT statements generated from one table of columns, with every row in one JSON parameter.

Django's `bulk_create` sends one parameter per column per row, which SQLite splits into many
statements for large inputs. Sending the rows as one JSON document and expanding it in the
database (`jsonb_to_recordset` on PostgreSQL, `json_each` on SQLite) keeps a write at one
statement for any number of rows, and is the fastest form on both.

A statement is described once, as a tuple of `Column`s: the insert's column list, each
database's SELECT list, the record type and the parameters are all generated from it, so they
cannot drift apart. Only identifiers from the models' own metadata are interpolated into SQL;
values always travel as parameters.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from config.fastjson import dumps


@dataclass(frozen=True)
class Column:
    """One column of a generated INSERT and where its value comes from: exactly one of
    `key` (that key of each JSON row), `constant` (one named parameter for the whole
    statement) or `sql` (an SQL expression, in which `{key}` stands for that key of the row)."""

    field: str  # the model's field name (a foreign key by its name: `account`, not `account_id`)
    key: str | None = None
    constant: str | None = None
    sql: str | None = None
    # An upsert sets it from the new row when the row already exists (see `assignments`).
    on_conflict: bool = False

    def __post_init__(self) -> None:
        if sum(source is not None for source in (self.key, self.constant, self.sql)) != 1:
            raise ValueError(f"column {self.field!r} needs exactly one of key, constant or sql")


class UnsupportedDatabase(RuntimeError):
    """The generated statements speak PostgreSQL and SQLite only."""


@dataclass(frozen=True)
class Dialect:
    """What differs between the two databases, in one place."""

    vendor: str
    # The null-safe "differs" operator (SQLite before 3.39 has no IS DISTINCT FROM).
    differs: str
    # SQLite stores UUIDs as 32 hex digits; PostgreSQL reads the canonical form from JSON.
    uuid_in_json: Callable[[uuid.UUID], str]

    def row_value(self, key: str) -> str:
        return f"r.{key}" if self.vendor == "postgresql" else f"json_extract(r.value, '$.{key}')"

    def rows_source(self, record_type: str) -> str:
        """The FROM clause expanding the JSON parameter into rows."""
        if self.vendor == "postgresql":
            return f"FROM jsonb_to_recordset(%s::jsonb) AS r({record_type})"
        return "FROM json_each(%s) AS r"

    def row_sql(self, template: str, keys: Iterable[str]) -> str:
        """`template` with each `{key}` replaced by that key of the row."""
        return template.format_map({key: self.row_value(key) for key in keys})


_DIALECTS = {
    "postgresql": Dialect("postgresql", "IS DISTINCT FROM", str),
    "sqlite": Dialect("sqlite", "IS NOT", lambda value: value.hex),
}


def dialect_of(connection: BaseDatabaseWrapper) -> Dialect:
    try:
        return _DIALECTS[connection.vendor]
    except KeyError:
        raise UnsupportedDatabase(f"no generated SQL for {connection.vendor}") from None


def null_safe_differs(connection: BaseDatabaseWrapper, left: str, right: str) -> str:
    """SQL that is true when `left` and `right` differ, NULLs compared as values."""
    return f"{left} {dialect_of(connection).differs} {right}"


def _is_uuid(field: models.Field) -> bool:
    target = field.target_field if field.is_relation else field
    return isinstance(target, models.UUIDField)


@dataclass(frozen=True)
class JsonInsert:
    """One INSERT … SELECT … FROM <the rows of one JSON parameter> for `model`."""

    model: type[models.Model]
    columns: tuple[Column, ...]
    order_by: str | None = None  # a row key: rows are written (and locked) in this order

    def field(self, column: Column) -> models.Field:
        return self.model._meta.get_field(column.field)

    def column_name(self, connection: BaseDatabaseWrapper, field_name: str) -> str:
        return connection.ops.quote_name(self.model._meta.get_field(field_name).column)

    def table(self, connection: BaseDatabaseWrapper) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def row_keys(self) -> list[str]:
        return [column.key for column in self.columns if column.key is not None]

    def _select_item(self, dialect: Dialect, column: Column) -> str:
        if column.key is not None:
            return dialect.row_value(column.key)
        return "%s" if column.constant is not None else dialect.row_sql(column.sql, self.row_keys())

    def _record_type(self, connection: BaseDatabaseWrapper) -> str:
        return ", ".join(
            f"{column.key} {self.field(column).db_type(connection)}"
            for column in self.columns
            if column.key is not None
        )

    def sql(
        self, connection: BaseDatabaseWrapper, *, where: str = "true", suffix: str = "", join: str = ""
    ) -> str:
        """The statement; `where` filters the rows (`{key}` as in `Column.sql`); `join` joins
        a table to them (`JOIN … ON …`, `{key}` likewise); `suffix` follows the SELECT
        (ON CONFLICT …, RETURNING …)."""
        dialect = dialect_of(connection)
        names = ", ".join(self.column_name(connection, column.field) for column in self.columns)
        select = ", ".join(self._select_item(dialect, column) for column in self.columns)
        order = f" ORDER BY {dialect.row_value(self.order_by)}" if self.order_by else ""
        source = dialect.rows_source(self._record_type(connection))
        if join:
            source = f"{source} {dialect.row_sql(join, self.row_keys())}"
        # A WHERE is always there: it also resolves SQLite's parsing ambiguity between a join's
        # ON and ON CONFLICT.
        condition = dialect.row_sql(where, self.row_keys())
        into = f"INSERT INTO {self.table(connection)} ({names})"
        return f"{into} SELECT {select} {source} WHERE {condition}{order} {suffix}".rstrip()

    def params(self, connection: BaseDatabaseWrapper, *, rows: Iterable[dict], constants: dict) -> list:
        """The constants in column order, then every row as one JSON document."""
        values = [
            self.field(column).get_db_prep_value(constants[column.constant], connection)
            for column in self.columns
            if column.constant is not None
        ]
        return [*values, self.payload(connection, rows)]

    def payload(self, connection: BaseDatabaseWrapper, rows: Iterable[dict]) -> str:
        dialect = dialect_of(connection)
        uuid_keys = [column.key for column in self.columns if column.key and _is_uuid(self.field(column))]
        if dialect.vendor == "postgresql" or not uuid_keys:
            return dumps(list(rows))

        def converted(row: dict) -> dict:
            row = dict(row)
            for key in uuid_keys:
                if row.get(key) is not None:
                    row[key] = dialect.uuid_in_json(row[key])
            return row

        return dumps([converted(row) for row in rows])

    def assignments(self, connection: BaseDatabaseWrapper) -> str:
        """`col = excluded.col` for every column marked `on_conflict`."""
        return ", ".join(
            f"{name} = excluded.{name}"
            for name in (self.column_name(connection, c.field) for c in self.columns if c.on_conflict)
        )
