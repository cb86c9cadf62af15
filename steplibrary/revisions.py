"""Revision history of library entries: recorded by the sync in one statement, and on every
manual write."""

from datetime import datetime

from django.db import connection
from django.db.models import Max

from flows.models import Tree
from steplibrary.models import LibraryStep, StepRevision, content_hash


def step_current_revision(step: LibraryStep) -> int:
    return StepRevision.objects.filter(step=step).aggregate(number=Max("number"))["number"] or 0


def revision_record(*, step: LibraryStep, user) -> StepRevision | None:
    """Records the entry as it is now, unless its latest revision already says the same."""
    latest = StepRevision.objects.filter(step=step).order_by("-number").first()
    digest = content_hash(step.title, step.step_type, step.content, step.visibility)
    if latest is not None and latest.content_hash == digest:
        return None
    return StepRevision.objects.create(
        step=step,
        number=(latest.number if latest else 0) + 1,
        title=step.title,
        step_type=step.step_type,
        content=step.content,
        visibility=step.visibility,
        content_hash=digest,
        created_by=user if user is not None and user.is_authenticated else None,
        account_id=step.account_id,
        owner_id=step.created_by_id,
    )


def revisions_record_for_sync(*, tree: Tree, synced_at: datetime) -> None:
    """One INSERT … SELECT: a new revision for each entry this sync wrote whose hash differs
    from its latest revision's. Unchanged entries get none; the cost does not grow with them."""
    quote = connection.ops.quote_name
    revisions, steps = quote(StepRevision._meta.db_table), quote(LibraryStep._meta.db_table)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"

    def latest(column: str) -> str:
        return f"(SELECT r.{column} FROM {revisions} r WHERE r.step_id = s.id ORDER BY r.number DESC LIMIT 1)"  # noqa: S608

    # Only identifiers from the models' metadata are interpolated; values are parameters.
    sql = (
        f"INSERT INTO {revisions} (step_id, number, title, step_type, content, visibility, content_hash, "  # noqa: S608
        "source_tree_id, published_at, created_by_id, account_id, owner_id, created_at) "
        f"SELECT s.id, COALESCE({latest('number')}, 0) + 1, s.title, s.step_type, s.content, s.visibility, "
        "s.sync_hash, s.source_tree_id, %s, NULL, s.account_id, s.created_by_id, %s "
        f"FROM {steps} s WHERE s.source_tree_id = %s AND s.is_flow_synced AND s.last_synced_at = %s "
        f"AND s.sync_hash {differs} {latest('content_hash')}"
    )
    timestamp = connection.ops.adapt_datetimefield_value(synced_at)
    published = connection.ops.adapt_datetimefield_value(tree.published_at)
    tree_id = LibraryStep._meta.get_field("source_tree").get_db_prep_value(tree.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [published, timestamp, tree_id, timestamp])
