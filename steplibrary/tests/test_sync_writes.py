"""The sync writes only what changed: query counts of a first, an unchanged and a changed
republish, parsing once per publish, and hashes that survive the encoder change."""

import hashlib
import importlib
import json
import re
import uuid
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flows import tree_structure
from flows.models import Tree
from flows.samples import procedural_structure
from flows.services import tree_publish, tree_update
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, StepRevision
from steplibrary.sync import steps_sync_from_tree

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def synced(tree: Tree):
    return LibraryStep.objects.filter(source_tree=tree, is_flow_synced=True)


def library_writes(queries) -> list[str]:
    tables = (LibraryStep._meta.db_table, StepRevision._meta.db_table)
    return [q["sql"] for q in queries if WRITE.match(q["sql"]) and any(t in q["sql"] for t in tables)]


def snapshot(tree: Tree) -> dict:
    return {
        row["source_node_id"]: row
        for row in synced(tree).values(
            "source_node_id", "version", "updated_at", "last_synced_at", "is_active"
        )
    }


@pytest.fixture
def published_flow(author):
    def make(step_count: int) -> Tree:
        tree = TreeFactory(author=author, tree_structure=procedural_structure(step_count, sections=10))
        tree_publish(tree=tree)
        return tree

    return make


@pytest.mark.django_db
class TestQueryCounts:
    @pytest.mark.parametrize("step_count", [20, 2000])
    def test_first_publish(self, author, django_assert_num_queries, step_count):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(step_count, sections=10))
        # The service's lock, the flow's UPDATE and version read, its revision (latest, insert),
        # the sync (lock, plan read, upsert, revisions) and six savepoint statements: none per step.
        with django_assert_num_queries(15):
            tree_publish(tree=tree)
        assert synced(tree).filter(is_active=True).count() == step_count
        assert StepRevision.objects.filter(step__source_tree=tree).count() == step_count

    @pytest.mark.parametrize("step_count", [20, 2000])
    def test_unchanged_republish_reads_and_writes_nothing(
        self, published_flow, django_assert_num_queries, step_count
    ):
        tree = published_flow(step_count)
        before = snapshot(tree)
        # The flow's lock and the plan's read (and the sync's savepoint and its release).
        with django_assert_num_queries(4) as queries:
            result = steps_sync_from_tree(tree=tree)
        assert library_writes(queries.captured_queries) == []
        assert result.unchanged == step_count and result.updated == result.created == 0
        assert snapshot(tree) == before

    @pytest.mark.parametrize("step_count", [20, 2000])
    def test_changed_republish(self, published_flow, django_assert_num_queries, step_count):
        tree = published_flow(step_count)
        structure = tree.tree_structure
        steps = [node for node in structure["steps"] if node["type"] == "procedure_step"]
        for node in steps[::10]:
            node["title"] += " (revised)"
        removed = {node["id"] for node in steps[5::20]}
        structure = {"steps": [node for node in structure["steps"] if node["id"] not in removed]}
        # As the first publish, plus the retire and the notices' reads (forks, flows using them).
        with django_assert_num_queries(18):
            tree_update(tree=tree, tree_structure=structure)
        result = tree.library_sync
        assert result.updated == len(steps[::10]) - len(removed & {n["id"] for n in steps[::10]})
        assert result.deactivated == len(removed)


@pytest.mark.django_db
def test_new_entries_get_distinct_random_ids(published_flow):
    ids = list(synced(published_flow(40)).values_list("id", flat=True))
    ids += synced(published_flow(40)).values_list("id", flat=True)
    assert len(set(ids)) == len(ids) == 80
    assert {step_id.version for step_id in ids} == {4}
    assert {step_id.variant for step_id in ids} == {uuid.RFC_4122}


@pytest.mark.django_db
class TestOnlyChangesAreWritten:
    def test_only_the_edited_entry_moves(self, published_flow):
        tree = published_flow(5)
        before = snapshot(tree)
        structure = tree.tree_structure
        structure["steps"][1]["title"] = "Stop the web server first"  # steps[0] is the header
        tree_update(tree=tree, tree_structure=structure)
        after = snapshot(tree)
        assert after["s1"]["version"] == before["s1"]["version"] + 1
        assert after["s1"]["last_synced_at"] > before["s1"]["last_synced_at"]
        assert {node: after[node] for node in after if node != "s1"} == {
            node: before[node] for node in before if node != "s1"
        }

    def test_a_publish_validates_its_structure_once(self, author):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(30))
        parse = tree_structure._parse_tree_structure
        with mock.patch.object(tree_structure, "_parse_tree_structure", wraps=parse) as parsed:
            tree_publish(tree=tree)
        assert parsed.call_count == 1
        assert synced(tree).count() == 30

    def test_a_changed_structure_in_place_is_parsed_again(self, author):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(3))
        tree_publish(tree=tree)
        tree.tree_structure["steps"][1]["title"] = "Changed in place"
        tree.save()
        assert synced(tree).get(source_node_id="s1").title == "Changed in place"

    def test_a_full_save_leaves_an_unchanged_structure_alone(self, published_flow):
        tree = Tree.objects.get(pk=published_flow(3).pk)
        structure = tree.tree_structure
        tree.name = "Renamed"
        with CaptureQueriesContext(connection) as queries:
            tree.save()
        updates = [
            q["sql"] for q in queries if q["sql"].startswith("UPDATE") and Tree._meta.db_table in q["sql"]
        ]
        assert updates and all("tree_structure" not in sql for sql in updates)
        tree.refresh_from_db()
        assert tree.name == "Renamed" and tree.tree_structure == structure


def _old_hash(title, step_type, content, visibility) -> str:
    """The hash as computed before orjson: the standard library's encoding."""
    encoded = json.dumps([title, step_type, content, visibility], sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(encoded.encode(), digest_size=16).hexdigest()


@pytest.mark.django_db
def test_the_rehash_migration_keeps_unchanged_republishes_silent(author):
    structure = procedural_structure(3)
    structure["steps"][1]["title"] = "Redémarrer le serveur — ÉTAPE 1"
    tree = TreeFactory(author=author, tree_structure=structure)
    tree_publish(tree=tree)
    step = synced(tree).get(source_node_id="s1")
    stale = _old_hash(step.title, step.step_type, step.content, step.visibility)
    assert stale != step.content_hash  # non-ASCII text: the encoders disagree
    LibraryStep.objects.filter(pk=step.pk).update(content_hash=stale)
    StepRevision.objects.filter(step=step).update(content_hash=stale)

    migration = importlib.import_module("steplibrary.migrations.0017_rehash_versions_with_orjson")
    migration.rehash(apps, SimpleNamespace(connection=connection))

    with CaptureQueriesContext(connection) as queries:
        result = steps_sync_from_tree(tree=tree)
    assert result.unchanged == 3 and library_writes(queries.captured_queries) == []
    assert StepRevision.objects.filter(step=step).count() == 1
