"""The impact preview the library answers for flows' preview endpoint (registered in
flows.library): the sync's dry run, plus the visible entries very like each new or changed step."""

from collections.abc import Callable

from flows.models import Tree
from flows.tree_structure import FlowNode
from steplibrary.similar import candidate_for, similar_entries
from steplibrary.sync import steps_preview_sync


def tree_preview(
    *, tree: Tree, user, deactivate: bool, check_nodes: Callable[[list[FlowNode]], None]
) -> dict:
    parsed: list[FlowNode] = []

    def check_then_keep(nodes: list[FlowNode]) -> None:
        check_nodes(nodes)
        parsed.extend(nodes)

    # The extraction inside validates the structure for publishing: one parse, not two.
    preview = steps_preview_sync(tree=tree, deactivate=deactivate, check_nodes=check_then_keep)
    preview["similar"] = _near_duplicates(user, tree, preview, parsed)
    return preview


def _near_duplicates(user, tree: Tree, preview: dict, nodes: list[FlowNode]) -> list[dict]:
    """For each new or changed step: the visible entries very like it (steplibrary.similar)."""
    wanted = {item["node_id"] for item in [*preview.get("added", []), *preview.get("changed", [])]}
    candidates = [candidate_for(node) for node in nodes if node.id in wanted and node.is_synced]
    found = similar_entries(user=user, tree=tree, candidates=candidates)
    return [
        {"node_id": candidate.node_id, "matches": found[candidate.node_id]}
        for candidate in candidates
        if candidate.node_id in found
    ]
