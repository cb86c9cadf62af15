"""Counts said one way: an entry's "in N other flows" leaves out its own source flow, and the
detail panel counts forks as the publish preview does (every active fork; only the forks the
reader may see are listed)."""

import pytest

from accounts.tests.clients import client_for
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_flow(author):
    return TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(2))


def test_the_source_flow_is_not_one_of_the_other_flows(author, public_flow):
    step = LibraryStep.objects.get(source_tree=public_flow, source_node_id="s1")
    # The flow links its own entry from another node: still no *other* flow uses it.
    structure = public_flow.tree_structure
    structure["steps"].insert(
        -1, {"id": "s9", "type": "procedure_step", "title": "Again", "library_step_id": str(step.pk)}
    )
    public_flow.tree_structure = structure
    public_flow.save()
    other = procedural_structure(1)
    other["steps"][1]["library_step_id"] = str(step.pk)
    TreeFactory(author=author, tree_structure=other)
    body = client_for(author).get(f"/api/steps/{step.pk}/usage/").json()
    assert body["flow_count"] == 1


def test_preview_and_usage_count_the_same_forks(author, teammate, outsider, public_flow):
    step = LibraryStep.objects.get(source_tree=public_flow, source_node_id="s1")
    client_for(outsider).post(f"/api/steps/{step.pk}/fork/")  # private: the author cannot see it
    client_for(teammate).post(f"/api/steps/{step.pk}/fork/", {"visibility": "team"})
    usage = client_for(author).get(f"/api/steps/{step.pk}/usage/").json()
    preview = (
        client_for(author)
        .post(f"/api/trees/{public_flow.pk}/preview/", {"intent": "deactivate"}, format="json")
        .json()
    )
    retired = {item["step_id"]: item["forks"] for item in preview["retired"]}
    assert usage["fork_count"] == retired[str(step.pk)] == 2
    # Counted, not named: the author's list holds only the fork the author may see.
    assert [fork["created_by_username"] for fork in usage["forks"]] == ["bob"]
