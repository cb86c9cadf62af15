"""Writes to flows. Every status change goes through `Tree.save()`, so the library sync sees it.

Each write locks the tree's row and re-reads it *before* deciding anything (publish or retire,
what changed), then saves only the fields it changed: a concurrent write is either fully
before or fully after it, and never undone by a stale copy of the row.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from flows.history import VersionConflict, structure_changes
from flows.library import SyncResult
from flows.models import RevisionKind, Tree, TreeRevision, TreeStatus, TreeWorkingCopy
from flows.tree_structure import parse_tree_structure


class NotPublished(Exception):
    """Only a published flow has a working copy: a draft flow is edited directly."""


@dataclass(frozen=True)
class TreeSaved:
    """What a write to a flow did: the flow as saved, and what the step library's sync did
    during that save (None when the save did not sync: a draft, or nothing the library copies
    changed). Deactivating and archiving retire entries without a sync result."""

    tree: Tree
    library_sync: SyncResult | None


def _saved(tree: Tree) -> TreeSaved:
    return TreeSaved(tree=tree, library_sync=tree.library_sync)


def _lock(tree: Tree) -> Tree:
    """Locks `tree`'s row for this transaction and reloads it in place (callers keep their object)."""
    tree.refresh_from_db(from_queryset=Tree.objects.select_for_update())
    return tree


def _save_changes(tree: Tree, fields: dict[str, Any]) -> TreeSaved:
    """Sets `fields` on the locked `tree` and saves only those that differ (plus derived ones)."""
    changed = [name for name, value in fields.items() if getattr(tree, name) != value]
    for name in changed:
        setattr(tree, name, fields[name])
    tree.library_sync = None
    if changed:
        tree.save(update_fields=changed)
    return _saved(tree)


def _publish_changes(tree: Tree, changes: dict[str, Any]) -> TreeSaved:
    """Saves `changes` (status published among them) on the locked `tree`; raises
    TreeStructureError (nothing written) if the structure they publish is not fit to publish.
    A live flow's structure passed these checks when it went live or last changed (its sync
    refuses what is not fit to publish): publishing it again unchanged checks nothing."""
    unchanged = tree.is_live and all(getattr(tree, name) == value for name, value in changes.items())
    if not unchanged:
        structure = changes.get("tree_structure", tree.tree_structure)
        parse_tree_structure(structure, tree.tree_type, require_titles=True)
    return _save_changes(tree, changes)


@transaction.atomic
def tree_publish(*, tree: Tree) -> TreeSaved:
    """Publishes `tree`; raises TreeStructureError (and changes nothing) if it is not fit to publish."""
    return _publish_changes(_lock(tree), {"status": TreeStatus.PUBLISHED})


@transaction.atomic
def tree_set_active(*, tree: Tree, active: bool) -> TreeSaved:
    """Deactivates (retiring its library entries) or reactivates (re-syncing if published) `tree`."""
    return _save_changes(_lock(tree), {"is_active": active})


@transaction.atomic
def tree_archive(*, tree: Tree) -> TreeSaved:
    return _save_changes(_lock(tree), {"status": TreeStatus.ARCHIVED})


@transaction.atomic
def tree_unarchive(*, tree: Tree) -> TreeSaved:
    """An archived flow becomes a draft again; its steps come back only when it is published."""
    locked = _lock(tree)
    return _save_changes(locked, {"status": TreeStatus.DRAFT} if locked.status == TreeStatus.ARCHIVED else {})


@transaction.atomic
def tree_create(*, author, **fields) -> TreeSaved:
    """A new flow by `author`, in their team unless `account_id` says otherwise."""
    fields.setdefault("account_id", author.account_id)
    tree = Tree(author=author, **fields)
    tree.changed_by = author
    tree.save()
    return _saved(tree)


@transaction.atomic
def tree_update(*, tree: Tree, user=None, conflict_overwrite: bool = False, **fields) -> TreeSaved:
    """Saves the given fields that differ from the locked, current row; publishing,
    deactivating or archiving here syncs the library (decided on that current row).

    `conflict_overwrite`: the author chose to save over someone else's newer change; the flow
    history records it (as the kind of the publish revision, or as a revision of its own).
    """
    _lock(tree)
    tree.changed_by = user
    tree.revision_kind = RevisionKind.CONFLICT_OVERWRITE if conflict_overwrite else None
    saved = _save_changes(tree, fields)
    if conflict_overwrite and tree.revision_kind is not None:
        # Not a publish (the receiver took no revision): record the overwrite on its own.
        tree.revision_kind = None
        tree_revision_record(
            tree=tree,
            kind=RevisionKind.CONFLICT_OVERWRITE,
            name=tree.name,
            structure=tree.tree_structure,
            user=user,
        )
    return saved


@transaction.atomic
def tree_delete(*, tree: Tree) -> None:
    """Deletes `tree`; its synced entries are retired first (steplibrary's pre_delete receiver)."""
    _lock(tree).delete()


# ---- flow history and the working copy of a published flow ---------------------------


def _latest_revision(tree: Tree, fields: tuple[str, ...] = ("number", "name", "tree_structure")):
    """The flow's latest revision (None before the first), with only `fields` read."""
    return TreeRevision.objects.filter(tree=tree).order_by("-number").only(*fields).first()


def tree_revision_record(
    *,
    tree: Tree,
    kind: str,
    name: str,
    structure: dict,
    user=None,
    restored_from: int | None = None,
    previous: TreeRevision | bool | None = False,
) -> TreeRevision:
    """Appends a revision to the flow's history, with its node-by-node changes against the
    previous one. Two queries whatever the flow's size. The caller holds the tree's row lock
    (or is inside the tree's UPDATE), so numbers are handed out one at a time."""
    if previous is False:  # not read by the caller
        previous = _latest_revision(tree)
    changes = structure_changes(
        previous.tree_structure if previous else None,
        structure,
        old_name=previous.name if previous else None,
        new_name=name,
    )
    return TreeRevision.objects.create(
        tree=tree,
        number=(previous.number if previous else 0) + 1,
        kind=kind,
        name=name,
        tree_structure=structure,
        changes=changes,
        restored_from=restored_from,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def _lock_tree(
    tree: Tree, expected_version: int | str | None, *, with_content: bool = True
) -> tuple[Tree, TreeRevision | None]:
    """The tree's row, locked for this transaction, and its latest revision, whose number (the
    history version) is checked against `expected_version` (None: no check; "*": any).
    `with_content=False`: the caller needs only its number, not the structure it holds."""
    locked = Tree.objects.select_for_update().get(pk=tree.pk)
    latest = _latest_revision(locked) if with_content else _latest_revision(locked, ("number",))
    current = latest.number if latest else 0
    if expected_version not in (None, "*") and expected_version != current:
        raise VersionConflict(current)
    return locked, latest


def _write_working_copy(
    *, tree: Tree, name: str, structure: dict, user, revision: TreeRevision
) -> TreeWorkingCopy:
    copy, _ = TreeWorkingCopy.objects.update_or_create(
        tree=tree,
        defaults={
            "name": name,
            "tree_structure": structure,
            "saved_by": user if user is not None and user.is_authenticated else None,
            "saved_at": timezone.now(),
            "revision": revision.number,
        },
    )
    return copy


@transaction.atomic
def tree_working_copy_save(
    *,
    tree: Tree,
    user,
    name: str,
    tree_structure: dict,
    expected_version: int | str | None = None,
    conflict_overwrite: bool = False,
) -> TreeWorkingCopy:
    """Saves unpublished changes to a published flow; the flow and its library entries are
    untouched. Raises VersionConflict, NotPublished."""
    tree, latest = _lock_tree(tree, expected_version)
    if tree.status != TreeStatus.PUBLISHED:
        raise NotPublished
    kind = RevisionKind.CONFLICT_OVERWRITE if conflict_overwrite else RevisionKind.DRAFT_SAVED
    revision = tree_revision_record(
        tree=tree, kind=kind, name=name, structure=tree_structure, user=user, previous=latest
    )
    return _write_working_copy(tree=tree, name=name, structure=tree_structure, user=user, revision=revision)


@transaction.atomic
def tree_working_copy_discard(*, tree: Tree, expected_version: int | str | None = None) -> bool:
    """Drops the working copy; False when there was none. Raises VersionConflict."""
    tree, _ = _lock_tree(tree, expected_version, with_content=False)
    deleted, _ = TreeWorkingCopy.objects.filter(tree=tree).delete()
    return bool(deleted)


@transaction.atomic
def tree_working_copy_publish(*, tree: Tree, user, expected_version: int | str | None = None) -> TreeSaved:
    """Publishes the working copy (or, without one, the flow's current structure) through the
    same save and library sync as any publish, then drops the working copy.
    Raises VersionConflict, TreeStructureError (nothing written)."""
    tree, _ = _lock_tree(tree, expected_version, with_content=False)
    copy = TreeWorkingCopy.objects.filter(tree=tree).first()
    changes: dict[str, Any] = {"status": TreeStatus.PUBLISHED}
    if copy is not None:
        changes.update(name=copy.name, tree_structure=copy.tree_structure)
    tree.changed_by = user
    saved = _publish_changes(tree, changes)
    if copy is not None:
        copy.delete()
    return saved


@transaction.atomic
def tree_revision_restore(
    *, tree: Tree, user, number: int, expected_version: int | str | None = None
) -> TreeWorkingCopy:
    """Makes a working copy from revision `number` (the author then publishes it).
    Raises TreeRevision.DoesNotExist, VersionConflict, NotPublished."""
    tree, latest = _lock_tree(tree, expected_version)
    source = TreeRevision.objects.get(tree=tree, number=number)
    if tree.status != TreeStatus.PUBLISHED:
        raise NotPublished
    revision = tree_revision_record(
        tree=tree,
        kind=RevisionKind.RESTORED,
        name=source.name,
        structure=source.tree_structure,
        user=user,
        restored_from=number,
        previous=latest,
    )
    return _write_working_copy(
        tree=tree, name=source.name, structure=source.tree_structure, user=user, revision=revision
    )
