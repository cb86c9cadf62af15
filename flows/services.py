"""Writes to flows. Every status change goes through `Tree.save()`, so the library sync sees it."""

from django.db import transaction

from flows.models import Tree, TreeStatus
from flows.tree_structure import parse_tree_structure


@transaction.atomic
def tree_publish(*, tree: Tree) -> Tree:
    """Publishes `tree`; raises TreeStructureError (and changes nothing) if it is not fit to publish."""
    parse_tree_structure(tree.tree_structure, tree.tree_type, require_titles=True)
    tree.status = TreeStatus.PUBLISHED
    tree.save()
    return tree


@transaction.atomic
def tree_set_active(*, tree: Tree, active: bool) -> Tree:
    """Deactivates (retiring its library entries) or reactivates (re-syncing if published) `tree`."""
    tree.is_active = active
    tree.save()
    return tree


@transaction.atomic
def tree_archive(*, tree: Tree) -> Tree:
    tree.status = TreeStatus.ARCHIVED
    tree.save()
    return tree


@transaction.atomic
def tree_create(*, author, **fields) -> Tree:
    """A new flow by `author`, in their team unless `account_id` says otherwise."""
    fields.setdefault("account_id", author.account_id)
    tree = Tree(author=author, **fields)
    tree.save()
    return tree


@transaction.atomic
def tree_update(*, tree: Tree, **fields) -> Tree:
    """Saves changed fields; publishing, deactivating or archiving here syncs the library."""
    for name, value in fields.items():
        setattr(tree, name, value)
    tree.save()
    return tree
