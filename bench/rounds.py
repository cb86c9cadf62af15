"""How the sync benchmark measures: interleaved rounds, ratios per round, ANALYZE per phase,
and the scale case with many other flows in the database.

Each round runs every contender once (ours, the limit, the naive peer), in an order that
rotates from round to round, so a neighbour's burst of load or the table's growth falls on
all of them alike; the figure reported is the median of the per-round ratios, for wall time
and for CPU time (this process plus the PostgreSQL backend serving it).
"""

import statistics
import time
from collections.abc import Callable

from django.db import connection

from bench import sync
from bench.sync import Timing
from flows.models import Tree, TreeRevision, TreeStepLink, TreeWorkingCopy
from steplibrary.models import LibraryStep, Notice, SecretAllowance, StepRating, StepRevision

# Emptied between phases, dependants first; named through the models so a renamed model
# or table cannot leave the benchmark behind.
LIBRARY_TABLES = tuple(
    model._meta.db_table
    for model in (
        Notice,
        StepRevision,
        StepRating,
        SecretAllowance,
        LibraryStep,
        TreeStepLink,
        TreeRevision,
        TreeWorkingCopy,
        Tree,
    )
)


def analyze() -> None:
    """Fresh planner statistics (autovacuum is off on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def reset_library() -> None:
    """Empties flows and the library between phases, keeping users and accounts."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks still pending (inside a test's transaction) block TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(LIBRARY_TABLES)} CASCADE")
        else:
            for table in LIBRARY_TABLES:
                cursor.execute(f"DELETE FROM {table}")


def _ratio_summary(rounds: list[dict[str, Timing]], numerator: str, denominator: str) -> dict:
    wall = [r[numerator].wall / r[denominator].wall for r in rounds]
    cpu = [r[numerator].cpu / r[denominator].cpu for r in rounds if r[denominator].cpu > 0]
    return {
        "wall": statistics.median(wall),
        "cpu": statistics.median(cpu) if cpu else None,
        "min": min(wall),
        "max": max(wall),
    }


def interleaved(contenders: dict[str, Callable[[], Timing]], rounds: int) -> list[dict[str, Timing]]:
    names = list(contenders)
    results = []
    for index in range(rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        results.append({name: contenders[name]() for name in order})
    return results


def _medians(rounds: list[dict[str, Timing]]) -> dict:
    names = rounds[0].keys()
    return {f"{name}_ms": statistics.median(r[name].wall for r in rounds) * 1000 for name in names} | {
        f"{name}_queries": max(r[name].queries for r in rounds) for name in names
    }


def phase_figures(author, size: int, phase: str, rounds: int, with_naive: bool) -> dict:
    """One phase (`first` or `changed`) at one size: ours, the limit and (optionally) naive."""
    reset_library()
    analyze()
    contenders = {
        "ours": lambda: getattr(sync, f"ours_{phase}")(author, size),
        "limit": lambda: getattr(sync, f"limit_{phase}")(author, size),
    }
    if with_naive:
        contenders["naive"] = lambda: getattr(sync, f"naive_{phase}")(author, size)
    results = interleaved(contenders, rounds)
    figures = {"steps": size, "phase": phase, "rounds": rounds, **_medians(results)}
    figures["ours_over_limit"] = _ratio_summary(results, "ours", "limit")
    if with_naive:
        figures["naive_over_ours"] = _ratio_summary(results, "naive", "ours")
    return figures


def unchanged_figures(author, size: int, rounds: int) -> dict:
    """Per round: a first publish, a publish of an unchanged published flow, and a resync of
    one, all of the same size."""
    reset_library()
    analyze()
    results = interleaved(
        {
            "first": lambda: sync.ours_first(author, size),
            "unchanged": lambda: sync.ours_unchanged(author, size),
            "resync": lambda: sync.ours_resync(author, size),
        },
        rounds,
    )
    return {
        "steps": size,
        "phase": "unchanged",
        "rounds": rounds,
        **_medians(results),
        "unchanged_over_first": _ratio_summary(results, "unchanged", "first"),
        "resync_over_first": _ratio_summary(results, "resync", "first"),
    }


# ---- the scale case: many other flows in the database (PostgreSQL) ---------------------


def scale_figures(author, size: int, rounds: int, other_flows: int) -> dict:
    """Publish, changed republish and preview of a `size`-step flow in an empty database,
    then again once `other_flows` other flows (and their entries and links) are in it.
    The two states cannot be interleaved; each is measured in rotating rounds after ANALYZE."""

    def measure() -> list[dict[str, Timing]]:
        analyze()
        return interleaved(
            {
                "publish": lambda: sync.ours_first(author, size),
                "changed": lambda: sync.ours_changed(author, size),
                "preview": lambda: sync.ours_preview(author, size),
            },
            rounds,
        )

    reset_library()
    empty = measure()
    started = time.perf_counter()
    build_other_flows(author, other_flows)
    build_seconds = time.perf_counter() - started
    full = measure()
    figures = {"steps": size, "other_flows": other_flows, "rounds": rounds, "build_s": build_seconds}
    for name in ("publish", "changed", "preview"):
        empty_wall = statistics.median(r[name].wall for r in empty)
        full_wall = statistics.median(r[name].wall for r in full)
        empty_cpu = statistics.median(r[name].cpu for r in empty)
        full_cpu = statistics.median(r[name].cpu for r in full)
        figures[name] = {
            "empty_ms": empty_wall * 1000,
            "full_ms": full_wall * 1000,
            "wall_ratio": full_wall / empty_wall,
            "cpu_ratio": full_cpu / empty_cpu if empty_cpu else None,
            "queries": (max(r[name].queries for r in empty), max(r[name].queries for r in full)),
        }
    return figures


def build_other_flows(author, count: int, pool_size: int = 1000) -> None:
    """`count` published flows of one linked step each, with their synced entries and link
    rows, in a few set-based statements. The links point at `pool_size` entries of one
    popular flow, not at the flows being measured: they are what a publish must not read."""
    popular = sync._published(author, pool_size)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_pool AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
            "FROM steplibrary_librarystep WHERE source_tree_id = %s",
            [popular.pk],
        )
        cursor.execute(_OTHER_FLOWS, [author.account_id, author.pk, count, pool_size])
        cursor.execute(_OTHER_ENTRIES, [author.pk])
        cursor.execute(_OTHER_LINKS)
        cursor.execute("DROP TABLE bench_pool")


_OTHER_FLOWS = """
INSERT INTO flows_tree (id, name, description, tree_type, tree_structure, status, is_public,
    is_active, account_id, author_id, created_at, updated_at, published_at, linked_step_ids, version)
SELECT gen_random_uuid(), 'Other flow ' || g, '', 'procedural',
    jsonb_build_object('steps', jsonb_build_array(jsonb_build_object('id', 's1',
        'type', 'procedure_step', 'title', 'Check service ' || g, 'library_step_id', p.id::text))),
    'published', FALSE, TRUE, %s, %s, now(), now(), now(), jsonb_build_array(p.id::text), 1
FROM generate_series(1, %s) AS g JOIN bench_pool p ON p.n = g %% %s
"""

_OTHER_ENTRIES = """
INSERT INTO steplibrary_librarystep (id, title, step_type, content, visibility, created_by_id,
    account_id, usage_count, rating_count, rating_avg, is_active, is_flow_synced, source_tree_id,
    source_node_id, last_synced_at, created_at, updated_at, search_text, content_hash)
SELECT gen_random_uuid(), t.tree_structure #>> '{steps,0,title}', 'action',
    jsonb_build_object('instructions', t.tree_structure #>> '{steps,0,title}', 'help_text', NULL,
        'commands', '[]'::jsonb, 'group_label', NULL),
    'team', %s, t.account_id, 0, 0, 0, TRUE, TRUE, t.id, 's1', now(), now(), now(),
    lower(t.tree_structure #>> '{steps,0,title}'), md5(t.id::text)
FROM flows_tree t WHERE t.name LIKE 'Other flow %%'
"""

_OTHER_LINKS = """
INSERT INTO flows_treesteplink (tree_id, node_id, step_id)
SELECT t.id, 's1', (t.tree_structure #>> '{steps,0,library_step_id}')::uuid
FROM flows_tree t WHERE t.name LIKE 'Other flow %'
"""
