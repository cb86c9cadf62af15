"""The flow → step library sync: extraction, planning and the write.

Called by the signal receivers in `steplibrary.signals` (inside the tree's save
transaction, so publishing and syncing commit together), by admin actions and by the
`resync_library` command. A sync is a fixed number of queries for any flow size:
lock the tree row, read the flow's current entries (hashes only), then only if something
changed: one upsert of the created and changed entries (answering their ids), one INSERT of
their revisions, and one UPDATE retiring the entries whose nodes are gone, by id. An
unchanged republish writes nothing; `last_synced_at` is when a publish last wrote the entry.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Count, F
from django.utils import timezone

from flows.library import SyncResult
from flows.models import Tree, TreeType
from flows.tree_structure import FlowNode, parse_tree_structure
from steplibrary.diff import diff_versions
from steplibrary.models import (
    VERSIONED_FIELDS,
    LibraryStep,
    StepType,
    Visibility,
    version_of,
)
from steplibrary.notices import notices_notify
from steplibrary.revisions import revisions_record_for_sync
from steplibrary.secret_checks import secrets_ensure_tree_allowed, tree_secret_findings
from steplibrary.upsert import SyncSource, UpsertRow, upsert_synced_entries
from steplibrary.usage import trees_using_steps

logger = logging.getLogger(__name__)


def resolve_visibility(tree: Tree) -> str:
    """The seed's table: public flows give public entries; every other flow gives team entries."""
    return Visibility.PUBLIC if tree.is_public else Visibility.TEAM


def _command_entries(node: FlowNode) -> list[dict]:
    return [
        {"label": command.label or "", "command": command.code, "command_type": command.language}
        for command in node.commands
    ]


def _entry_for_node(node: FlowNode, tree: Tree, inherited_visibility: str) -> UpsertRow:
    stepwise = tree.tree_type != TreeType.TROUBLESHOOTING
    content = {
        "instructions": node.description or node.title,
        "help_text": node.expected_outcome if stepwise else None,
        "commands": _command_entries(node) if stepwise else [],
        "group_label": node.group_label if stepwise else None,
    }
    return UpsertRow(
        node_id=node.id,
        title=node.title,
        step_type=StepType.SOLUTION if node.type == "solution" else StepType.ACTION,
        content=content,
        visibility=(node.library_visibility if stepwise else None) or inherited_visibility,
    )


def _parse_for_publish(tree: Tree) -> tuple[list[FlowNode], list[UpsertRow]]:
    nodes = parse_tree_structure(tree.tree_structure, tree.tree_type, require_titles=True)
    inherited = resolve_visibility(tree)
    return nodes, [_entry_for_node(node, tree, inherited) for node in nodes if node.is_synced]


def extract_library_entries(tree: Tree) -> list[UpsertRow]:
    """The library entries a published `tree` should have, in document order.

    Raises TreeStructureError when the structure is not fit to publish.
    """
    return _parse_for_publish(tree)[1]


@dataclass
class SyncPlan:
    """A sync worked out before writing: the counts, and which entries change or retire.

    Only `writes` reach the database: an unchanged entry is not rewritten (nor its
    `last_synced_at` moved), so republishing an unchanged flow writes nothing."""

    result: SyncResult
    rows: list[UpsertRow]
    # Created and changed entries, and held ones whose content moved (it follows the flow).
    writes: list[UpsertRow] = field(default_factory=list)
    created: list[UpsertRow] = field(default_factory=list)
    changed: dict = field(default_factory=dict)  # step id -> the row that replaces it
    content_changed: set = field(default_factory=set)  # step ids whose content hash differs
    retired: dict = field(default_factory=dict)  # step id -> title


def _plan(tree: Tree, rows: list[UpsertRow]) -> SyncPlan:
    """Compares the wanted rows with the flow's current entries (one query, hashes only)."""
    existing_rows = LibraryStep.objects.synced_from(tree).values_list(
        "source_node_id", "id", "title", "content_hash", "account_id", "is_active", "taken_down_at"
    )
    current, held_ids = {}, set()
    for node_id, step_id, title, digest, account_id, is_active, taken_down_at in existing_rows:
        current[node_id] = (step_id, title, digest, account_id, is_active)
        if taken_down_at is not None:
            held_ids.add(step_id)
    plan = SyncPlan(result=SyncResult(), rows=rows)
    unchanged = held = 0
    for row in rows:
        existing = current.get(row.node_id)
        if existing is None:
            plan.created.append(row)
            plan.writes.append(row)
        elif existing[0] in held_ids:
            held += 1  # the upsert keeps it inactive; nobody is told of its changes
            if existing[2:4] != (row.content_hash, tree.account_id):
                plan.writes.append(row)
        elif existing[2:] == (row.content_hash, tree.account_id, True):
            unchanged += 1
        else:
            plan.changed[existing[0]] = row
            plan.writes.append(row)
            if existing[2] != row.content_hash:
                plan.content_changed.add(existing[0])
    wanted_ids = {row.node_id for row in rows}
    plan.retired = {
        step_id: title
        for node_id, (step_id, title, _, _, is_active) in current.items()
        if is_active and node_id not in wanted_ids
    }
    plan.result = SyncResult(
        created=len(plan.created),
        updated=len(plan.changed),
        unchanged=unchanged,
        deactivated=len(plan.retired),
        held=held,
    )
    return plan


def steps_plan_sync_from_tree(*, tree: Tree) -> SyncResult:
    """What `steps_sync_from_tree` would do now, without writing anything (and, like it,
    raises SecretFindingsError for secret findings without an allowance)."""
    nodes, rows = _parse_for_publish(tree)
    secrets_ensure_tree_allowed(tree=tree, nodes=nodes)
    return _plan(tree, rows).result


@transaction.atomic
def steps_sync_from_tree(*, tree: Tree) -> SyncResult:
    """Upserts the published `tree`'s steps into the library and retires entries of removed nodes.

    Entries that changed get a revision, and the people who forked or use them an update.
    """
    # Serialises concurrent syncs of one flow (no-op on SQLite, which has one writer anyway).
    Tree.objects.select_for_update().filter(pk=tree.pk).values_list("pk", flat=True).first()
    nodes, rows = _parse_for_publish(tree)
    # Every publish path ends here, so this is where a suspected secret stops a publish
    # (read after the lock: an allowance being recorded for this flow has committed).
    secrets_ensure_tree_allowed(tree=tree, nodes=nodes)
    plan = _plan(tree, rows)
    result = plan.result
    synced_at = timezone.now()
    using = tree._state.db or DEFAULT_DB_ALIAS
    source = SyncSource(
        tree_id=tree.pk, created_by_id=tree.author_id, account_id=tree.account_id, synced_at=synced_at
    )
    written = upsert_synced_entries(rows=plan.writes, source=source, using=using)
    if plan.retired:
        LibraryStep.objects.using(using).filter(pk__in=plan.retired).update(
            is_active=False, updated_at=synced_at, version=F("version") + 1
        )
    revisions_record_for_sync(tree=tree, step_ids=list(written.values()), synced_at=synced_at, using=using)
    # Only entries whose content changed are news; a reactivation or an account move is not.
    changed = {step_id: plan.changed[step_id].title for step_id in plan.content_changed}
    notices_notify(tree=tree, changed=changed, retired=plan.retired)
    logger.info(
        "library sync tree=%s created=%d updated=%d unchanged=%d deactivated=%d held=%d",
        tree.pk,
        result.created,
        result.updated,
        result.unchanged,
        result.deactivated,
        result.held,
    )
    return result


# Diffs in a preview are for a person to read: past this many changed entries the rest are
# listed (node, title, forks, flows) without their field-by-field changes. Large flows then
# cost a fixed amount of diffing, and the answer stays small.
PREVIEW_DIFF_LIMIT = 100


def steps_preview_sync(
    *,
    tree: Tree,
    deactivate: bool = False,
    check_nodes: Callable[[list[FlowNode]], None] | None = None,
) -> dict:
    """What publishing `tree` as it is in memory (or deactivating it) would do to the library,
    entry by entry, with diffs (the first PREVIEW_DIFF_LIMIT), secret findings and who is
    affected. Writes nothing.

    Raises TreeStructureError when publishing, and the structure is not fit to publish.
    `check_nodes` sees the parsed nodes first (the caller's own checks, without a second parse).
    """
    nodes, rows = ([], []) if deactivate else _parse_for_publish(tree)
    if check_nodes is not None and not deactivate:
        check_nodes(nodes)
    plan = _plan(tree, rows)
    if deactivate:
        plan.created, plan.changed, plan.result = [], {}, SyncResult(deactivated=len(plan.retired))
    touched = [*plan.changed, *plan.retired]
    diffed = list(plan.changed)[:PREVIEW_DIFF_LIMIT]
    old_versions = {
        step.pk: step
        for step in LibraryStep.objects.filter(pk__in=touched).only("id", "title", "source_node_id")
    }
    old_contents = {
        step.pk: step for step in LibraryStep.objects.filter(pk__in=diffed).only(*_VERSION_FIELDS)
    }
    forks = dict(
        LibraryStep.objects.filter(forked_from_id__in=touched, is_active=True)
        .values("forked_from_id")
        .annotate(n=Count("id"))
        .values_list("forked_from_id", "n")
    )
    flows = {step_id: len(trees) for step_id, trees in trees_using_steps(touched, exclude_tree=tree).items()}

    def impact(step_id) -> dict:
        step = old_versions[step_id]
        return {
            "step_id": str(step_id),
            "node_id": step.source_node_id,
            "title": step.title,
            "forks": forks.get(step_id, 0),
            "flows": flows.get(step_id, 0),
        }

    def changes(step_id, row: UpsertRow) -> dict | None:
        if step_id not in old_contents:
            return None
        return diff_versions(version_of(old_contents[step_id]), version_of(row))

    return {
        **plan.result.as_dict(),
        "added": [{"node_id": row.node_id, "title": row.title} for row in plan.created],
        "changed": [
            {**impact(step_id), "title": row.title, "changes": changes(step_id, row)}
            for step_id, row in plan.changed.items()
        ],
        "retired": [impact(step_id) for step_id in plan.retired],
        "secret_findings": [] if deactivate else _secret_findings(tree, nodes),
        "diffs_truncated": len(plan.changed) > len(diffed),
    }


def _secret_findings(tree: Tree, nodes: list[FlowNode]) -> list[dict]:
    found = tree_secret_findings(tree=tree, nodes=nodes)
    return [finding.as_dict(allowed=allowed) for finding, allowed in found]


_VERSION_FIELDS = ("id", "source_node_id", *VERSIONED_FIELDS)


def steps_deactivate_for_tree(*, tree: Tree) -> int:
    """Soft-deletes every synced entry of `tree` (deactivated, archived or deleted flow), and
    tells those who forked or use them."""
    active = LibraryStep.objects.synced_from(tree).filter(is_active=True)
    retired = dict(active.values_list("id", "title"))
    count = active.update(is_active=False, updated_at=timezone.now(), version=F("version") + 1)
    notices_notify(tree=tree, changed={}, retired=retired)
    logger.info("library retire tree=%s deactivated=%d", tree.pk, count)
    return count
