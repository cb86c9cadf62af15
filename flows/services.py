"""Writes to flows. Every status change goes through `Tree.save()`, so the library sync sees it.

Each write locks the tree's row and re-reads it *before* deciding anything (publish or retire,
what changed), then saves only the fields it changed: a concurrent write is either fully
before or fully after it, and never undone by a stale copy of the row.
"""

from typing import Any

from django.db import transaction

from flows.models import Tree, TreeStatus
from flows.tree_structure import parse_tree_structure


def _lock(tree: Tree) -> Tree:
    """Locks `tree`'s row for this transaction and reloads it in place (callers keep their object)."""
    tree.refresh_from_db(from_queryset=Tree.objects.select_for_update())
    return tree


def _save_changes(tree: Tree, fields: dict[str, Any]) -> Tree:
    """Sets `fields` on the locked `tree` and saves only those that differ (plus derived ones)."""
    changed = [name for name, value in fields.items() if getattr(tree, name) != value]
    for name in changed:
        setattr(tree, name, fields[name])
    if changed:
        tree.save(update_fields=changed)
    return tree


@transaction.atomic
def tree_publish(*, tree: Tree) -> Tree:
    """Publishes `tree`; raises TreeStructureError (and changes nothing) if it is not fit to publish."""
    _lock(tree)
    parse_tree_structure(tree.tree_structure, tree.tree_type, require_titles=True)
    return _save_changes(tree, {"status": TreeStatus.PUBLISHED})


@transaction.atomic
def tree_set_active(*, tree: Tree, active: bool) -> Tree:
    """Deactivates (retiring its library entries) or reactivates (re-syncing if published) `tree`."""
    return _save_changes(_lock(tree), {"is_active": active})


@transaction.atomic
def tree_archive(*, tree: Tree) -> Tree:
    return _save_changes(_lock(tree), {"status": TreeStatus.ARCHIVED})


@transaction.atomic
def tree_create(*, author, **fields) -> Tree:
    """A new flow by `author`, in their team unless `account_id` says otherwise."""
    fields.setdefault("account_id", author.account_id)
    tree = Tree(author=author, **fields)
    tree.save()
    return tree


@transaction.atomic
def tree_update(*, tree: Tree, **fields) -> Tree:
    """Saves the given fields that differ from the locked, current row; publishing,
    deactivating or archiving here syncs the library (decided on that current row)."""
    return _save_changes(_lock(tree), fields)


@transaction.atomic
def tree_delete(*, tree: Tree) -> None:
    """Deletes `tree`; its synced entries are retired first (steplibrary's pre_delete receiver)."""
    _lock(tree).delete()
