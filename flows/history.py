"""Flow history: what changed node by node between two structures, and the version that
working-copy and history writes compare `If-Match` against.

The diff reads stored structures as they are (a revision may predate a validation rule), so
anything that is not a node with a string id is ignored rather than trusted.
"""

from typing import Any

from django.db.models import Max

from flows.tree_structure import iter_tree_nodes

# Keys that hold structure rather than a node's own content.
_STRUCTURAL_KEYS = {"id", "children"}


class VersionConflict(Exception):
    """An `If-Match` named a version that is no longer current: nothing was written."""

    def __init__(self, current: int):
        super().__init__(f"The flow changed since version {current}.")
        self.current = current


def etag_for(version: int) -> str:
    """The ETag of a flow's working copy and history at `version` (its latest revision number)."""
    return f'"h{version}"'


def parse_if_match(header: str | None) -> int | str | None:
    """The version an `If-Match` header names: None when absent, "*" for any, -1 when it names
    something that is not one of our versions (it then never matches)."""
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return "*"
    value = value.removeprefix("W/")
    if len(value) > 2 and value[0] == value[-1] == '"' and value[1] == "h" and value[2:-1].isdigit():
        return int(value[2:-1]) if len(value) < 24 else -1
    return -1


def history_version(tree) -> int:
    """The number of the flow's latest revision (0 before its first)."""
    return tree.revisions.aggregate(number=Max("number"))["number"] or 0


def _node_summary(node: dict) -> dict[str, Any]:
    return {"id": node["id"], "type": node.get("type"), "title": node.get("title")}


def node_map(structure: Any) -> dict[str, dict[str, Any]]:
    """{node id: the node's own fields} for a stored structure, in document order.

    Troubleshooting nodes get a `parent` field (the parent's id) instead of their children,
    so moving a branch shows as a change of the moved node only.
    """
    if not isinstance(structure, dict):
        return {}
    nodes: dict[str, dict[str, Any]] = {}
    steps = structure.get("steps")
    if isinstance(steps, list):
        for node in steps:
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                nodes.setdefault(node["id"], {k: v for k, v in node.items() if k not in _STRUCTURAL_KEYS})
        return nodes
    if not isinstance(structure.get("root"), dict):
        return {}
    for visit in iter_tree_nodes(structure["root"]):
        node = visit.node
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        parent = visit.parent.node if visit.parent is not None else None
        fields = {k: v for k, v in node.items() if k not in _STRUCTURAL_KEYS}
        fields["parent"] = parent.get("id") if isinstance(parent, dict) else None
        nodes.setdefault(node["id"], fields)
    return nodes


def structure_changes(
    old_structure: Any, new_structure: Any, *, old_name: str | None = None, new_name: str | None = None
) -> dict[str, Any]:
    """Node by node, what changed from `old_structure` to `new_structure`.

    {"name": {"from", "to"} (only when it changed), "variables": {"from", "to"} (the
    declarations, only when they changed), "added": [node summary], "removed": [...],
    "changed": [{id, type, title, "fields": {field: {"from", "to"}}}], "order_changed": bool}
    """
    if old_structure is None:  # a first revision: every node is added, nothing else to compare
        return _first_changes(new_structure)
    old, new = node_map(old_structure), node_map(new_structure)
    changes: dict[str, Any] = {}
    if old_name is not None and new_name is not None and old_name != new_name:
        changes["name"] = {"from": old_name, "to": new_name}
    changes["added"] = [_node_summary({"id": key, **fields}) for key, fields in new.items() if key not in old]
    changes["removed"] = [
        _node_summary({"id": key, **fields}) for key, fields in old.items() if key not in new
    ]
    changed = []
    for key, fields in new.items():
        before = old.get(key)
        if before is None or before == fields:
            continue
        differing = {
            name: {"from": before.get(name), "to": fields.get(name)}
            for name in sorted(before.keys() | fields.keys())
            if before.get(name) != fields.get(name)
        }
        changed.append({**_node_summary({"id": key, **fields}), "fields": differing})
    changes["changed"] = changed
    old_variables, new_variables = _variables_of(old_structure), _variables_of(new_structure)
    if old_variables != new_variables:
        changes["variables"] = {"from": old_variables, "to": new_variables}
    kept_old = [key for key in old if key in new]
    kept_new = [key for key in new if key in old]
    changes["order_changed"] = kept_old != kept_new
    return changes


def _first_changes(structure: Any) -> dict[str, Any]:
    """`structure_changes(None, structure)`, without copying every node's fields to compare
    them with nothing: a first publish of a large flow records its revision sooner."""
    steps = structure.get("steps") if isinstance(structure, dict) else None
    if isinstance(steps, list):
        added, seen = [], set()
        for node in steps:
            if isinstance(node, dict) and isinstance(node.get("id"), str) and node["id"] not in seen:
                seen.add(node["id"])
                added.append(_node_summary(node))
    else:
        added = [_node_summary({"id": key, **fields}) for key, fields in node_map(structure).items()]
    changes: dict[str, Any] = {"added": added, "removed": [], "changed": []}
    if variables := _variables_of(structure):
        changes["variables"] = {"from": [], "to": variables}
    changes["order_changed"] = False
    return changes


def _variables_of(structure: Any) -> list:
    """The declared variables of a stored structure, as stored (flows.variables)."""
    variables = structure.get("variables") if isinstance(structure, dict) else None
    return variables if isinstance(variables, list) else []


def has_changes(changes: dict[str, Any]) -> bool:
    return bool(
        changes.get("name")
        or changes.get("variables")
        or changes.get("added")
        or changes.get("removed")
        or changes.get("changed")
        or changes.get("order_changed")
    )
