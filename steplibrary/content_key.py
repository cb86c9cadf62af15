"""The key that tells identical library entries apart from different ones, computed by the
database (a stored generated column), so that every write path — the sync's single upsert,
ORM saves, admin, raw SQL — keeps it right with no Python per row.

Two entries are duplicates when their title, instructions and commands (label, command and
type of each) are the same once normalised: case is ignored, and so is whitespace around
each part, and runs of whitespace inside them become one space (on SQLite, runs of up to
eight spaces, tabs or line breaks). Help text, section,
visibility and type are not part of it: the same step under another section is still the
same step. PostgreSQL stores an MD5 of the normalised text (a B-tree entry must stay small
whatever the instructions' length); SQLite stores the normalised text itself (it has no MD5
and no limit on index entries).
"""

from django.db.models import Expression, TextField

SEPARATOR_PG = "chr(31)"  # a character no text field of a step contains (unit separator)

_PG_PARTS = (
    "coalesce(title, '')",
    "coalesce(content ->> 'instructions', '')",
    "coalesce((content -> 'commands')::text, '[]')",
)
_SQLITE_PARTS = (
    "trim(coalesce(title, ''))",
    "trim(coalesce(json_extract(content, '$.instructions'), ''))",
    "coalesce(json_extract(content, '$.commands'), '[]')",
)


class ContentKey(Expression):
    """`content_key`'s generation expression: plain SQL over the row's own columns, as a
    generated column requires (immutable on PostgreSQL, deterministic on SQLite)."""

    output_field = TextField()

    def as_sql(self, compiler, connection):
        raise NotImplementedError(f"content_key is not defined for {connection.vendor}")

    def as_postgresql(self, compiler, connection):
        joined = f" || {SEPARATOR_PG} || ".join(_PG_PARTS)
        collapsed = f"regexp_replace(lower({joined}), '[[:space:]]+', ' ', 'g')"
        trimmed = f"regexp_replace({collapsed}, ' ?' || {SEPARATOR_PG} || ' ?', {SEPARATOR_PG}, 'g')"
        return f"md5(btrim({trimmed}))", []

    def as_sqlite(self, compiler, connection):
        text = " || char(31) || ".join(_SQLITE_PARTS)
        for blank in ("char(9)", "char(10)", "char(13)"):
            text = f"replace({text}, {blank}, ' ')"
        for _ in range(3):  # halves each run of spaces: runs of up to 8 become one
            text = f"replace({text}, '  ', ' ')"
        return f"lower({text})", []
