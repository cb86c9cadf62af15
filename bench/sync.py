"""Sync benchmark: publishing an N-step flow, ours next to the raw-SQL limit and the naive peer."""

import statistics
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from flows.models import Tree
from flows.samples import procedural_structure
from flows.services import tree_publish
from steplibrary.models import LibraryStep
from steplibrary.sync import extract_library_entries
from steplibrary.upsert import UpsertRow, upsert_params, upsert_statement


def _timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _edited(structure: dict) -> dict:
    """The republish: 10% of steps edited, 5% removed."""
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


# ---- ours --------------------------------------------------------------------------


def ours_first(author, size: int) -> tuple[float, int]:
    tree = _new_tree(author, size)
    with CaptureQueriesContext(connection) as queries:
        seconds = _timed(lambda: tree_publish(tree=tree))
    return seconds, len(queries)


def ours_republish(author, size: int) -> tuple[float, int]:
    tree = _new_tree(author, size)
    tree_publish(tree=tree)
    tree.tree_structure = _edited(tree.tree_structure)
    with CaptureQueriesContext(connection) as queries:
        seconds = _timed(tree.save)
    return seconds, len(queries)


# ---- the limit: one hand-written INSERT … ON CONFLICT DO UPDATE ----------------------


def _limit_sql(row_count: int) -> str:
    placeholders = ", ".join(
        ["(%s, %s, %s, %s, %s, %s, %s, %s, 0, 0, 0, TRUE, TRUE, %s, %s, %s, %s, %s, %s)"] * row_count
    )
    return (
        "INSERT INTO steplibrary_librarystep (id, title, step_type, content, visibility, search_text, content_hash, "
        "created_by_id, usage_count, rating_count, rating_avg, is_active, is_flow_synced, account_id, "
        "source_tree_id, source_node_id, last_synced_at, created_at, updated_at) "
        f"VALUES {placeholders} "
        "ON CONFLICT (source_tree_id, source_node_id) DO UPDATE SET title = excluded.title, "
        "step_type = excluded.step_type, content = excluded.content, visibility = excluded.visibility, "
        "search_text = excluded.search_text, content_hash = excluded.content_hash, account_id = excluded.account_id, "
        "last_synced_at = excluded.last_synced_at, updated_at = excluded.updated_at, is_active = TRUE"
    )


def _limit_params(tree: Tree, rows: list[UpsertRow]) -> list:
    import json
    import uuid

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


def _limit_variants(tree: Tree, rows: list[UpsertRow]) -> dict[str, tuple[str, list]]:
    """Two hand-written forms of the one statement; the faster one is the limit."""
    json_params = upsert_params(
        rows=sorted(rows, key=lambda row: row.node_id),
        tree_id=tree.pk,
        created_by_id=tree.author_id,
        account_id=tree.account_id,
        synced_at=timezone.now(),
    )
    return {
        "values": (_limit_sql(len(rows)), _limit_params(tree, rows)),
        "json": (upsert_statement(), json_params),
    }


def _run_limit(tree: Tree, rows: list[UpsertRow], retire: bool, variant: str) -> float:
    sql, params = _limit_variants(tree, rows)[variant]

    def run() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            if retire:
                node_ids = [row.node_id for row in rows]
                LibraryStep.objects.filter(source_tree=tree, is_active=True).exclude(
                    source_node_id__in=node_ids
                ).update(is_active=False)

    return _timed(run)


def limit_first(author, size: int, variant: str) -> float:
    tree = _new_tree(author, size)
    return _run_limit(tree, extract_library_entries(tree), retire=False, variant=variant)


def limit_republish(author, size: int, variant: str) -> float:
    tree = _new_tree(author, size)
    tree_publish(tree=tree)
    tree.tree_structure = _edited(tree.tree_structure)
    return _run_limit(tree, extract_library_entries(tree), retire=True, variant=variant)


# ---- the naive peer: update_or_create per row ------------------------------------------


def _run_naive(tree: Tree, rows: list[UpsertRow], retire: bool) -> float:
    def run() -> None:
        with transaction.atomic():
            for row in rows:
                LibraryStep.objects.update_or_create(
                    source_tree=tree,
                    source_node_id=row.node_id,
                    defaults={
                        "title": row.title,
                        "step_type": row.step_type,
                        "content": row.content,
                        "visibility": row.visibility,
                        "account": tree.account,
                        "is_active": True,
                        "last_synced_at": timezone.now(),
                    },
                    create_defaults={
                        "title": row.title,
                        "step_type": row.step_type,
                        "content": row.content,
                        "visibility": row.visibility,
                        "account": tree.account,
                        "created_by": tree.author,
                        "is_flow_synced": True,
                        "last_synced_at": timezone.now(),
                    },
                )
            if retire:
                wanted = {row.node_id for row in rows}
                for step in LibraryStep.objects.filter(source_tree=tree, is_active=True):
                    if step.source_node_id not in wanted:
                        step.is_active = False
                        step.save()

    return _timed(run)


def naive_first(author, size: int) -> float:
    tree = _new_tree(author, size)
    return _run_naive(tree, extract_library_entries(tree), retire=False)


def naive_republish(author, size: int) -> float:
    tree = _new_tree(author, size)
    tree_publish(tree=tree)
    tree.tree_structure = _edited(tree.tree_structure)
    return _run_naive(tree, extract_library_entries(tree), retire=True)


def median(values: list[float]) -> float:
    return statistics.median(values)
