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
