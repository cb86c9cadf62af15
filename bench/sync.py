"""Sync benchmark cases: publishing an N-step flow, ours next to the raw-SQL limit and the
naive peer. Each case builds what it needs untimed and times only the write; `bench.rounds`
runs them interleaved.
"""

import json
import os
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from flows import tree_structure
from flows.models import Tree
from flows.samples import procedural_structure
from flows.services import tree_publish, tree_update, tree_working_copy_publish
from steplibrary.models import LibraryStep
from steplibrary.revisions import revision_record
from steplibrary.sync import extract_library_entries, steps_preview_sync, steps_sync_from_tree
from steplibrary.upsert import SyncSource, UpsertRow, upsert_params, upsert_statement


@dataclass(frozen=True)
class Timing:
    """Wall seconds, and CPU seconds of this process plus the database server's backend
    serving it (PostgreSQL on this machine; SQLite runs inside this process)."""

    wall: float
    cpu: float
    queries: int = 0


def _backend_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backend of this connection (0 elsewhere)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(run: Callable[[], object]) -> Timing:
    # A request parses its structure afresh: the parse the case's setup left behind is dropped.
    tree_structure._last_parsed = None
    connection.queries_log.clear()  # a full log (the naive peer's) would hide what follows
    backend, process = _backend_cpu(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run()
        wall = time.perf_counter() - started
    cpu = time.process_time() - process + _backend_cpu() - backend
    return Timing(wall=wall, cpu=cpu, queries=len(queries))


def _edited(structure: dict) -> dict:
    """The changed republish: 10% of steps edited, 5% removed."""
    steps = [dict(node) for node in structure["steps"]]
    step_indexes = [index for index, node in enumerate(steps) if node["type"] == "procedure_step"]
    for index in step_indexes[::10]:
        steps[index]["title"] += " (revised)"
    removed = set(step_indexes[5::20])
    return {"steps": [node for index, node in enumerate(steps) if index not in removed]}


def _new_tree(author, size: int, structure: dict | None = None) -> Tree:
    return Tree.objects.create(
        name=f"Bench flow {size}",
        tree_type="procedural",
        tree_structure=structure or procedural_structure(size, sections=max(1, size // 20)),
        author=author,
        account=author.account,
    )


def _published(author, size: int) -> Tree:
    tree = _new_tree(author, size)
    tree_publish(tree=tree)
    return tree


# ---- ours --------------------------------------------------------------------------


def ours_first(author, size: int) -> Timing:
    tree = _new_tree(author, size)
    return timed(lambda: tree_publish(tree=tree))


def ours_changed(author, size: int) -> Timing:
    tree = _published(author, size)
    structure = _edited(tree.tree_structure)
    return timed(lambda: tree_update(tree=tree, tree_structure=structure))


def ours_unchanged(author, size: int) -> Timing:
    """Publish on a published flow with nothing changed (the editor's Publish, the
    `/publish/` endpoint): validated, and nothing to save or sync."""
    tree = _published(author, size)
    return timed(lambda: tree_working_copy_publish(tree=tree, user=author))


def ours_resync(author, size: int) -> Timing:
    """A resync of a published flow that has not changed (what `resync_library` or a
    reactivation does): the sync parses, scans and compares, and writes nothing."""
    tree = _published(author, size)
    return timed(lambda: steps_sync_from_tree(tree=tree))


def ours_preview(author, size: int) -> Timing:
    tree = _published(author, size)
    tree.tree_structure = _edited(tree.tree_structure)
    return timed(lambda: steps_preview_sync(tree=tree))


# ---- the limit: one hand-written INSERT … ON CONFLICT DO UPDATE ----------------------


def _values_sql(row_count: int) -> str:
    placeholders = ", ".join(
        ["(%s, %s, %s, %s, %s, %s, %s, %s, 0, 0, 0, TRUE, TRUE, %s, %s, %s, %s, %s, %s)"] * row_count
    )
    return (
        "INSERT INTO steplibrary_librarystep (id, title, step_type, content, visibility, search_text, "
        "content_hash, created_by_id, usage_count, rating_count, rating_avg, is_active, is_flow_synced, "
        "account_id, source_tree_id, source_node_id, last_synced_at, created_at, updated_at) "
        f"VALUES {placeholders} "
        "ON CONFLICT (source_tree_id, source_node_id) DO UPDATE SET title = excluded.title, "
        "step_type = excluded.step_type, content = excluded.content, visibility = excluded.visibility, "
        "search_text = excluded.search_text, content_hash = excluded.content_hash, "
        "account_id = excluded.account_id, last_synced_at = excluded.last_synced_at, "
        "updated_at = excluded.updated_at, is_active = TRUE"
    )


def _values_params(tree: Tree, rows: list[UpsertRow]) -> list:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sqlite = connection.vendor == "sqlite"
    tree_id = tree.pk.hex if sqlite else tree.pk
    params: list = []
    for row in sorted(rows, key=lambda row: row.node_id):
        params += [
            uuid.uuid4().hex if sqlite else uuid.uuid4(),
            row.title,
            row.step_type,
            json.dumps(row.content),
            row.visibility,
            row.search_text,
            row.content_hash,
            tree.author_id,
            tree.account_id,
            tree_id,
            row.node_id,
            now,
            now,
            now,
        ]
    return params


# Revision 1 of every entry the upsert wrote, set-based: the limit's revisions, written as a
# first publish needs them (ours writes the same rows through its generated INSERT).
_LIMIT_REVISIONS = (
    "INSERT INTO steplibrary_steprevision (step_id, number, title, step_type, content, visibility, "
    "content_hash, source_tree_id, published_at, created_by_id, account_id, owner_id, created_at) "
    "SELECT id, 1, title, step_type, content, visibility, content_hash, source_tree_id, %s, NULL, "
    "account_id, created_by_id, %s FROM steplibrary_librarystep WHERE source_tree_id = %s"
)


def _limit_statements(tree: Tree, rows: list[UpsertRow], form: str, revisions: bool) -> list[tuple]:
    if form == "values":
        upsert = (_values_sql(len(rows)), _values_params(tree, rows))
    else:
        source = SyncSource(
            tree_id=tree.pk,
            created_by_id=tree.author_id,
            account_id=tree.account_id,
            synced_at=timezone.now(),
        )
        params = upsert_params(rows=sorted(rows, key=lambda row: row.node_id), source=source)
        upsert = (upsert_statement(), params)
    statements = [upsert]
    if revisions:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        tree_id = tree.pk.hex if connection.vendor == "sqlite" else tree.pk
        statements.append((_LIMIT_REVISIONS, [now, now, tree_id]))
    return statements


def _run_statements(statements: list[tuple], retire: Callable[[], None] | None = None) -> Timing:
    def run() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
            if retire is not None:
                retire()

    return timed(run)


def limit_first(author, size: int, form: str = "json") -> Timing:
    """The upsert of every row in one statement, plus revision 1 of each in one more."""
    tree = _new_tree(author, size)
    return _run_statements(_limit_statements(tree, extract_library_entries(tree), form, revisions=True))


def limit_changed(author, size: int, form: str = "json") -> Timing:
    """The upsert of every row of the edited flow and one UPDATE retiring the removed nodes
    (no revisions: the changed rows' revisions are ours alone, on top)."""
    tree = _published(author, size)
    tree.tree_structure = _edited(tree.tree_structure)
    rows = extract_library_entries(tree)
    node_ids = [row.node_id for row in rows]

    def retire() -> None:
        LibraryStep.objects.filter(source_tree=tree, is_active=True).exclude(
            source_node_id__in=node_ids
        ).update(is_active=False)

    return _run_statements(_limit_statements(tree, rows, form, revisions=False), retire)


# ---- the naive peer: update_or_create per row, a revision per row ----------------------


def _run_naive(tree: Tree, rows: list[UpsertRow], retire: bool) -> Timing:
    """The same writes as ours, done the obvious way: `update_or_create` of each entry, then its
    revision as a manual edit records one (the latest read, the next one added when the entry
    differs from it), then retiring the removed nodes' entries one `save()` at a time."""

    def run() -> None:
        with transaction.atomic():
            synced_at = timezone.now()
            published_at = tree.published_at or synced_at
            for row in rows:
                fields = {
                    "title": row.title,
                    "step_type": row.step_type,
                    "content": row.content,
                    "visibility": row.visibility,
                    "account": tree.account,
                    "last_synced_at": synced_at,
                }
                step, _ = LibraryStep.objects.update_or_create(
                    source_tree=tree,
                    source_node_id=row.node_id,
                    defaults={**fields, "is_active": True},
                    create_defaults={**fields, "created_by": tree.author, "is_flow_synced": True},
                )
                revision_record(step=step, user=None, source_tree=tree, published_at=published_at)
            if retire:
                wanted = {row.node_id for row in rows}
                for step in LibraryStep.objects.filter(source_tree=tree, is_active=True):
                    if step.source_node_id not in wanted:
                        step.is_active = False
                        step.save()

    return timed(run)


def naive_first(author, size: int) -> Timing:
    tree = _new_tree(author, size)
    return _run_naive(tree, extract_library_entries(tree), retire=False)


def naive_changed(author, size: int) -> Timing:
    tree = _published(author, size)
    tree.tree_structure = _edited(tree.tree_structure)
    return _run_naive(tree, extract_library_entries(tree), retire=True)


def median(values: list[float]) -> float:
    return statistics.median(values)
