"""Identical entries show as one result: reusing a step in another flow does not pile up
copies in the library, and nobody sees or counts a copy they may not see."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.clients import client_for
from flows.models import Tree
from flows.samples import stop_nginx_step
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory, distinct_structure

STOP_NGINX = stop_nginx_step()


def node_from_library(entry: dict, node_id: str) -> dict:
    """What the editor's "Insert from library" makes of an entry (static/js/editor.js)."""
    content = entry["content"]
    node = {
        "id": node_id,
        "type": "procedure_step",
        "title": entry["title"],
        "library_step_id": entry["id"],
        "commands": [
            {
                "code": command["command"],
                **({"language": command["command_type"]} if command["command_type"] else {}),
                **({"label": command["label"]} if command["label"] else {}),
            }
            for command in content["commands"]
        ],
    }
    if content["instructions"] != entry["title"]:
        node["description"] = content["instructions"]
    if content["help_text"]:
        node["expected_outcome"] = content["help_text"]
    return node


def publish(client: APIClient, name: str, steps: list[dict], *, public: bool = True) -> str:
    response = client.post(
        "/api/trees/",
        {
            "name": name,
            "tree_type": "procedural",
            "tree_structure": {"steps": steps},
            "status": "published",
            "is_public": public,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def reused(author, teammate):
    """alice publishes "Stop nginx" in a public flow; bob inserts it from the library into a
    flow of his own and publishes that one too (team-only unless a test says otherwise)."""

    def make(*, second_public: bool = False) -> tuple[dict, str]:
        first_tree = publish(client_for(author), "Rotate certs", [STOP_NGINX])
        bob = client_for(teammate)
        entry = bob.get("/api/steps/", {"source_tree": first_tree}).json()["results"][0]
        bob.post(f"/api/steps/{entry['id']}/use/")
        second_tree = publish(bob, "Web maintenance", [node_from_library(entry, "n1")], public=second_public)
        return entry, second_tree

    return make


@pytest.mark.django_db
class TestReuseThenPublish:
    def test_the_list_shows_one_result_that_is_also_in_the_other_flow(self, reused, teammate):
        entry, second_tree = reused()
        copy = LibraryStep.objects.get(source_tree_id=second_tree)
        assert copy.content_key == LibraryStep.objects.get(pk=entry["id"]).content_key

        rows = client_for(teammate).get("/api/steps/", {"search": "nginx"}).json()["results"]
        assert [row["id"] for row in rows] == [entry["id"]]  # the most used copy stands for both
        assert rows[0]["duplicates"] == {"count": 1, "ids": [str(copy.pk)]}

    def test_collapse_false_lists_both_with_their_own_counts(self, reused, teammate, outsider):
        entry, second_tree = reused(second_public=True)
        copy = LibraryStep.objects.get(source_tree_id=second_tree)
        client_for(outsider).post(f"/api/steps/{copy.pk}/rate/", {"score": 2}, format="json")

        body = client_for(teammate).get("/api/steps/", {"collapse": "false"}).json()
        rows = {row["id"]: row for row in body["results"]}
        assert set(rows) == {entry["id"], str(copy.pk)} and body["count"] == 2
        assert (rows[entry["id"]]["usage_count"], rows[entry["id"]]["rating_count"]) == (1, 0)
        assert (rows[str(copy.pk)]["usage_count"], rows[str(copy.pk)]["rating_avg"]) == (0, 2.0)
        assert rows[str(copy.pk)]["duplicates"] == {"count": 1, "ids": [entry["id"]]}
        assert client_for(teammate).get("/api/steps/").json()["count"] == 1

    def test_another_team_never_sees_or_counts_the_hidden_copy(self, reused, outsider):
        entry, _ = reused()  # the second flow is team-only: its copy is hidden from Globex
        other = client_for(outsider)
        rows = other.get("/api/steps/", {"search": "stop nginx"}).json()["results"]
        assert [row["id"] for row in rows] == [entry["id"]]
        assert rows[0]["duplicates"] == {"count": 0, "ids": []}
        assert [row["id"] for row in other.get("/api/steps/", {"collapse": "false"}).json()["results"]] == [
            entry["id"]
        ]
        assert other.get(f"/api/steps/{entry['id']}/duplicates/").json() == []

    def test_the_detail_panel_lists_the_other_sources_naming_only_openable_flows(
        self, reused, teammate, outsider
    ):
        entry, second_tree = reused(second_public=True)
        copy = LibraryStep.objects.get(source_tree_id=second_tree)
        sources = client_for(teammate).get(f"/api/steps/{entry['id']}/duplicates/").json()
        assert [(row["id"], row["source_tree_name"]) for row in sources] == [
            (str(copy.pk), "Web maintenance")
        ]

        # The copy is a public entry of a flow Globex may not open (made team-only later):
        # listed as a source, never named.
        Tree.objects.filter(pk=second_tree).update(is_public=False)
        LibraryStep.objects.filter(pk=copy.pk).update(visibility="public")
        sources = client_for(outsider).get(f"/api/steps/{entry['id']}/duplicates/").json()
        assert [(row["id"], row["source_tree_name"]) for row in sources] == [(str(copy.pk), None)]

    def test_duplicates_of_an_invisible_entry_is_a_404(self, author, outsider):
        private = LibraryStepFactory(created_by=author)
        assert client_for(outsider).get(f"/api/steps/{private.pk}/duplicates/").status_code == 404
        assert APIClient().get(f"/api/steps/{private.pk}/duplicates/").status_code == 401

    def test_each_copy_keeps_its_own_address(self, reused, teammate):
        _, second_tree = reused()
        copy = LibraryStep.objects.get(source_tree_id=second_tree)
        response = client_for(teammate).get(f"/api/steps/{copy.pk}/")
        assert response.status_code == 200 and response.json()["duplicates"] is None


def same_step(author, **fields) -> LibraryStep:
    content = {
        "instructions": "Flush the resolver cache.",
        "help_text": fields.pop("help_text", None),
        "commands": [{"label": "", "command": "resolvectl flush-caches", "command_type": "bash"}],
        "group_label": fields.pop("group_label", None),
    }
    return LibraryStepFactory(
        created_by=author, public=True, **{"title": "Flush DNS", "content": content, **fields}
    )


@pytest.mark.django_db
class TestGrouping:
    def test_case_and_whitespace_do_not_make_a_different_step(self, author):
        one = same_step(author)
        other = same_step(author, title="  flush   dns ", group_label="Network", help_text="Other help")
        LibraryStep.objects.filter(pk=other.pk).update(
            content={**other.content, "instructions": "FLUSH the resolver cache."}
        )
        keys = dict(LibraryStep.objects.filter(pk__in=[one.pk, other.pk]).values_list("pk", "content_key"))
        assert keys[one.pk] == keys[other.pk]

    def test_a_different_command_is_a_different_step(self, author):
        one = same_step(author)
        other = same_step(author)
        LibraryStep.objects.filter(pk=other.pk).update(
            content={
                **other.content,
                "commands": [{"label": "", "command": "ipconfig /flushdns", "command_type": None}],
            }
        )
        keys = set(
            LibraryStep.objects.filter(pk__in=[one.pk, other.pk]).values_list("content_key", flat=True)
        )
        assert len(keys) == 2

    @pytest.mark.parametrize("ordering", ["usage_count", "-rating_avg", "title", "-updated_at", "works_best"])
    def test_every_ordering_pages_through_groups_without_repeats(self, author, ordering):
        for index in range(4):
            same_step(author, usage_count=index)
        LibraryStepFactory.create_batch(5, created_by=author, public=True)
        client = client_for(author)
        seen = []
        for page in (1, 2, 3):
            body = client.get("/api/steps/", {"ordering": ordering, "page_size": 2, "page": page}).json()
            seen += [row["id"] for row in body["results"]]
        assert body["count"] == 6 and len(seen) == len(set(seen)) == 6

    def test_a_filter_picks_the_copy_it_matches_not_the_groups_favourite(self, reused, teammate):
        entry, second_tree = reused()
        copy = LibraryStep.objects.get(source_tree_id=second_tree)
        rows = client_for(teammate).get("/api/steps/", {"source_tree": second_tree}).json()["results"]
        assert [row["id"] for row in rows] == [str(copy.pk)]
        assert rows[0]["duplicates"]["count"] == 0  # counted within what the filters left
        assert entry["id"] not in [row["id"] for row in rows]

    def test_the_library_page_shows_one_card_also_in_the_other_flow(self, client, reused, teammate):
        reused()
        client.force_login(teammate)
        html = client.get("/library/", {"search": "nginx"}).content.decode()
        assert html.count('data-step-id="') == 1
        assert "Also in 1 other flow<" in html

    @pytest.mark.parametrize("page_size", [5, 100])
    def test_the_list_query_budget_is_unchanged_with_grouping_and_search(
        self, author, django_assert_max_num_queries, page_size
    ):
        for index in range(12):
            structure = distinct_structure(10, f"flow {index}")
            TreeFactory(author=author, published=True, tree_structure=structure)
            TreeFactory(author=author, published=True, tree_structure=structure)  # a copy of each
        client = APIClient()
        client.force_login(author)
        for params in ({}, {"search": "thing"}, {"ordering": "title"}):
            with django_assert_max_num_queries(4):
                body = client.get("/api/steps/", {"page_size": page_size, **params}).json()
            assert len(body["results"]) == page_size
            assert all(row["duplicates"]["count"] == 1 for row in body["results"])
