"""PostgreSQL only: a trigram index for substring search over the library.

Built with CREATE INDEX CONCURRENTLY, so a running production keeps writing while it
builds (hence `atomic = False`). SQLite has no such index and skips this migration's work.
"""

from django.db import migrations

INDEX = "librarystep_search_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} "
        "ON steplibrary_librarystep USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("steplibrary", "0003_library_search_text"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
