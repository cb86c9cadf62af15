"""Deleting and archiving flows: through the API (as the editor and the flows list do), the
pages' buttons, and support staff in admin."""

from unittest import mock

import pytest
from django.urls import reverse

from accounts.tests.clients import client_for
from config.fastjson import fingerprint
from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from runs.services import session_start
from steplibrary.models import LibraryStep
from steplibrary.services import step_fork

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(author):
    return TreeFactory(author=author, published=True, public=True, name="Rotate certs")


class TestDeleteApi:
    def test_a_teammate_deletes_and_the_entries_retire_forks_stay(self, live, teammate, outsider):
        step = LibraryStep.objects.filter(source_tree=live).first()
        fork = step_fork(step=step, user=outsider)
        session_start(tree=live, user=teammate)
        assert client_for(teammate).delete(f"/api/trees/{live.pk}/").status_code == 204
        assert not Tree.objects.filter(pk=live.pk).exists()
        assert not LibraryStep.objects.filter(is_flow_synced=True, is_active=True).exists()
        fork.refresh_from_db()
        assert fork.is_active

    def test_another_team_may_see_but_not_delete(self, live, outsider):
        assert client_for(outsider).delete(f"/api/trees/{live.pk}/").status_code == 403
        assert Tree.objects.filter(pk=live.pk).exists()

    def test_an_invisible_flow_is_a_404_and_anonymous_a_401(self, author, outsider):
        draft = TreeFactory(author=author)
        assert client_for(outsider).delete(f"/api/trees/{draft.pk}/").status_code == 404
        assert client_for(None).delete(f"/api/trees/{draft.pk}/").status_code == 401
        assert Tree.objects.filter(pk=draft.pk).exists()

    def test_the_delete_preview_lists_what_leaves_the_library(self, live, author):
        response = client_for(author).post(
            f"/api/trees/{live.pk}/preview/", {"intent": "deactivate"}, format="json"
        )
        assert response.status_code == 200
        assert len(response.json()["retired"]) == LibraryStep.objects.filter(source_tree=live).count()


class TestArchiveApi:
    def test_archive_retires_entries_and_unarchive_makes_a_draft(self, live, author):
        client = client_for(author)
        response = client.patch(f"/api/trees/{live.pk}/", {"status": "archived"}, format="json")
        assert response.status_code == 200
        live.refresh_from_db()
        assert live.status == TreeStatus.ARCHIVED
        assert not LibraryStep.objects.filter(source_tree=live, is_active=True).exists()
        response = client.patch(f"/api/trees/{live.pk}/", {"status": "draft"}, format="json")
        assert response.status_code == 200
        live.refresh_from_db()
        assert live.status == TreeStatus.DRAFT
        assert not LibraryStep.objects.filter(source_tree=live, is_active=True).exists()

    def test_another_team_cannot_archive(self, live, outsider):
        response = client_for(outsider).patch(f"/api/trees/{live.pk}/", {"status": "archived"}, format="json")
        assert response.status_code == 403
        live.refresh_from_db()
        assert live.status == TreeStatus.PUBLISHED


class TestPages:
    def test_the_list_offers_archive_and_delete_only_on_editable_flows(self, client, live, outsider, author):
        session_start(tree=live, user=author)
        client.force_login(author)
        html = client.get("/flows/").content.decode()
        assert f'data-flow-action="delete" data-tree-id="{live.pk}"' in html
        assert 'data-run-count="1"' in html
        assert 'data-flow-action="archive"' in html
        client.force_login(outsider)
        html = client.get("/flows/").content.decode()
        assert "Rotate certs" in html and "data-flow-action" not in html

    def test_an_archived_flow_offers_unarchive(self, client, author):
        TreeFactory(author=author, status=TreeStatus.ARCHIVED)
        client.force_login(author)
        html = client.get("/flows/").content.decode()
        assert 'data-flow-action="unarchive"' in html and 'data-flow-action="archive"' not in html

    def test_the_editor_has_delete_with_the_run_count(self, client, live, author):
        session_start(tree=live, user=author)
        session_start(tree=live, user=author)
        client.force_login(author)
        html = client.get(reverse("flow_edit", args=[live.pk])).content.decode()
        assert 'data-flow-action="delete"' in html and 'data-run-count="2"' in html


class TestAdmin:
    def test_support_staff_delete_a_flow_and_its_entries_retire(self, support_client, live):
        url = reverse("admin:flows_tree_delete", args=[live.pk])
        assert support_client.get(url).status_code == 200
        response = support_client.post(url, {"post": "yes"}, follow=True)
        assert response.status_code == 200
        assert not Tree.objects.filter(pk=live.pk).exists()
        assert not LibraryStep.objects.filter(is_flow_synced=True, is_active=True).exists()

    def test_the_bulk_delete_action_retires_every_flow_s_entries(self, support_client, author):
        trees = [TreeFactory(author=author, published=True) for _ in range(2)]
        response = support_client.post(
            reverse("admin:flows_tree_changelist"),
            {"action": "delete_selected", "_selected_action": [str(t.pk) for t in trees], "post": "yes"},
            follow=True,
        )
        assert response.status_code == 200
        assert not Tree.objects.exists()
        assert not LibraryStep.objects.filter(is_flow_synced=True, is_active=True).exists()

    def test_archive_then_unarchive_actions(self, support_client, live):
        url = reverse("admin:flows_tree_changelist")
        response = support_client.post(
            url, {"action": "archive", "_selected_action": [str(live.pk)]}, follow=True
        )
        assert "1 flow archived." in response.content.decode()
        assert not LibraryStep.objects.filter(source_tree=live, is_active=True).exists()
        response = support_client.post(
            url, {"action": "unarchive", "_selected_action": [str(live.pk)]}, follow=True
        )
        assert "1 flow unarchived." in response.content.decode()
        live.refresh_from_db()
        assert live.status == TreeStatus.DRAFT

    def test_staff_outside_the_group_cannot_delete(self, client, staff, live):
        client.force_login(staff)
        response = client.post(reverse("admin:flows_tree_delete", args=[live.pk]), {"post": "yes"})
        assert response.status_code == 403
        assert Tree.objects.filter(pk=live.pk).exists()


def test_a_refreshed_flow_knows_its_saved_state_after_one_fingerprint(author):
    tree = TreeFactory(author=author, tree_structure=procedural_structure(5))
    Tree.objects.filter(pk=tree.pk).update(name="Renamed elsewhere")
    with mock.patch("flows.models.fingerprint", wraps=fingerprint) as spy:
        tree.refresh_from_db()
    assert spy.call_count == 1  # the structure, not again for the copy the refresh reads
    assert tree.name == "Renamed elsewhere"
    assert not tree.has_changed("name")
    assert not tree.has_changed("tree_structure")
    tree.tree_structure["steps"][1]["title"] = "Edited in place"
    assert tree.has_changed("tree_structure")
    loaded = Tree.objects.get(pk=tree.pk)
    assert not loaded.has_changed("tree_structure")
    loaded.tree_structure["steps"][1]["title"] = "Edited in place"
    assert loaded.has_changed("tree_structure")
