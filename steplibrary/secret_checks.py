"""Secret findings in what a publish (or a shared manual entry) would push to other teams,
and the allowances with which an author publishes a false positive.

Every path that puts text in front of another team runs through here: the sync (so every
publish: API, editor, admin, `resync_library`, the shell), the impact preview, and the
services that create or edit a manual entry or a fork shared with the team or the public.
"""

from collections.abc import Iterator

from flows.models import Tree, TreeType
from flows.tree_structure import FlowNode, StructureError, TreeStructureError, parse_tree_structure
from steplibrary.models import LibraryStep, SecretAllowance, Visibility
from steplibrary.secret_scan import SecretFinding, scan_fields

FieldText = tuple[str, str, str, str | None]  # (path, node_id, field within the node, text)
REFUSAL = "looks like a secret ({kind}, fingerprint {fingerprint}); mark it a false positive to publish"


class SecretFindingsError(TreeStructureError):
    """Publishing (or sharing) refused: these findings have no allowance."""

    def __init__(self, findings: list[SecretFinding]):
        self.findings = findings
        super().__init__(
            [StructureError(finding.path, REFUSAL.format(**finding.as_dict())) for finding in findings]
        )

    def as_detail(self, *, key: str | None = "tree_structure") -> dict:
        """The 400 body: messages named by path (under `key`, or one key per path), and the
        findings themselves so that a client can offer to allow them."""
        detail: dict = {}
        for error in self.errors:
            if key is None:
                detail.setdefault(error.path, []).append(error.message)
            else:  # a flow's name is its own field, not part of the structure
                detail.setdefault("name" if error.path == "name" else key, []).append(str(error))
        detail["secret_findings"] = [finding.as_dict() for finding in self.findings]
        return detail


def _command_fields(node_path: str, node_id: str, raw: dict | None, node) -> Iterator[FieldText]:
    if isinstance(raw, dict) and isinstance(raw.get("commands"), str):
        yield f"{node_path}.commands", node_id, "commands", raw["commands"]
        return
    for index, command in enumerate(node.commands):
        yield f"{node_path}.commands[{index}].code", node_id, f"commands[{index}].code", command.code
        yield f"{node_path}.commands[{index}].label", node_id, f"commands[{index}].label", command.label


def tree_fields(
    *, structure, tree_type: str, name: str = "", nodes: list[FlowNode] | None = None
) -> Iterator[FieldText]:
    """Every text of a flow that reaches the library or the flow's readers; `nodes` is the
    structure already parsed, when the caller has it.

    Raises TreeStructureError for a structure that is not valid (even as a draft).
    """
    if nodes is None:
        nodes = parse_tree_structure(structure, tree_type)
    yield "name", "", "name", name
    raw_steps = structure.get("steps") if tree_type != TreeType.TROUBLESHOOTING else None
    # Only a step whose commands are one plain string is read raw (the parsed node cannot tell).
    raw_by_path = {
        f"steps[{index}]": raw
        for index, raw in enumerate(raw_steps or [])
        if isinstance(raw, dict) and isinstance(raw.get("commands"), str)
    }
    for node in nodes:
        for field in ("title", "description", "expected_outcome", "answer"):
            text = getattr(node, field)
            if text:  # most nodes leave some fields out: no path is built for them
                yield f"{node.path}.{field}", node.id, field, text
        yield from _command_fields(node.path, node.id, raw_by_path.get(node.path), node)


def step_fields(*, title: str, content: dict) -> Iterator[FieldText]:
    """Every text of a manual entry or a fork; paths as the step API names them."""
    yield "title", "", "title", title
    content = content if isinstance(content, dict) else {}
    for name in ("instructions", "help_text", "group_label"):
        value = content.get(name)
        yield f"content.{name}", "", f"content.{name}", value if isinstance(value, str) else None
    for index, command in enumerate(content.get("commands") or []):
        if isinstance(command, dict):
            for name in ("command", "label"):
                path = f"content.commands[{index}].{name}"
                value = command.get(name)
                yield path, "", path, value if isinstance(value, str) else None


def tree_secret_findings(
    *, tree: Tree, nodes: list[FlowNode] | None = None
) -> list[tuple[SecretFinding, bool]]:
    """The findings in `tree` as it is in memory, each with whether an allowance covers it."""
    fields = tree_fields(structure=tree.tree_structure, tree_type=tree.tree_type, name=tree.name, nodes=nodes)
    findings = scan_fields(fields)
    allowed = _allowed(SecretAllowance.objects.filter(tree_id=tree.pk), findings) if tree.pk else set()
    return [(finding, finding.fingerprint in allowed) for finding in findings]


def step_secret_findings(
    *, title: str, content: dict, step: LibraryStep | None = None
) -> list[tuple[SecretFinding, bool]]:
    findings = scan_fields(step_fields(title=title, content=content))
    allowed = _allowed(SecretAllowance.objects.filter(step=step), findings) if step is not None else set()
    return [(finding, finding.fingerprint in allowed) for finding in findings]


def _allowed(allowances, findings: list[SecretFinding]) -> set[str]:
    if not findings:
        return set()
    fingerprints = {finding.fingerprint for finding in findings}
    return set(allowances.filter(fingerprint__in=fingerprints).values_list("fingerprint", flat=True))


def secrets_ensure_tree_allowed(*, tree: Tree, nodes: list[FlowNode] | None = None) -> None:
    """Raises SecretFindingsError unless every finding in `tree` has an allowance."""
    refused = [finding for finding, allowed in tree_secret_findings(tree=tree, nodes=nodes) if not allowed]
    if refused:
        raise SecretFindingsError(refused)


def secrets_ensure_step_allowed(
    *, title: str, content: dict, visibility: str, step: LibraryStep | None = None
) -> None:
    """For an entry shared with the team or the public: raises SecretFindingsError unless
    every finding has an allowance. Private entries are not scanned: nobody else reads them."""
    if visibility == Visibility.PRIVATE:
        return
    found = step_secret_findings(title=title, content=content, step=step)
    refused = [finding for finding, allowed in found if not allowed]
    if refused:
        raise SecretFindingsError(refused)
