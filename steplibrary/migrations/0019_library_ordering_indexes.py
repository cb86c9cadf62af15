"""PostgreSQL only: an index for each order the library list offers (`ordering`, both
directions), over active entries and ending in `id` as every page's order does, so a page in
any order (and a keyset page anywhere in the list) reads only the rows it shows instead of
sorting every match. Descending usage (0006) and descending `works_best` (the model's
`librarystep_works_best_idx`) already have theirs.

Built with CREATE INDEX CONCURRENTLY (no write lock on a running production)."""

from django.db import migrations

INDEXES = {
    "librarystep_active_usage_asc_idx": "usage_count, id",
    "librarystep_active_rating_idx": "rating_avg DESC, id",
    "librarystep_active_rating_asc_idx": "rating_avg, id",
    "librarystep_active_title_idx": "title, id",
    "librarystep_active_title_desc_idx": "title DESC, id",
    "librarystep_active_updated_idx": "updated_at DESC, id",
    "librarystep_active_updated_asc_idx": "updated_at, id",
    "librarystep_active_works_best_asc_idx": "works_best, id",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON steplibrary_librarystep ({columns}) WHERE is_active"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("steplibrary", "0018_merge_content_key_and_hash_rename"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
