"""Content hashes are computed from orjson's encoding since this release. It differs from the
standard library's only for text outside ASCII (written as UTF-8, not as \\u escapes), so
entries and revisions holding such text get their hash recomputed here, once: otherwise the
next publish would take every one of them for changed and rewrite it."""

import hashlib

import orjson
from django.db import migrations

FIELDS = ("title", "step_type", "content", "visibility")  # steplibrary.models.VERSIONED_FIELDS
BATCH = 2000


def _hash(values: tuple) -> str | None:
    try:
        encoded = orjson.dumps(list(values), option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None  # text the audit repairs (lone surrogates): left for `audit_data --fix`
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()


def _rehash(model, using: str) -> None:
    rows = model.objects.using(using).values_list("pk", "content_hash", *FIELDS).order_by("pk")
    stale = []
    for pk, stored, *values in rows.iterator(chunk_size=BATCH):
        digest = _hash(tuple(values))
        if digest is not None and digest != stored:
            stale.append(model(pk=pk, content_hash=digest))
    model.objects.using(using).bulk_update(stale, ["content_hash"], batch_size=BATCH)


def rehash(apps, schema_editor):
    for name in ("LibraryStep", "StepRevision"):
        _rehash(apps.get_model("steplibrary", name), schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("steplibrary", "0016_rename_sync_hash_to_content_hash"),
    ]

    # Backwards: the old hashes are not needed to go back (a publish after that would record
    # revisions for the entries with non-ASCII text, nothing worse).
    operations = [migrations.RunPython(rehash, migrations.RunPython.noop)]
