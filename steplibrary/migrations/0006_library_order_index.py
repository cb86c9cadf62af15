"""PostgreSQL only: an index in the library's default order (most used first), over active
entries, so a page of a broad search stops after reading the rows it shows.

Built with CREATE INDEX CONCURRENTLY (no write lock on a running production)."""

from django.db import migrations

INDEX = "librarystep_active_usage_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} "
        "ON steplibrary_librarystep (usage_count DESC, id) WHERE is_active"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("steplibrary", "0005_library_sync_hash"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
