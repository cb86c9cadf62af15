"""Where-used through the flows' link table: correct as links come and go, and a publish
whose cost does not grow with the number of other flows that link its entries."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flows.models import Tree, TreeStepLink
from flows.samples import procedural_structure
from flows.services import tree_archive, tree_delete, tree_publish, tree_update
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, Notice
from steplibrary.sync import steps_preview_sync
from steplibrary.usage import trees_using_steps


def linking(step_ids: list) -> dict:
    """A procedural structure whose steps were inserted from `step_ids`, one each."""
    structure = procedural_structure(len(step_ids), sections=0)
    for node, step_id in zip(structure["steps"], step_ids, strict=False):
        node["library_step_id"] = str(step_id)
    return structure


def users_of(step: LibraryStep, **kwargs) -> list[str]:
    return [tree.name for tree in trees_using_steps([step.pk], **kwargs).get(step.pk, [])]


@pytest.fixture
def source(author):
    tree = TreeFactory(author=author, is_public=True, tree_structure=procedural_structure(4, sections=0))
    tree_publish(tree=tree)
    return tree


@pytest.fixture
def entries(source):
    return list(LibraryStep.objects.filter(source_tree=source).order_by("source_node_id"))


@pytest.mark.django_db
class TestWhereUsed:
    def test_a_link_counts_from_the_save_that_adds_it_until_the_save_that_removes_it(self, teammate, entries):
        flow = TreeFactory(author=teammate, name="Uses it", tree_structure=procedural_structure(2))
        assert users_of(entries[0]) == []
        tree_update(tree=flow, tree_structure=linking([entries[0].pk]))
        assert users_of(entries[0]) == ["Uses it"]
        tree_update(tree=flow, tree_structure=linking([entries[1].pk]))  # the node now names another
        assert users_of(entries[0]) == [] and users_of(entries[1]) == ["Uses it"]
        tree_update(tree=flow, tree_structure=procedural_structure(2))
        assert users_of(entries[1]) == []
        assert not TreeStepLink.objects.filter(tree=flow).exists()

    def test_a_flow_linking_one_entry_twice_is_listed_once(self, teammate, entries):
        TreeFactory(author=teammate, name="Twice", tree_structure=linking([entries[0].pk, entries[0].pk]))
        assert users_of(entries[0]) == ["Twice"]

    def test_a_deleted_flow_stops_counting_and_an_archived_one_still_does(self, teammate, entries):
        kept = TreeFactory(author=teammate, name="Archived", tree_structure=linking([entries[0].pk]))
        gone = TreeFactory(author=teammate, name="Deleted", tree_structure=linking([entries[0].pk]))
        tree_archive(tree=kept)
        tree_delete(tree=gone)
        assert users_of(entries[0]) == ["Archived"]
        assert not TreeStepLink.objects.filter(tree_id=gone.pk).exists()

    def test_the_reader_sees_only_flows_they_may_open(self, teammate, outsider, entries):
        TreeFactory(author=teammate, name="Acme's", tree_structure=linking([entries[0].pk]))
        TreeFactory(author=outsider, name="Globex's", tree_structure=linking([entries[0].pk]))
        assert users_of(entries[0], user=outsider) == ["Globex's"]
        assert sorted(users_of(entries[0], user=teammate)) == ["Acme's"]

    def test_the_links_are_filled_from_existing_flows_by_the_migration(self, teammate, entries):
        flow = TreeFactory(
            author=teammate, name="Old", tree_structure=linking([entries[0].pk, entries[2].pk])
        )
        TreeStepLink.objects.all().delete()
        migration = importlib.import_module("flows.migrations.0005_tree_step_links")
        migration.fill_links(apps, SimpleNamespace(connection=connection))
        assert set(TreeStepLink.objects.values_list("tree_id", "node_id", "step_id")) == {
            (flow.pk, "s1", entries[0].pk),
            (flow.pk, "s2", entries[2].pk),
        }


def _edit_every_step(tree: Tree) -> dict:
    structure = tree.tree_structure
    for node in structure["steps"]:
        node["title"] += " (revised)"
    return structure


@pytest.mark.django_db
class TestCostIndependentOfOtherFlows:
    """The same preview with 0 and with 50 other flows linking its entries; the same publish
    with 1 and with 50 (with none, nobody is told and the notices' two reads and insert are
    skipped)."""

    def _publish_and_preview_queries(self, author, teammate, other_flows: int) -> tuple[int, int, int]:
        tree = TreeFactory(author=author, is_public=True, tree_structure=procedural_structure(4, sections=0))
        tree_publish(tree=tree)
        steps = list(LibraryStep.objects.filter(source_tree=tree).values_list("pk", flat=True))
        for index in range(other_flows):
            TreeFactory(author=teammate, name=f"Other {index}", tree_structure=linking(steps))
        structure = _edit_every_step(tree)
        tree.tree_structure = structure
        with CaptureQueriesContext(connection) as preview:
            body = steps_preview_sync(tree=tree)
        assert {item["flows"] for item in body["changed"]} == {other_flows}
        tree.refresh_from_db()
        with CaptureQueriesContext(connection) as publish:
            tree_update(tree=tree, tree_structure=structure)
        notices = Notice.objects.filter(source_tree=tree).count()
        return len(preview), len(publish), notices

    def test_publish_and_preview_cost_the_same_however_many_other_flows_link_them(self, author, teammate):
        alone = self._publish_and_preview_queries(author, teammate, 0)
        one = self._publish_and_preview_queries(author, teammate, 1)
        crowded = self._publish_and_preview_queries(author, teammate, 50)
        assert alone[0] == one[0] == crowded[0]
        assert one[1] == crowded[1] == alone[1] + 3
        # every changed entry, to each other flow's author
        assert (alone[2], one[2], crowded[2]) == (0, 4, 4 * 50)
