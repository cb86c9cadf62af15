"""Which writes bump `version` (every edit of the row, by any path) and which do not (counters)."""

import json
from unittest import mock

import pytest
from django.db import DatabaseError

from accounts.tests.clients import client_for
from flows.models import Tree
from flows.samples import procedural_structure
from flows.services import tree_publish, tree_set_active, tree_update
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.services import step_fork, step_rate, step_record_use, steps_set_active
from steplibrary.tests.factories import LibraryStepFactory


def versions(tree: Tree) -> dict[str, int]:
    return dict(LibraryStep.objects.synced_from(tree).values_list("source_node_id", "version"))


@pytest.mark.django_db
class TestTreeVersion:
    def test_every_save_bumps_it_in_the_database_and_in_memory(self, author):
        tree = TreeFactory(author=author)
        assert tree.version == 1
        tree.name = "Renamed in the shell"
        tree.save()
        assert tree.version == 2
        tree.save(update_fields=["name"])
        assert tree.version == 3
        tree.refresh_from_db()
        assert tree.version == 3

    def test_a_limited_save_still_moves_updated_at(self, author):
        tree = TreeFactory(author=author)
        before = tree.updated_at
        tree.description = "x"
        tree.save(update_fields=["description"])
        tree.refresh_from_db()
        assert tree.updated_at > before

    def test_a_stale_copy_saving_does_not_lower_it(self, author):
        tree = TreeFactory(author=author)
        stale = Tree.objects.get(pk=tree.pk)
        tree_update(tree=tree, name="First")
        stale.description = "second"
        stale.save(update_fields=["description"])
        assert stale.version == 3
        assert Tree.objects.get(pk=tree.pk).version == 3

    def test_services_bump_it(self, author):
        tree = TreeFactory(author=author)
        tree_publish(tree=tree)
        tree_set_active(tree=tree, active=False)
        tree_set_active(tree=tree, active=True)
        assert Tree.objects.get(pk=tree.pk).version == tree.version == 4

    def test_an_update_that_changes_nothing_keeps_it(self, author):
        tree = TreeFactory(author=author, name="Same")
        tree_update(tree=tree, name="Same")
        assert Tree.objects.get(pk=tree.pk).version == 1

    def test_a_failed_save_leaves_the_old_number(self, author):
        tree = TreeFactory(author=author, published=True)
        tree.tree_structure = procedural_structure(4)
        with (
            mock.patch("steplibrary.sync.upsert_synced_entries", side_effect=DatabaseError("boom")),
            pytest.raises(DatabaseError),
        ):
            tree.save()
        assert tree.version == 1
        assert Tree.objects.get(pk=tree.pk).version == 1

    def test_admin_change_form_publishes_and_bumps_it(self, client, author):
        from accounts.tests.factories import UserFactory

        tree = TreeFactory(author=author)
        client.force_login(UserFactory(username="root", superuser=True))
        page = client.get(f"/admin/flows/tree/{tree.pk}/change/")
        form = page.context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update(
            name="Renamed in admin", status="published", tree_structure=json.dumps(procedural_structure(2))
        )
        for flag in ("is_public", "is_active"):
            if not data.get(flag):
                data.pop(flag, None)
        response = client.post(f"/admin/flows/tree/{tree.pk}/change/", data)
        assert response.status_code == 302, response.context and response.context["adminform"].form.errors
        tree.refresh_from_db()
        assert tree.name == "Renamed in admin" and tree.version == 2
        # Saved through the flow service: the publish decided on the locked row synced the library.
        assert LibraryStep.objects.synced_from(tree).filter(is_active=True).count() == 2


@pytest.mark.django_db
class TestLibraryStepVersion:
    def test_sync_bumps_only_entries_that_changed(self, author):
        tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(3))
        assert set(versions(tree).values()) == {1}
        tree.tree_structure["steps"][1]["title"] = "Changed"  # s1
        tree.save()
        assert versions(tree) == {"s1": 2, "s2": 1, "s3": 1}
        tree.name = "Renamed only"  # resyncs, but no entry changes
        tree.save()
        assert versions(tree) == {"s1": 2, "s2": 1, "s3": 1}

    def test_retiring_and_returning_bump_it(self, author):
        tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
        tree_set_active(tree=tree, active=False)
        assert versions(tree) == {"s1": 2, "s2": 2}
        tree_set_active(tree=tree, active=True)
        assert versions(tree) == {"s1": 3, "s2": 3}
        del tree.tree_structure["steps"][2]  # s2 leaves the flow
        tree.save()
        assert versions(tree) == {"s1": 3, "s2": 4}

    def test_counters_are_not_edits(self, author, teammate):
        step = LibraryStepFactory(created_by=author, public=True)
        step_rate(step=step, user=teammate, score=4)
        step_record_use(step=step)
        step_fork(step=step, user=teammate)
        step.refresh_from_db()
        assert (step.rating_count, step.usage_count, step.version) == (1, 1, 1)

    def test_api_rate_and_use_keep_the_etag(self, author, teammate):
        step = LibraryStepFactory(created_by=author, public=True)
        assert client_for(teammate).post(f"/api/steps/{step.pk}/use/")["ETag"] == '"1"'
        rated = client_for(teammate).post(f"/api/steps/{step.pk}/rate/", {"score": 5}, format="json")
        assert rated["ETag"] == '"1"'

    def test_a_fork_starts_at_one(self, author, teammate):
        step = LibraryStepFactory(created_by=author, public=True)
        step.title = "Edited"
        step.save()
        response = client_for(teammate).post(f"/api/steps/{step.pk}/fork/", {}, format="json")
        assert response.status_code == 201
        assert response.json()["version"] == 1 and response["ETag"] == '"1"'

    def test_admin_deactivate_and_reactivate_bump_it(self, author):
        step = LibraryStepFactory(created_by=author)
        steps_set_active(steps=LibraryStep.objects.filter(pk=step.pk), active=False)
        steps_set_active(steps=LibraryStep.objects.filter(pk=step.pk), active=True)
        step.refresh_from_db()
        assert step.version == 3

    def test_api_edit_bumps_it_once(self, author):
        step = LibraryStepFactory(created_by=author)
        response = client_for(author).patch(f"/api/steps/{step.pk}/", {"title": "New"}, format="json")
        assert response.json()["version"] == 2
        step.refresh_from_db()
        assert step.version == 2
