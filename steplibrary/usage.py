"""Where library entries are used: flows whose nodes were inserted from them (the node keeps
`library_step_id`), and forks."""

import uuid
from collections import defaultdict

from flows.models import Tree
from flows.tree_structure import iter_tree_nodes

LINK_KEY = "library_step_id"


def _linked_nodes(structure) -> list[tuple[str, str]]:
    """(node id, library step id) for every node of a stored structure that carries a link."""
    if not isinstance(structure, dict):
        return []
    if "steps" in structure and isinstance(structure["steps"], list):
        nodes = structure["steps"]
    else:
        nodes = [visit.node for visit in iter_tree_nodes(structure.get("root"))]
    return [
        (node.get("id"), node[LINK_KEY])
        for node in nodes
        if isinstance(node, dict) and isinstance(node.get(LINK_KEY), str)
    ]


def trees_using_steps(step_ids, *, trees=None) -> dict[uuid.UUID, list[Tree]]:
    """For each step id, the flows (from `trees`, default all) with a node inserted from it. One query."""
    wanted = {str(step_id) for step_id in step_ids}
    if not wanted:
        return {}
    candidates = (
        (trees if trees is not None else Tree.objects.all())
        .filter(tree_structure__icontains=LINK_KEY)
        .only("id", "name", "author_id", "tree_structure", "status", "is_active")
    )
    found: dict[uuid.UUID, list[Tree]] = defaultdict(list)
    for tree in candidates:
        used = {step_id for _, step_id in _linked_nodes(tree.tree_structure)} & wanted
        for step_id in used:
            found[uuid.UUID(step_id)].append(tree)
    return found
