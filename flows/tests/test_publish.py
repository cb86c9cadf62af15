"""Publishing: one rule for both ways a flow is published (its own Publish, and publishing its
working copy): a structure unfit to publish is refused, except that a live flow published
again unchanged checks and writes nothing."""

import pytest

from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.services import tree_publish, tree_working_copy_publish
from flows.tests.factories import TreeFactory
from flows.tree_structure import TreeStructureError

pytestmark = pytest.mark.django_db

PUBLISHES = {
    "publish": lambda tree, user: tree_publish(tree=tree),
    "working copy": lambda tree, user: tree_working_copy_publish(tree=tree, user=user),
}


def unfit_structure() -> dict:
    """A structure with a step whose title is blank: refused at publish."""
    structure = procedural_structure(2)
    step = next(node for node in structure["steps"] if node["type"] == "procedure_step")
    step["title"] = "   "
    return structure


@pytest.mark.parametrize("publish", PUBLISHES.values(), ids=PUBLISHES.keys())
def test_a_live_flow_published_unchanged_checks_and_writes_nothing(author, publish):
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
    # Stored without a save, as a rule that came in after the flow went live would find it.
    Tree.objects.filter(pk=tree.pk).update(tree_structure=unfit_structure())
    before = Tree.objects.get(pk=tree.pk)

    publish(Tree.objects.get(pk=tree.pk), author)

    after = Tree.objects.get(pk=tree.pk)
    assert after.status == TreeStatus.PUBLISHED
    assert (after.version, after.updated_at) == (before.version, before.updated_at)


@pytest.mark.parametrize("publish", PUBLISHES.values(), ids=PUBLISHES.keys())
def test_a_draft_unfit_to_publish_is_refused_either_way(author, publish):
    tree = TreeFactory(author=author, tree_structure=unfit_structure())
    with pytest.raises(TreeStructureError):
        publish(tree, author)
    assert Tree.objects.get(pk=tree.pk).status == TreeStatus.DRAFT
