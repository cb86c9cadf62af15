"""The flow → step library sync: extraction, planning and the write.

Called by the signal receivers in `steplibrary.signals` (inside the tree's save
transaction, so publishing and syncing commit together), by admin actions and by the
`resync_library` command. A sync is a fixed number of queries for any flow size:
lock the tree row, read the flow's current entries, one upsert, and at most one UPDATE
retiring entries whose nodes are gone.
"""

import logging
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from flows.models import Tree, TreeType
from flows.tree_structure import FlowNode, parse_tree_structure
from steplibrary.models import LibraryStep, StepType, Visibility, build_search_text
from steplibrary.upsert import UpsertRow, upsert_synced_entries

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    """What a sync did (or, for a dry run, would do) to a flow's library entries."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


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
        search_text=build_search_text(node.title, content),
        node_id=node.id,
        title=node.title,
        step_type=StepType.SOLUTION if node.type == "solution" else StepType.ACTION,
        content=content,
        visibility=(node.library_visibility if stepwise else None) or inherited_visibility,
    )


def extract_library_entries(tree: Tree) -> list[UpsertRow]:
    """The library entries a published `tree` should have, in document order.

    Raises TreeStructureError when the structure is not fit to publish.
    """
    nodes = parse_tree_structure(tree.tree_structure, tree.tree_type, require_titles=True)
    inherited = resolve_visibility(tree)
    return [_entry_for_node(node, tree, inherited) for node in nodes if node.is_synced]


def _plan(tree: Tree, rows: list[UpsertRow]) -> SyncResult:
    """Compares the wanted rows with the flow's current entries (one query, hashes only)."""
    current = {
        node_id: (sync_hash, account_id, is_active)
        for node_id, sync_hash, account_id, is_active in LibraryStep.objects.synced_from(tree).values_list(
            "source_node_id", "sync_hash", "account_id", "is_active"
        )
    }
    wanted_ids = {row.node_id for row in rows}
    created = updated = unchanged = 0
    for row in rows:
        existing = current.get(row.node_id)
        if existing is None:
            created += 1
        elif existing == (row.sync_hash, tree.account_id, True):
            unchanged += 1
        else:
            updated += 1
    deactivated = sum(
        1 for node_id, (_, _, is_active) in current.items() if is_active and node_id not in wanted_ids
    )
    return SyncResult(created=created, updated=updated, unchanged=unchanged, deactivated=deactivated)


def steps_plan_sync_from_tree(*, tree: Tree) -> SyncResult:
    """What `steps_sync_from_tree` would do now, without writing anything."""
    return _plan(tree, extract_library_entries(tree))


@transaction.atomic
def steps_sync_from_tree(*, tree: Tree) -> SyncResult:
    """Upserts the published `tree`'s steps into the library and retires entries of removed nodes."""
    # Serialises concurrent syncs of one flow (no-op on SQLite, which has one writer anyway).
    Tree.objects.select_for_update().filter(pk=tree.pk).values_list("pk", flat=True).first()
    rows = extract_library_entries(tree)
    result = _plan(tree, rows)
    synced_at = timezone.now()
    upsert_synced_entries(
        rows=rows,
        tree_id=tree.pk,
        created_by_id=tree.author_id,
        account_id=tree.account_id,
        synced_at=synced_at,
    )
    if result.deactivated:
        # Every entry the upsert wrote carries this sync's timestamp; the rest are gone nodes.
        LibraryStep.objects.synced_from(tree).filter(is_active=True).exclude(last_synced_at=synced_at).update(
            is_active=False, updated_at=synced_at
        )
    logger.info(
        "library sync tree=%s created=%d updated=%d unchanged=%d deactivated=%d",
        tree.pk,
        result.created,
        result.updated,
        result.unchanged,
        result.deactivated,
    )
    return result


def steps_deactivate_for_tree(*, tree: Tree) -> int:
    """Soft-deletes every synced entry of `tree` (deactivated, archived or deleted flow)."""
    count = (
        LibraryStep.objects.synced_from(tree)
        .filter(is_active=True)
        .update(is_active=False, updated_at=timezone.now())
    )
    logger.info("library retire tree=%s deactivated=%d", tree.pk, count)
    return count
