"""Factories for flows (the structure builders are in flows/samples.py, shared with bench/ and
loadtest/)."""

import json

import factory

from accounts.tests.factories import UserFactory
from flows.models import Tree, TreeStatus, TreeType
from flows.samples import procedural_structure, troubleshooting_structure


class TreeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tree

    name = factory.Sequence(lambda n: f"Flow {n}")
    description = "A flow made for a test."
    tree_type = TreeType.PROCEDURAL
    tree_structure = factory.LazyFunction(procedural_structure)
    status = TreeStatus.DRAFT
    author = factory.SubFactory(UserFactory)
    account = factory.LazyAttribute(lambda tree: tree.author.account if tree.author else None)

    class Params:
        published = factory.Trait(status=TreeStatus.PUBLISHED)
        public = factory.Trait(is_public=True)
        troubleshooting = factory.Trait(
            tree_type=TreeType.TROUBLESHOOTING,
            tree_structure=factory.LazyFunction(troubleshooting_structure),
        )
        maintenance = factory.Trait(tree_type=TreeType.MAINTENANCE)


__all__ = ["TreeFactory", "procedural_structure", "troubleshooting_structure"]


def tree_admin_form(tree: Tree, **changes) -> dict:
    """The flow's admin change form as a browser posts it for an active flow, with `changes`."""
    return {
        "name": tree.name,
        "description": tree.description,
        "tree_type": tree.tree_type,
        "tree_structure": json.dumps(tree.tree_structure),
        "status": tree.status,
        "is_active": "on",
        "account": tree.account_id,
        "author": tree.author_id,
        **changes,
    }
