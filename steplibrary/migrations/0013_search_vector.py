"""PostgreSQL only: the ranked full-text search document, kept by the database itself.

`search_vector` is a STORED generated column, so every write path (the sync's single
upsert statement, ORM saves, admin, raw SQL) keeps it right with no Python per row:

- weight A: the title;
- weight B: instructions and help text;
- weight C: the section, command labels and command text, and a second copy of the
  command text with punctuation turned into spaces, so `known_hosts`, `nginx.conf` and
  paths are found by their parts as well as whole.

All of it goes through the 'english' configuration (stemming, stop words) so that the
query side (`websearch_to_tsquery('english', …)`) meets the same lexemes. The command text
is capped (`left(…, 200000)`) to stay far below tsvector's 1 MB limit whatever the input.

Adding a stored generated column rewrites the table once under an exclusive lock (a few
seconds per hundred thousand entries); the GIN index is then built CONCURRENTLY, hence
`atomic = False`. SQLite has no tsvector: there the library keeps its substring search.
"""

from django.db import migrations

COLUMN = "search_vector"
INDEX = "librarystep_search_vector_idx"

COMMANDS = "jsonb_path_query_array(content, '$.commands[*].command')::text"
DOCUMENT = f"""
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig,
         coalesce(content ->> 'instructions', '') || ' ' || coalesce(content ->> 'help_text', '')), 'B')
    || setweight(to_tsvector('english'::regconfig,
         coalesce(content ->> 'group_label', '') || ' '
         || left(jsonb_path_query_array(content, '$.commands[*].label')::text, 20000) || ' '
         || left({COMMANDS}, 200000)), 'C')
    || setweight(to_tsvector('english'::regconfig,
         regexp_replace(left({COMMANDS}, 200000), '[^[:alnum:]]+', ' ', 'g')), 'C')
"""


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE steplibrary_librarystep ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON steplibrary_librarystep USING gin ({COLUMN})"
    )


def drop_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER TABLE steplibrary_librarystep DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("steplibrary", "0012_session_outcomes"),
    ]

    operations = [migrations.RunPython(add_search_vector, drop_search_vector)]
