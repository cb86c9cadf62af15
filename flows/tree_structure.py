"""The one place that reads `Tree.tree_structure`: validation, parsing into typed nodes, walking.

Procedural and maintenance flows hold `{"steps": [node, ...]}`; troubleshooting flows
hold `{"root": node}` with nested `children`. Both may declare prompted `variables`
(flows.variables). Every error names the offending node by its JSON path, e.g.
`steps[3].commands[0].code: this field is required`.
Walking is iterative so that no input, however deep, can exhaust the Python stack.
"""

import uuid
from collections.abc import Iterator
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from config.fastjson import fast_fingerprint
from config.text import find_bad_strings
from flows.variables import variable_errors

MAX_NODES = 20_000
MAX_DEPTH = 100
MAX_ID_LENGTH = 255
MAX_TITLE_LENGTH = 255
MAX_LABEL_LENGTH = 255
MAX_TEXT_LENGTH = 20_000
MAX_COMMANDS = 50
MAX_ERRORS = 50

STEPWISE_TYPES = ("procedural", "maintenance")
TROUBLESHOOTING = "troubleshooting"
PROCEDURAL_NODE_TYPES = ("section_header", "procedure_step", "procedure_end")
TROUBLESHOOTING_NODE_TYPES = ("question", "action", "solution")
LIBRARY_VISIBILITIES = ("team", "public")
# Node types whose steps are written to the library when the flow is published.
SYNCED_NODE_TYPES = ("procedure_step", "action", "solution")

_COMMON_KEYS = {"id", "type", "title", "description"}
# `library_step_id` links a node to the library entry it was inserted from ("where used").
_ALLOWED_KEYS = {
    "section_header": _COMMON_KEYS,
    "procedure_step": _COMMON_KEYS
    | {"expected_outcome", "commands", "library_visibility", "library_step_id"},
    "procedure_end": _COMMON_KEYS,
    "question": _COMMON_KEYS | {"answer", "children"},
    "action": _COMMON_KEYS | {"answer", "children", "library_step_id"},
    "solution": _COMMON_KEYS | {"answer", "children", "library_step_id"},
}
_COMMAND_KEYS = {"code", "language", "label"}


@dataclass(frozen=True)
class Command:
    code: str
    language: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class FlowNode:
    """One validated node, in document order (pre-order for troubleshooting trees)."""

    id: str
    type: str
    title: str
    path: str
    description: str | None = None
    expected_outcome: str | None = None
    commands: tuple[Command, ...] = ()
    library_visibility: str | None = None
    answer: str | None = None
    group_label: str | None = None
    depth: int = 0
    parent_id: str | None = None
    child_ids: tuple[str, ...] = ()
    library_step_id: str | None = None

    @property
    def is_synced(self) -> bool:
        return self.type in SYNCED_NODE_TYPES


# What a FlowNode holds unless told otherwise (every field but the four a node always has).
_FLOW_NODE_DEFAULTS = {f.name: f.default for f in fields(FlowNode) if f.default is not MISSING}


def _flow_node(**values: Any) -> FlowNode:
    """`FlowNode(**values)`, built without the frozen dataclass's `__init__` (one
    `object.__setattr__` per field, most of the cost of validating a large flow's nodes).
    The node is the same: equal, hashed alike, and as immutable."""
    node = object.__new__(FlowNode)
    node.__dict__.update(_FLOW_NODE_DEFAULTS, **values)
    return node


@dataclass(frozen=True)
class StructureError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class TreeStructureError(ValueError):
    """The structure is invalid; `errors` lists every problem found, each with its path."""

    def __init__(self, errors: list[StructureError]):
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))

    @property
    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]

    def as_detail(self) -> dict:
        """The API's 400 body for this error."""
        return {"tree_structure": self.messages}


@dataclass(eq=False)
class NodeVisit:
    """A node reached by the walker; the path is built on demand (deep trees stay cheap)."""

    node: Any
    depth: int
    parent: "NodeVisit | None" = None
    step: str = "root"
    _path: str | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        if self._path is None:
            parts, visit = [], self
            while visit is not None:
                parts.append(visit.step)
                visit = visit.parent
            self._path = "".join(reversed(parts))
        return self._path


def iter_tree_nodes(root: Any) -> Iterator[NodeVisit]:
    """Pre-order walk of a troubleshooting tree from `root`, children in order, iteratively.

    Values that are not nodes are yielded too, so a validator can report them.
    """
    stack = [NodeVisit(node=root, depth=0)]
    while stack:
        visit = stack.pop()
        yield visit
        children = visit.node.get("children") if isinstance(visit.node, dict) else None
        if isinstance(children, list):
            for index in range(len(children) - 1, -1, -1):
                stack.append(
                    NodeVisit(
                        node=children[index],
                        depth=visit.depth + 1,
                        parent=visit,
                        step=f".children[{index}]",
                    )
                )


class _Collector:
    """Gathers errors; stops the parse once there are too many to be useful."""

    def __init__(self) -> None:
        self.errors: list[StructureError] = []
        self.paths: set[str] = set()

    def add(self, path: str, message: str) -> None:
        self.errors.append(StructureError(path, message))
        self.paths.add(path)

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_ERRORS


def _has_nul(value: str) -> bool:
    return "\x00" in value


def _read_text(node: dict, key: str, path: str, errors: _Collector, *, max_length: int) -> str | None:
    """An optional string field: None when absent or null."""
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(f"{path}.{key}", "must be a string")
        return None
    if _has_nul(value):
        errors.add(f"{path}.{key}", "must not contain NUL characters")
        return None
    if len(value) > max_length:
        errors.add(f"{path}.{key}", f"must be at most {max_length} characters")
        return None
    return value


def _read_commands(node: dict, path: str, errors: _Collector) -> tuple[Command, ...]:
    raw = node.get("commands")
    if raw is None:
        return ()
    if isinstance(raw, str):
        if not raw.strip():
            return ()
        if _has_nul(raw) or len(raw) > MAX_TEXT_LENGTH:
            errors.add(
                f"{path}.commands",
                f"must be at most {MAX_TEXT_LENGTH} characters, without NUL characters",
            )
            return ()
        return (Command(code=raw),)
    if not isinstance(raw, list):
        errors.add(f"{path}.commands", "must be a string or a list of commands")
        return ()
    if len(raw) > MAX_COMMANDS:
        errors.add(f"{path}.commands", f"must hold at most {MAX_COMMANDS} commands")
        return ()
    commands = []
    for index, item in enumerate(raw):
        item_path = f"{path}.commands[{index}]"
        if not isinstance(item, dict):
            errors.add(item_path, "must be an object with code, language and label")
            continue
        if not _COMMAND_KEYS.issuperset(item):  # one set operation for the usual, clean command
            for key in item:
                if key not in _COMMAND_KEYS:
                    errors.add(item_path, f"unknown field {key!r}")
        raw_code = item.get("code")
        if raw_code is None or (isinstance(raw_code, str) and not raw_code.strip()):
            errors.add(f"{item_path}.code", "this field is required")
            continue
        code = _read_text(item, "code", item_path, errors, max_length=MAX_TEXT_LENGTH)
        if code is None:
            continue
        language = _read_text(item, "language", item_path, errors, max_length=MAX_LABEL_LENGTH)
        label = _read_text(item, "label", item_path, errors, max_length=MAX_LABEL_LENGTH)
        commands.append(Command(code=code, language=language or None, label=label or None))
    return tuple(commands)


def _read_node_header(
    node: Any, path: str, allowed_types: tuple[str, ...], seen_ids: set[str], errors: _Collector
) -> tuple[str, str, str] | None:
    """Checks what every node needs (object, id, type, title, known keys); returns (id, type, title)."""
    if not isinstance(node, dict):
        errors.add(path, "must be an object")
        return None
    node_type = node.get("type")
    if not isinstance(node_type, str) or node_type not in allowed_types:
        errors.add(f"{path}.type", f"must be one of: {', '.join(allowed_types)}")
        return None
    allowed = _ALLOWED_KEYS[node_type]
    if not allowed.issuperset(node):  # one set operation for the usual, clean node
        for key in node:
            if key not in allowed:
                errors.add(path, f"unknown field {key!r} on a {node_type}")
    node_id = node.get("id")
    if not isinstance(node_id, str) or not node_id.strip():
        errors.add(f"{path}.id", "must be a non-empty string")
        return None
    if len(node_id) > MAX_ID_LENGTH or _has_nul(node_id):
        errors.add(f"{path}.id", f"must be at most {MAX_ID_LENGTH} characters, without NUL")
        return None
    if node_id in seen_ids:
        errors.add(f"{path}.id", f"duplicate node id {node_id!r}")
        return None
    seen_ids.add(node_id)
    title = _read_text(node, "title", path, errors, max_length=MAX_TITLE_LENGTH)
    link = node.get("library_step_id")
    if link is not None and not _is_uuid(link):
        errors.add(f"{path}.library_step_id", "must be the id of a library entry")
    return node_id, node_type, title or ""


def _link(node: dict) -> str | None:
    """The node's `library_step_id`, in canonical form, when it is a valid one."""
    link = node.get("library_step_id")
    return str(uuid.UUID(link)) if _is_uuid(link) else None


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _check_title(node: FlowNode, require_titles: bool, errors: _Collector) -> None:
    # A title refused for its length (or type) is reported once, by what is wrong with it.
    if require_titles and node.is_synced and not node.title.strip():
        path = f"{node.path}.title"
        if path not in errors.paths:
            errors.add(path, "a title is required to publish")


def _parse_steps(structure: dict, require_titles: bool, errors: _Collector) -> list[FlowNode]:
    steps = structure.get("steps", [])
    if not isinstance(steps, list):
        errors.add("steps", "must be a list")
        return []
    if len(steps) > MAX_NODES:
        errors.add("steps", f"must hold at most {MAX_NODES} nodes")
        return []
    nodes: list[FlowNode] = []
    seen_ids: set[str] = set()
    group_label: str | None = None
    for index, raw in enumerate(steps):
        if errors.full:
            break
        path = f"steps[{index}]"
        header = _read_node_header(raw, path, PROCEDURAL_NODE_TYPES, seen_ids, errors)
        if header is None:
            continue
        node_id, node_type, title = header
        if node_type == "section_header":
            group_label = title or None
        if node_type == "procedure_end" and index != len(steps) - 1:
            errors.add(f"{path}.type", "the end node must be the last step")
        visibility = raw.get("library_visibility")
        if visibility is not None and visibility not in LIBRARY_VISIBILITIES:
            errors.add(f"{path}.library_visibility", "must be 'team' or 'public'")
            visibility = None
        node = _flow_node(
            id=node_id,
            type=node_type,
            title=title,
            path=path,
            description=_read_text(raw, "description", path, errors, max_length=MAX_TEXT_LENGTH),
            expected_outcome=_read_text(raw, "expected_outcome", path, errors, max_length=MAX_TEXT_LENGTH),
            commands=_read_commands(raw, path, errors),
            library_visibility=visibility,
            group_label=group_label if node_type == "procedure_step" else None,
            library_step_id=_link(raw),
        )
        _check_title(node, require_titles, errors)
        nodes.append(node)
    if require_titles and not any(node.is_synced for node in nodes):
        errors.add("steps", "a published flow needs at least one step")
    return nodes


def _parse_tree(structure: dict, require_titles: bool, errors: _Collector) -> list[FlowNode]:
    root = structure.get("root")
    if root is None:
        if require_titles:
            errors.add("root", "a published flow needs a root question or step")
        return []
    nodes: list[FlowNode] = []
    seen_ids: set[str] = set()
    ids_by_visit: dict[int, str] = {}
    for visit in iter_tree_nodes(root):
        if errors.full:
            break
        if len(nodes) >= MAX_NODES:
            errors.add("root", f"must hold at most {MAX_NODES} nodes")
            break
        if visit.depth > MAX_DEPTH:
            errors.add(visit.path, f"the tree is nested deeper than {MAX_DEPTH} levels")
            break
        header = _read_node_header(visit.node, visit.path, TROUBLESHOOTING_NODE_TYPES, seen_ids, errors)
        if header is None:
            continue
        node_id, node_type, title = header
        ids_by_visit[id(visit)] = node_id
        raw = visit.node
        children = raw.get("children", [])
        if children is None:
            children = []
        if not isinstance(children, list):
            errors.add(f"{visit.path}.children", "must be a list")
            children = []
        if node_type == "solution" and children:
            errors.add(f"{visit.path}.children", "a solution ends its branch and has no children")
        if require_titles and node_type == "question" and not children:
            errors.add(f"{visit.path}.children", "a question needs at least one answer to publish")
        node = _flow_node(
            id=node_id,
            type=node_type,
            title=title,
            path=visit.path,
            description=_read_text(raw, "description", visit.path, errors, max_length=MAX_TEXT_LENGTH),
            answer=_read_text(raw, "answer", visit.path, errors, max_length=MAX_LABEL_LENGTH),
            depth=visit.depth,
            parent_id=ids_by_visit.get(id(visit.parent)) if visit.parent else None,
            child_ids=tuple(
                child["id"]
                for child in children
                if isinstance(child, dict) and isinstance(child.get("id"), str)
            ),
            library_step_id=_link(raw),
        )
        _check_title(node, require_titles, errors)
        nodes.append(node)
    return nodes


# The last structure parsed in this process: a publish validates its structure once (the
# API or service before the save, then the sync inside it) and the later calls find it here.
# Keyed by a fingerprint of the content, so a structure changed in place is parsed again.
_last_parsed: tuple[tuple[str, str], bool, list[FlowNode]] | None = None


def parse_tree_structure(structure: Any, tree_type: str, *, require_titles: bool = False) -> list[FlowNode]:
    """Validates `structure` for a flow of `tree_type` and returns its nodes in order.

    `require_titles=True` applies the extra rules for publishing. Raises
    TreeStructureError (and nothing else) for any invalid input.
    """
    global _last_parsed
    digest = fast_fingerprint(structure) if isinstance(structure, dict) else None
    key = (digest, tree_type) if digest is not None else None
    cached = _last_parsed
    if key is not None and cached is not None and cached[0] == key and (cached[1] or not require_titles):
        return list(cached[2])
    nodes = _parse_tree_structure(structure, tree_type, require_titles)
    if key is not None:
        _last_parsed = (key, require_titles, nodes)
    return list(nodes)


def _parse_tree_structure(structure: Any, tree_type: str, require_titles: bool) -> list[FlowNode]:
    errors = _Collector()
    if not isinstance(structure, dict):
        raise TreeStructureError([StructureError("", "the structure must be a JSON object")])
    # First, and for every string and key: what follows may echo ids and keys in messages.
    bad_strings = find_bad_strings(structure)
    if bad_strings:
        raise TreeStructureError([StructureError(path, message) for path, message in bad_strings])
    expected_key = "root" if tree_type == TROUBLESHOOTING else "steps"
    for key in structure:
        if key not in (expected_key, "variables"):
            errors.add(str(key), f"unknown field for a {tree_type} flow (expected {expected_key!r})")
    # The flow's prompted variables (flows.variables): declared beside its steps.
    for path, message in variable_errors(structure.get("variables"))[1]:
        errors.add(path, message)
    if tree_type == TROUBLESHOOTING:
        nodes = _parse_tree(structure, require_titles, errors)
    elif tree_type in STEPWISE_TYPES:
        nodes = _parse_steps(structure, require_titles, errors)
    else:
        raise TreeStructureError([StructureError("tree_type", f"unknown flow type {tree_type!r}")])
    if errors.errors:
        raise TreeStructureError(errors.errors[:MAX_ERRORS])
    return nodes


def library_links(structure: Any) -> dict[str, str]:
    """node id -> `library_step_id` for each node of a stored structure inserted from a library
    entry (invalid parts ignored; of two nodes with one id, the first)."""
    if not isinstance(structure, dict):
        return {}
    steps = structure.get("steps")
    nodes = (
        steps if isinstance(steps, list) else [visit.node for visit in iter_tree_nodes(structure.get("root"))]
    )
    links: dict[str, str] = {}
    for node in nodes:
        if not isinstance(node, dict) or not _is_uuid(node.get("library_step_id")):
            continue
        node_id = node.get("id")
        if _storable_id(node_id) and node_id not in links:
            links[node_id] = node["library_step_id"]
    return links


def _storable_id(node_id: Any) -> bool:
    """An id a database column can hold: a non-empty string of at most MAX_ID_LENGTH, without
    NUL or lone surrogates (which only an unvalidated save could have stored)."""
    if not isinstance(node_id, str) or not 0 < len(node_id) <= MAX_ID_LENGTH or "\x00" in node_id:
        return False
    try:
        node_id.encode()
    except UnicodeEncodeError:
        return False
    return True


def linked_library_step_ids(structure: Any) -> list[str]:
    """The sorted, distinct `library_step_id`s in a stored structure (invalid parts ignored)."""
    if not isinstance(structure, dict):
        return []
    steps = structure.get("steps")
    nodes = (
        steps if isinstance(steps, list) else [visit.node for visit in iter_tree_nodes(structure.get("root"))]
    )
    return sorted(
        {
            node["library_step_id"]
            for node in nodes
            if isinstance(node, dict) and _is_uuid(node.get("library_step_id"))
        }
    )


def empty_structure(tree_type: str) -> dict:
    """The structure of a new, empty flow of `tree_type`."""
    return {"root": None} if tree_type == TROUBLESHOOTING else {"steps": []}
