"""The step API, end to end: the publish story, read-only fields, budgets, errors (the flow
API's own tests are in flows/tests/test_api.py, token sign-in in accounts/tests)."""

import re

import pytest
from rest_framework.test import APIClient

from accounts.tests.clients import client_for
from flows.models import Tree
from flows.samples import procedural_structure, stop_nginx_step
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, StepRating
from steplibrary.tests.factories import LibraryStepFactory, distinct_structure

STRUCTURE = {
    "steps": [
        {"id": "pre", "type": "procedure_step", "title": "Before any section", "commands": "uptime"},
        {"id": "h1", "type": "section_header", "title": "Preparation"},
        {**stop_nginx_step(), "library_visibility": "public"},
        {"id": "end", "type": "procedure_end", "title": "Done"},
    ]
}


@pytest.mark.django_db
def test_the_publish_story(api, teammate, outsider):
    # Draft, then publish.
    created = api.post(
        "/api/trees/", {"name": "Rotate certs", "tree_type": "procedural", "tree_structure": STRUCTURE}
    )
    assert created.status_code == 201, created.content
    tree_id = created.json()["id"]
    assert created.json()["sync_result"] is None
    assert not LibraryStep.objects.exists()

    published = api.patch(f"/api/trees/{tree_id}/", {"status": "published"})
    assert published.status_code == 200, published.content
    assert published.json()["sync_result"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "held": 0,
    }

    # Every synced field, as a teammate sees it.
    rows = {row["source_node_id"]: row for row in client_for(teammate).get("/api/steps/").json()["results"]}
    assert set(rows) == {"pre", "stop"}
    stop = rows["stop"]
    assert stop["is_flow_synced"] is True
    assert stop["source_tree"] == tree_id
    assert stop["source_tree_name"] == "Rotate certs"
    assert stop["visibility"] == "public"
    assert rows["pre"]["visibility"] == "team"
    assert stop["content"] == {
        "instructions": "Stop nginx before rotating certificates.",
        "help_text": "nginx reports inactive",
        "commands": [{"label": "Stop", "command": "systemctl stop nginx", "command_type": "bash"}],
        "group_label": "Preparation",
    }
    assert rows["pre"]["content"]["group_label"] is None
    assert rows["pre"]["content"]["commands"] == [{"label": "", "command": "uptime", "command_type": None}]
    assert stop["can_edit"] is False

    # Use and rate.
    other = client_for(outsider)
    assert other.post(f"/api/steps/{stop['id']}/use/").json()["usage_count"] == 1
    rated = other.post(f"/api/steps/{stop['id']}/rate/", {"score": 5}).json()
    assert (rated["rating_count"], rated["rating_avg"], rated["my_rating"]) == (1, 5.0, 5)
    rated = client_for(teammate).post(f"/api/steps/{stop['id']}/rate/", {"score": 2}).json()
    assert (rated["rating_count"], rated["rating_avg"], rated["my_rating"]) == (2, 3.5, 2)
    again = other.post(f"/api/steps/{stop['id']}/rate/", {"score": 3}).json()
    assert (again["rating_count"], again["rating_avg"]) == (2, 2.5)

    # Edit while published: counts survive.
    structure = api.get(f"/api/trees/{tree_id}/").json()["tree_structure"]
    structure["steps"][2]["title"] = "Stop the web server"
    edited = api.patch(f"/api/trees/{tree_id}/", {"tree_structure": structure}, format="json")
    assert edited.json()["sync_result"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,
        "deactivated": 0,
        "held": 0,
    }
    after = other.get(f"/api/steps/{stop['id']}/").json()
    assert (after["title"], after["usage_count"], after["rating_count"]) == ("Stop the web server", 1, 2)

    # Fork.
    fork = other.post(f"/api/steps/{stop['id']}/fork/", {"visibility": "team"})
    assert fork.status_code == 201
    fork_row = fork.json()
    assert fork_row["forked_from"] == stop["id"]
    assert fork_row["is_flow_synced"] is False and fork_row["source_tree"] is None
    assert fork_row["created_by"] == outsider.pk and fork_row["visibility"] == "team"
    assert fork_row["can_edit"] is True

    # Deactivate, reactivate, delete.
    assert api.patch(f"/api/trees/{tree_id}/", {"is_active": False}).status_code == 200
    assert other.get(f"/api/steps/{stop['id']}/").status_code == 404
    assert other.get(f"/api/steps/{fork_row['id']}/").status_code == 200
    assert api.patch(f"/api/trees/{tree_id}/", {"is_active": True}).status_code == 200
    assert other.get(f"/api/steps/{stop['id']}/").json()["usage_count"] == 1
    assert api.delete(f"/api/trees/{tree_id}/").status_code == 204
    assert not Tree.objects.filter(pk=tree_id).exists()
    assert other.get(f"/api/steps/{stop['id']}/").status_code == 404
    assert other.get(f"/api/steps/{fork_row['id']}/").status_code == 200
    assert StepRating.objects.count() == 2


@pytest.mark.django_db
class TestMassAssignment:
    READ_ONLY = {
        "is_flow_synced": True,
        "source_tree": None,
        "source_node_id": "evil",
        "last_synced_at": "2020-01-01T00:00:00Z",
        "usage_count": 999,
        "rating_count": 50,
        "rating_avg": 5.0,
        "created_by": None,
        "forked_from": None,
        "account": None,
        "is_active": False,
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
        "id": "6f0e5b7c-6a35-4c7a-9a53-0d3c2b1f8e11",
        "version": 99,
    }

    @pytest.mark.parametrize("field", sorted(READ_ONLY))
    def test_read_only_fields_are_ignored_on_create(self, api, author, field):
        other = LibraryStepFactory(created_by=author)
        value = self.READ_ONLY[field]
        if field in ("source_tree",):
            value = str(TreeFactory(author=author).pk)
        if field == "forked_from":
            value = str(other.pk)
        body = {"title": "Mine", "content": {"instructions": "Do it"}, field: value}
        response = api.post("/api/steps/", body, format="json")
        assert response.status_code == 201, response.content
        step = LibraryStep.objects.get(pk=response.json()["id"])
        assert not step.is_flow_synced and step.source_tree is None and step.source_node_id is None
        assert (step.usage_count, step.rating_count, step.rating_avg) == (0, 0, 0.0)
        assert step.created_by == author and step.account == author.account
        assert step.forked_from is None and step.is_active
        assert str(step.pk) != self.READ_ONLY["id"]
        assert step.created_at.year > 2020
        assert step.version == 1

    @pytest.mark.parametrize("field", sorted(READ_ONLY))
    def test_read_only_fields_are_ignored_on_update(self, api, author, field):
        step = LibraryStepFactory(created_by=author)
        before = LibraryStep.objects.values().get(pk=step.pk)
        response = api.patch(
            f"/api/steps/{step.pk}/", {field: self.READ_ONLY[field], "title": "New"}, format="json"
        )
        assert response.status_code == 200
        after = LibraryStep.objects.values().get(pk=step.pk)
        changed = {key for key in after if after[key] != before[key]}
        assert changed <= {"title", "updated_at", "search_text", "content_hash", "content_key", "version"}
        assert after["version"] == before["version"] + 1


@pytest.mark.django_db
class TestStepWrites:
    def test_create_validates_content(self, api):
        response = api.post(
            "/api/steps/", {"title": "X", "content": {"commands": [{"label": "l"}]}}, format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert "instructions" in body["content"]
        assert body["content"]["commands"] == {"0": {"command": ["This field is required."]}}

    def test_partial_content_update_keeps_the_rest(self, api, author):
        step = LibraryStepFactory(
            created_by=author,
            content={"instructions": "Keep me", "help_text": None, "commands": [], "group_label": "G"},
        )
        response = api.patch(f"/api/steps/{step.pk}/", {"content": {"help_text": "Added"}}, format="json")
        assert response.status_code == 200
        assert response.json()["content"] == {
            "instructions": "Keep me",
            "help_text": "Added",
            "commands": [],
            "group_label": "G",
        }

    def test_delete_is_soft(self, api, author):
        step = LibraryStepFactory(created_by=author)
        assert api.delete(f"/api/steps/{step.pk}/").status_code == 204
        step.refresh_from_db()
        assert step.is_active is False

    @pytest.mark.parametrize("score", [0, 6, "five", None])
    def test_rate_refuses_bad_scores(self, api, author, score):
        step = LibraryStepFactory(created_by=author)
        response = api.post(f"/api/steps/{step.pk}/rate/", {"score": score}, format="json")
        assert response.status_code == 400
        assert "score" in response.json()

    def test_fork_defaults_to_private(self, api, author, teammate):
        step = LibraryStepFactory(created_by=teammate, team=True)
        fork = api.post(f"/api/steps/{step.pk}/fork/").json()
        assert fork["visibility"] == "private"
        assert fork["title"] == step.title

    @pytest.mark.parametrize("page_size", [5, 100])
    def test_list_query_count_does_not_grow(self, author, django_assert_max_num_queries, page_size):
        for index in range(12):
            TreeFactory(author=author, published=True, tree_structure=distinct_structure(10, f"flow {index}"))
        client = APIClient()
        client.force_login(author)
        with django_assert_max_num_queries(4):
            response = client.get("/api/steps/", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        assert all(row["source_tree_name"] for row in response.json()["results"])

    def test_page_size_is_capped(self, api, author):
        LibraryStepFactory.create_batch(3, created_by=author)
        response = api.get("/api/steps/", {"page_size": 1000})
        assert response.status_code == 200

    def test_a_page_past_the_end_is_a_404_not_a_500(self, api):
        assert api.get("/api/steps/", {"page": 99}).status_code == 404


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(api, client, author):
    schema = api.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    assert "/api/steps/{id}/fork/" in schema.json()["paths"]
    client.force_login(author)  # the docs page is for a signed-in browser
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
def test_fast_representation_matches_drf_generic_output(author, teammate):
    from rest_framework.renderers import JSONRenderer
    from rest_framework.test import APIRequestFactory

    from steplibrary.api.serializers import LibraryStepSerializer
    from steplibrary.selectors import steps_for_display
    from steplibrary.services import step_fork, step_rate

    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
    synced = LibraryStep.objects.filter(source_tree=tree).first()
    step_rate(step=synced, user=teammate, score=4)
    step_fork(step=synced, user=teammate)
    LibraryStepFactory(created_by=teammate, content={"instructions": "x"})
    request = APIRequestFactory().get("/api/steps/")
    request.user = teammate
    rows = list(steps_for_display(user=teammate))
    assert len(rows) == 4
    serializer = LibraryStepSerializer(context={"request": request})
    for row in rows:
        fast, generic = serializer.to_representation(row), serializer.generic_representation(row)
        # Compare what clients receive: the JSON.
        assert JSONRenderer().render(fast) == JSONRenderer().render(generic)


@pytest.mark.django_db
def test_the_count_is_capped_and_cheap(author, django_assert_max_num_queries, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config import pagination

    LibraryStepFactory.create_batch(7, created_by=author, public=True)
    client = APIClient()
    client.force_authenticate(author)
    original = pagination.COUNT_CAP
    pagination.COUNT_CAP = 5
    try:
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/steps/", {"page_size": 2}).json()
    finally:
        pagination.COUNT_CAP = original
    assert (body["count"], body["count_capped"], len(body["results"])) == (5, True, 2)
    count_sql = next(query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper())
    # Grouping duplicates orders rows within each group (the window); nothing else is sorted.
    outside_window = re.sub(r"OVER \([^)]*\)", "", count_sql.upper())
    assert "steplibrary_steprating" not in count_sql and "ORDER BY" not in outside_window
