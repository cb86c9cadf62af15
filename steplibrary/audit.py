"""Audits stored flows, library entries, revisions and updates against the validation every
write goes through, and repairs what can be repaired without a person's judgement.

Rows written before a rule existed (or behind it: raw SQL, `QuerySet.update()`, fixtures)
may break it. Repairable: NUL and lone surrogates in any string or key (NUL dropped, each
surrogate replaced by U+FFFD, the way a reader would see it anyway). Everything else is
reported for a person to fix. Repairs are plain UPDATEs: they publish and notify nothing.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction

from config.text import find_bad_strings, printable, repair_strings, repair_text, text_problem
from flows.models import Tree, TreeStatus
from flows.tree_structure import TreeStructureError, linked_library_step_ids, parse_tree_structure
from steplibrary.api.serializers import StepContentSerializer
from steplibrary.models import LibraryStep, Notice, StepRevision, build_search_text, version_hash


@dataclass(frozen=True)
class Finding:
    """One problem in one stored row; `repaired` when `--fix` mended it."""

    kind: str
    pk: str
    path: str
    message: str
    repaired: bool = False

    def __str__(self) -> str:
        suffix = " (repaired)" if self.repaired else ""
        return f"{self.kind} {self.pk} {printable(self.path)}: {printable(self.message)}{suffix}"


def _sqlite_text(raw: bytes) -> str:
    # Undecodable text becomes lone surrogates, which the audit then finds and repairs.
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape")


@contextlib.contextmanager
def _readable_rows() -> Iterator[None]:
    """SQLite returns stored bytes that are not UTF-8 as an error for the whole row; during an
    audit they are read as surrogates instead, so the row can be reported and repaired."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    raw.text_factory = _sqlite_text
    try:
        yield
    finally:
        raw.text_factory = str


def _text_findings(kind: str, pk: Any, fields: dict[str, Any]) -> list[Finding]:
    findings = []
    for name, value in fields.items():
        if isinstance(value, str):
            message = text_problem(value)
            if message:
                findings.append(Finding(kind, str(pk), name, message))
        elif value is not None:
            found = find_bad_strings(value, name)
            findings += [Finding(kind, str(pk), path, message) for path, message in found]
    return findings


def _repaired(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        name: repair_text(value) if isinstance(value, str) else repair_strings(value)
        for name, value in fields.items()
    }


def _save_repair(model, pk, values: dict[str, Any], findings: list[Finding]) -> list[Finding]:
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**values)
    except IntegrityError as error:
        return [*findings, Finding(findings[0].kind, findings[0].pk, "", f"could not repair: {error}")]
    return [Finding(f.kind, f.pk, f.path, f.message, repaired=True) for f in findings]


def _structure_findings(tree: Tree) -> list[Finding]:
    try:
        parse_tree_structure(
            tree.tree_structure, tree.tree_type, require_titles=tree.status == TreeStatus.PUBLISHED
        )
    except TreeStructureError as error:
        return [
            Finding("flow", str(tree.pk), f"tree_structure.{item.path}".rstrip("."), item.message)
            for item in error.errors
        ]
    return []


def _audit_tree(tree: Tree, fix: bool) -> list[Finding]:
    fields = {"name": tree.name, "description": tree.description, "tree_structure": tree.tree_structure}
    findings = _text_findings("flow", tree.pk, fields)
    if findings and fix:
        values = _repaired(fields)
        values["linked_step_ids"] = linked_library_step_ids(values["tree_structure"])
        findings = _save_repair(Tree, tree.pk, values, findings)
        tree.tree_structure = values["tree_structure"]
    if not findings or fix:
        findings += _structure_findings(tree)
    return findings


def _content_findings(kind: str, pk: Any, content: Any) -> list[Finding]:
    checked = StepContentSerializer(data=content if isinstance(content, dict) else None)
    if checked.is_valid():
        return []
    return [Finding(kind, str(pk), "content", str(checked.errors))]


def _audit_step(step: dict, fix: bool) -> list[Finding]:
    fields = {key: step[key] for key in ("title", "source_node_id", "content")}
    findings = _text_findings("entry", step["id"], fields)
    if findings and fix:
        values = _repaired(fields)
        values["search_text"] = build_search_text(values["title"], values["content"])
        values["content_hash"] = version_hash(
            {"step_type": step["step_type"], "visibility": step["visibility"], **values}
        )
        findings = _save_repair(LibraryStep, step["id"], values, findings)
        fields = values
    if not findings or fix:
        findings += _content_findings("entry", step["id"], fields["content"])
    return findings


def _audit_revision(revision: dict, fix: bool) -> list[Finding]:
    label = f"{revision['step_id']} r{revision['number']}"
    fields = {key: revision[key] for key in ("title", "content")}
    findings = _text_findings("revision", label, fields)
    if findings and fix:
        findings = _save_repair(StepRevision, revision["id"], _repaired(fields), findings)
    return findings


def _audit_notice(notice: dict, fix: bool) -> list[Finding]:
    fields = {"step_title": notice["step_title"]}
    findings = _text_findings("notice", notice["id"], fields)
    if findings and fix:
        findings = _save_repair(Notice, notice["id"], _repaired(fields), findings)
    return findings


def data_audit(*, fix: bool = False) -> list[Finding]:
    """Every problem found in stored data; with `fix`, the repairable ones are repaired."""
    findings: list[Finding] = []
    with _readable_rows():
        for tree in Tree.objects.order_by("pk").iterator(chunk_size=200):
            findings += _audit_tree(tree, fix)
        step_fields = ("id", "title", "source_node_id", "content", "step_type", "visibility")
        for step in LibraryStep.objects.order_by("pk").values(*step_fields).iterator(chunk_size=500):
            findings += _audit_step(step, fix)
        revision_fields = ("id", "step_id", "number", "title", "content")
        for revision in StepRevision.objects.order_by("pk").values(*revision_fields).iterator(chunk_size=500):
            findings += _audit_revision(revision, fix)
        for notice in Notice.objects.order_by("pk").values("id", "step_title").iterator(chunk_size=500):
            findings += _audit_notice(notice, fix)
    return findings
