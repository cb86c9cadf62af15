"""Near-duplicates flagged before they are made: the publish preview lists, for each new or
changed step, the visible library entries very like it; inserting one links the node."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.clients import client_for
from flows.models import Tree
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def step(node_id: str, title: str, description: str, command: str) -> dict:
    return {
        "id": node_id,
        "type": "procedure_step",
        "title": title,
        "description": description,
        "expected_outcome": "nginx reports inactive",
        "commands": [{"language": "bash", "code": command}],
    }


STOP_NGINX = step(
    "stop", "Stop nginx", "Stop nginx on web-01 before the change.", "sudo systemctl stop nginx"
)


@pytest.fixture
def published(author):
    """alice's public flow with "Stop nginx", used 40 times and rated."""
    tree = TreeFactory(author=author, published=True, public=True, tree_structure={"steps": [STOP_NGINX]})
    entry = LibraryStep.objects.get(source_tree=tree)
    LibraryStep.objects.filter(pk=entry.pk).update(usage_count=40, rating_avg=4.6, rating_count=5)
    return tree, entry


def preview(client: APIClient, tree: Tree, steps: list[dict]) -> dict:
    response = client.post(
        f"/api/trees/{tree.pk}/preview/", {"tree_structure": {"steps": steps}}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
class TestPreviewSuggestions:
    def test_the_same_step_in_a_new_flow_is_suggested_with_usage_and_rating(self, published, teammate):
        _, entry = published
        draft = TreeFactory(author=teammate)
        similar = preview(client_for(teammate), draft, [{**STOP_NGINX, "id": "n1", "title": "stop nginx "}])
        assert similar["similar"] == [
            {
                "node_id": "n1",
                "matches": [
                    {
                        "step_id": str(entry.pk),
                        "title": "Stop nginx",
                        "usage_count": 40,
                        "rating_avg": 4.6,
                        "rating_count": 5,
                        "similarity": 1.0,
                    }
                ],
            }
        ]

    def test_an_entry_the_reader_may_not_see_is_never_suggested(self, author, outsider):
        team_only = TreeFactory(author=author, published=True, tree_structure={"steps": [STOP_NGINX]})
        assert LibraryStep.objects.get(source_tree=team_only).visibility == "team"
        draft = TreeFactory(author=outsider)
        assert preview(client_for(outsider), draft, [{**STOP_NGINX, "id": "n1"}])["similar"] == []

    def test_the_flows_own_entries_are_not_suggested(self, published, author):
        tree, _ = published
        changed = {**STOP_NGINX, "description": "Stop nginx on web-01 before the change, then check."}
        body = preview(client_for(author), tree, [changed])
        assert [item["node_id"] for item in body["changed"]] == ["stop"]
        assert body["similar"] == []

    def test_inserting_the_suggestion_links_the_node_and_it_is_not_suggested_again(self, published, teammate):
        _, entry = published
        bob = client_for(teammate)
        draft = TreeFactory(author=teammate)
        match = preview(bob, draft, [{**STOP_NGINX, "id": "n1"}])["similar"][0]["matches"][0]
        # What the editor does with "insert that instead": the node becomes the entry, linked.
        inserted = {**STOP_NGINX, "id": "n1", "library_step_id": match["step_id"]}
        response = bob.patch(
            f"/api/trees/{draft.pk}/", {"tree_structure": {"steps": [inserted]}}, format="json"
        )
        assert response.status_code == 200, response.content
        draft.refresh_from_db()
        assert draft.linked_step_ids == [str(entry.pk)]
        usage = bob.get(f"/api/steps/{entry.pk}/usage/").json()
        assert str(draft.pk) in [flow["id"] for flow in usage["flows"]]
        assert preview(bob, draft, [inserted])["similar"] == []

    def test_a_deactivation_preview_suggests_nothing(self, published, author):
        tree, _ = published
        response = client_for(author).post(
            f"/api/trees/{tree.pk}/preview/", {"intent": "deactivate"}, format="json"
        )
        assert response.json()["similar"] == []

    def test_one_query_for_the_suggestions_of_many_steps(
        self, published, teammate, django_assert_max_num_queries
    ):
        draft = TreeFactory(author=teammate)
        steps = [
            step(f"n{index}", f"Stop nginx {index}", "Stop it.", "sudo systemctl stop nginx")
            for index in range(30)
        ]
        bob = client_for(teammate)
        preview(bob, draft, steps[:1])  # warm up the session and the throttle
        with django_assert_max_num_queries(12):
            preview(bob, draft, steps)


@pytest.mark.postgresql
@pytest.mark.django_db
class TestSimilarityOnPostgreSQL:
    def test_a_paraphrase_of_the_same_step_is_suggested(self, published, teammate):
        _, entry = published
        draft = TreeFactory(author=teammate)
        paraphrase = step(
            "n1",
            "Stop the nginx service",
            "Stop nginx on web-02 before the change.",
            "sudo systemctl stop nginx",
        )
        matches = preview(client_for(teammate), draft, [paraphrase])["similar"][0]["matches"]
        assert [match["step_id"] for match in matches] == [str(entry.pk)]
        assert 0.85 <= matches[0]["similarity"] < 1

    def test_the_same_action_on_another_service_is_not(self, published, teammate):
        draft = TreeFactory(author=teammate)
        other = step(
            "n1", "Stop redis", "Stop redis on web-01 before the change.", "sudo systemctl stop redis"
        )
        assert preview(client_for(teammate), draft, [other])["similar"] == []

    def test_identical_entries_are_suggested_once(self, published, author, teammate):
        _, entry = published
        TreeFactory(
            author=author, published=True, public=True, tree_structure={"steps": [{**STOP_NGINX, "id": "x"}]}
        )
        draft = TreeFactory(author=teammate)
        matches = preview(client_for(teammate), draft, [{**STOP_NGINX, "id": "n1"}])["similar"][0]["matches"]
        assert [match["step_id"] for match in matches] == [str(entry.pk)]  # the most used copy


@pytest.mark.sqlite
@pytest.mark.django_db
def test_sqlite_suggests_entries_with_the_same_title_only(published, teammate):
    draft = TreeFactory(author=teammate)
    paraphrase = step("n1", "Stop the nginx service", "Stop nginx on web-02.", "sudo systemctl stop nginx")
    assert preview(client_for(teammate), draft, [paraphrase])["similar"] == []
    same_title = step("n2", "STOP NGINX", "Something else entirely.", "true")
    assert [item["node_id"] for item in preview(client_for(teammate), draft, [same_title])["similar"]] == [
        "n2"
    ]


@pytest.mark.django_db
def test_an_outsider_cannot_preview_someone_elses_flow(published, author, outsider):
    draft = TreeFactory(author=author)
    response = client_for(outsider).post(f"/api/trees/{draft.pk}/preview/", {}, format="json")
    assert response.status_code == 404
