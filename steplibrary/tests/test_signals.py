"""Every row of the design's "what happens when" table, asserted on database state."""

import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError

from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.services import tree_publish, tree_set_active
from flows.tests.factories import TreeFactory
from flows.tree_structure import TreeStructureError
from steplibrary.models import LibraryStep, StepRating
from steplibrary.tests.factories import LibraryStepFactory


def synced(tree: Tree):
    return LibraryStep.objects.filter(source_tree=tree, is_flow_synced=True)


def state(tree: Tree) -> dict:
    return {
        step.source_node_id: (step.id, step.is_active, step.usage_count, step.rating_count)
        for step in synced(tree)
    }


@pytest.fixture
def published(author):
    tree = TreeFactory(author=author, tree_structure=procedural_structure(3))
    tree_publish(tree=tree)
    return tree


def use_and_rate(tree: Tree, user) -> LibraryStep:
    step = synced(tree).get(source_node_id="s1")
    LibraryStep.objects.filter(pk=step.pk).update(usage_count=7, rating_count=1, rating_avg=5.0)
    StepRating.objects.create(step=step, user=user, score=5)
    return step


@pytest.mark.django_db
class TestPublish:
    def test_publishing_a_draft_creates_one_entry_per_step(self, author):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(3))
        assert not synced(tree).exists()
        tree_publish(tree=tree)
        assert tree.library_sync.created == 3
        entries = list(synced(tree).order_by("source_node_id"))
        assert [entry.source_node_id for entry in entries] == ["s1", "s2", "s3"]
        for entry in entries:
            assert entry.is_active and entry.is_flow_synced
            assert entry.created_by == author
            assert entry.account == author.account
            assert entry.last_synced_at is not None
        assert tree.published_at is not None

    def test_a_tree_created_as_published_syncs(self, author):
        tree = TreeFactory(author=author, published=True)
        assert synced(tree).count() == 3

    def test_a_draft_save_does_not_sync(self, author):
        tree = TreeFactory(author=author)
        tree.name = "Renamed"
        tree.save()
        assert not synced(tree).exists()

    def test_republish_from_draft_keeps_ids_counts_and_ratings(self, published, teammate):
        use_and_rate(published, teammate)
        before = state(published)
        published.status = TreeStatus.DRAFT
        published.save()
        tree_publish(tree=published)
        assert state(published) == before
        assert StepRating.objects.count() == 1


@pytest.mark.django_db
class TestEditsWhilePublished:
    def test_an_edit_updates_entries_in_place(self, published, teammate):
        step = use_and_rate(published, teammate)
        first_sync = step.last_synced_at
        published.tree_structure["steps"][1]["title"] = "A better title"
        published.save()
        step.refresh_from_db()
        assert step.title == "A better title"
        assert (step.usage_count, step.rating_count, step.rating_avg) == (7, 1, 5.0)
        assert step.last_synced_at > first_sync
        assert published.library_sync.as_dict() == {
            "created": 0,
            "updated": 1,
            "unchanged": 2,
            "deactivated": 0,
            "held": 0,
        }

    def test_a_republish_moves_updated_at_only_for_changed_entries(self, published):
        before = dict(synced(published).values_list("source_node_id", "updated_at"))
        published.tree_structure["steps"][2]["title"] = "Only this one changes"
        published.save()
        after = dict(synced(published).values_list("source_node_id", "updated_at"))
        assert after["s2"] > before["s2"]
        assert (after["s1"], after["s3"]) == (before["s1"], before["s3"])

    def test_making_the_flow_public_changes_entry_visibility(self, published):
        published.is_public = True
        published.save()
        assert set(synced(published).values_list("visibility", flat=True)) == {"public"}

    def test_a_save_that_changes_nothing_synced_does_not_sync(self, published):
        published.description = "Only the description changed"
        published.save()
        assert published.library_sync is None  # this save did not sync (never the last one's result)

    def test_a_removed_node_is_soft_deleted_and_comes_back_with_its_counts(self, published, teammate):
        use_and_rate(published, teammate)
        removed = published.tree_structure["steps"].pop(1)
        published.save()
        assert published.library_sync.deactivated == 1
        assert not synced(published).get(source_node_id="s1").is_active
        assert synced(published).filter(is_active=True).count() == 2

        published.tree_structure["steps"].insert(1, removed)
        published.save()
        entry = synced(published).get(source_node_id="s1")
        assert entry.is_active and entry.usage_count == 7


@pytest.mark.django_db
class TestRetirement:
    def test_deactivation_soft_deletes_and_reactivation_restores_with_counts(self, published, teammate):
        use_and_rate(published, teammate)
        before = state(published)
        tree_set_active(tree=published, active=False)
        assert not synced(published).filter(is_active=True).exists()
        tree_set_active(tree=published, active=True)
        assert state(published) == before

    def test_archiving_soft_deletes(self, published):
        published.status = TreeStatus.ARCHIVED
        published.save()
        assert not synced(published).filter(is_active=True).exists()

    def test_back_to_draft_leaves_the_library_as_last_published(self, published):
        before = state(published)
        published.status = TreeStatus.DRAFT
        published.tree_structure["steps"][1]["title"] = "Draft-only change"
        published.save()
        assert state(published) == before
        assert synced(published).get(source_node_id="s1").title == "Step 1"

    def test_archiving_a_draft_retires_what_its_last_publish_left(self, published):
        published.status = TreeStatus.DRAFT
        published.save()
        published.status = TreeStatus.ARCHIVED
        published.save()
        assert not synced(published).filter(is_active=True).exists()

    def test_deletion_soft_deletes_before_the_link_is_cleared(self, published):
        ids = list(synced(published).values_list("id", flat=True))
        published.delete()
        entries = LibraryStep.objects.filter(id__in=ids)
        assert entries.count() == 3
        assert not entries.filter(is_active=True).exists()
        assert not entries.filter(source_tree__isnull=False).exists()

    def test_queryset_delete_also_retires(self, published):
        Tree.objects.filter(pk=published.pk).delete()
        assert not LibraryStep.objects.filter(is_active=True).exists()


@pytest.mark.django_db
class TestOthersAreUntouched:
    def test_forks_and_manual_entries_survive_every_transition(self, published, teammate):
        original = synced(published).get(source_node_id="s1")
        fork = LibraryStepFactory(created_by=teammate, forked_from=original, title="My copy")
        manual = LibraryStepFactory(created_by=published.author, title="Manual")
        published.tree_structure["steps"][1]["title"] = "Changed"
        published.save()
        tree_set_active(tree=published, active=False)
        published.delete()
        for entry in (fork, manual):
            refreshed = LibraryStep.objects.get(pk=entry.pk)
            assert refreshed.is_active
            assert refreshed.title == entry.title
            assert not refreshed.is_flow_synced


@pytest.mark.django_db
def test_loaddata_does_not_sync(tmp_path, author):
    fixture = tmp_path / "flow.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "flows.tree",
                    "pk": "6f0e5b7c-6a35-4c7a-9a53-0d3c2b1f8e11",
                    "fields": {
                        "name": "Loaded",
                        "tree_type": "procedural",
                        "tree_structure": procedural_structure(2),
                        "status": "published",
                        "is_active": True,
                        "created_at": "2026-01-01T00:00:00Z",
                        "updated_at": "2026-01-01T00:00:00Z",
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert Tree.objects.filter(name="Loaded").exists()
    assert not LibraryStep.objects.exists()


@pytest.mark.django_db
class TestAtomicity:
    def test_a_failing_upsert_leaves_the_tree_unpublished_and_the_library_unchanged(self, author):
        tree = TreeFactory(author=author)
        with (
            mock.patch("steplibrary.sync.upsert_synced_entries", side_effect=DatabaseError("boom")),
            pytest.raises(DatabaseError),
        ):
            tree_publish(tree=tree)
        tree.refresh_from_db()
        assert tree.status == TreeStatus.DRAFT
        assert tree.published_at is None
        assert not LibraryStep.objects.exists()

    def test_a_failing_republish_keeps_the_previous_library(self, published):
        before = state(published)
        published.tree_structure["steps"][1]["title"] = "Never lands"
        with (
            mock.patch("steplibrary.sync.upsert_synced_entries", side_effect=DatabaseError("boom")),
            pytest.raises(DatabaseError),
        ):
            published.save()
        published.refresh_from_db()
        assert published.tree_structure["steps"][1]["title"] == "Step 1"
        assert state(published) == before

    def test_publishing_an_invalid_structure_from_the_shell_is_refused(self, author):
        tree = TreeFactory(author=author, tree_structure={"steps": [{"id": "s", "type": "procedure_step"}]})
        tree.status = TreeStatus.PUBLISHED
        with pytest.raises(TreeStructureError):
            tree.save()
        tree.refresh_from_db()
        assert tree.status == TreeStatus.DRAFT


@pytest.mark.django_db
class TestQueryBudget:
    @pytest.mark.parametrize("step_count", [20, 2000])
    def test_publishing_runs_a_fixed_number_of_queries(
        self, author, django_assert_max_num_queries, step_count
    ):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(step_count, sections=10))
        # lock, read, upsert, revisions, plus the save and its savepoints, the service's row
        # lock, the new version read back and the flow revision (latest, insert): none per step.
        with django_assert_max_num_queries(15):
            tree_publish(tree=tree)
        assert synced(tree).count() == step_count

    @pytest.mark.parametrize("step_count", [20, 2000])
    def test_republishing_with_removals_runs_a_fixed_number_of_queries(
        self, author, django_assert_max_num_queries, step_count
    ):
        tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(step_count))
        del tree.tree_structure["steps"][1 : step_count // 10]
        with django_assert_max_num_queries(14):  # as above, without the service's lock
            tree.save()
        assert tree.library_sync.deactivated == step_count // 10 - 1

    def test_tree_snapshot_survives_refresh_and_deferral(self, published):
        loaded = Tree.objects.defer("tree_structure").get(pk=published.pk)
        loaded.tree_structure["steps"][1]["title"] = "Through a deferred load"
        loaded.save()
        assert synced(published).get(source_node_id="s1").title == "Through a deferred load"
