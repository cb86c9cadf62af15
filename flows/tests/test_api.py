"""The flow API's writes: publish refusals name their nodes, hostile bodies are 400s, the
team and author are the requester's, and a flow created published syncs."""

import pytest

from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep


@pytest.mark.django_db
class TestTreeWrites:
    def test_a_refused_publish_names_the_nodes_and_changes_nothing(self, api, author):
        tree = TreeFactory(author=author, tree_structure={"steps": [{"id": "a", "type": "procedure_step"}]})
        response = api.patch(f"/api/trees/{tree.pk}/", {"status": "published"})
        assert response.status_code == 400
        assert response.json() == {"tree_structure": ["steps[0].title: a title is required to publish"]}
        tree.refresh_from_db()
        assert tree.status == "draft"
        assert not LibraryStep.objects.exists()

    def test_structure_errors_carry_paths(self, api):
        response = api.post(
            "/api/trees/",
            {
                "name": "Bad",
                "tree_type": "procedural",
                "tree_structure": {"steps": [{"id": "a", "type": "procedure_step", "commands": [{}]}]},
            },
        )
        assert response.status_code == 400
        assert response.json()["tree_structure"] == ["steps[0].commands[0].code: this field is required"]

    def test_nul_characters_are_refused_not_a_500(self, api):
        structure = {"steps": [{"id": "a", "type": "procedure_step", "title": "x\u0000y"}]}
        response = api.post(
            "/api/trees/", {"name": "Nul", "tree_type": "procedural", "tree_structure": structure}
        )
        assert response.status_code == 400
        response = api.post("/api/trees/", {"name": "a\u0000b", "tree_type": "procedural"})
        assert response.status_code == 400

    def test_deeply_nested_json_is_a_400(self, api):
        body = (
            '{"name": "Deep", "tree_type": "troubleshooting", "tree_structure": '
            + "[" * 5000
            + "]" * 5000
            + "}"
        )
        response = api.post("/api/trees/", body, content_type="application/json")
        assert response.status_code == 400

    def test_account_must_be_the_users_own(self, api, author, other_account):
        response = api.post(
            "/api/trees/", {"name": "X", "tree_type": "procedural", "account": other_account.pk}
        )
        assert response.status_code == 400
        assert "account" in response.json()
        private = api.post("/api/trees/", {"name": "Mine alone", "tree_type": "procedural", "account": None})
        assert private.json()["account"] is None
        default = api.post("/api/trees/", {"name": "Team flow", "tree_type": "procedural"})
        assert default.json()["account"] == author.account_id
        assert default.json()["tree_structure"] == {"steps": []}

    def test_author_is_the_requester_and_read_only(self, api, author, teammate):
        response = api.post("/api/trees/", {"name": "X", "tree_type": "procedural", "author": teammate.pk})
        assert response.json()["author"] == author.pk

    def test_a_created_published_flow_syncs(self, api):
        response = api.post(
            "/api/trees/",
            {
                "name": "Live",
                "tree_type": "procedural",
                "status": "published",
                "tree_structure": procedural_structure(2),
            },
        )
        assert response.status_code == 201
        assert response.json()["sync_result"]["created"] == 2
