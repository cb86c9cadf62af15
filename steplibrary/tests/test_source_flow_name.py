"""The source flow's name (API, chip, "Sourced from") only for people who may open the flow:
a public step inside a team-only flow must not tell other teams what the flow is called."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.clients import client_for
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.api.serializers import LibraryStepSerializer
from steplibrary.selectors import steps_for_display
from steplibrary.tests.factories import distinct_structure

SECRET_NAME = "Acme merger: layoffs runbook"


def _team_flow_with_public_step(author):
    structure = procedural_structure(1)
    structure["steps"][1]["library_visibility"] = "public"
    return TreeFactory(author=author, published=True, name=SECRET_NAME, tree_structure=structure)


@pytest.mark.django_db
class TestSourceTreeName:
    def test_other_teams_see_the_entry_but_not_the_flow_name(self, author, outsider, loner):
        tree = _team_flow_with_public_step(author)
        for user in (outsider, loner):
            listed = client_for(user).get("/api/steps/").json()["results"]
            assert len(listed) == 1 and listed[0]["source_tree_name"] is None
            detail = client_for(user).get(f"/api/steps/{listed[0]['id']}/")
            assert detail.json()["source_tree_name"] is None
            assert SECRET_NAME not in detail.content.decode()
            assert (
                SECRET_NAME
                not in client_for(user).get("/api/steps/", {"source_tree": tree.pk}).content.decode()
            )

    def test_the_team_sees_the_name(self, author, teammate):
        _team_flow_with_public_step(author)
        [row] = client_for(teammate).get("/api/steps/").json()["results"]
        assert row["source_tree_name"] == SECRET_NAME

    def test_the_name_shows_once_the_flow_is_public_and_hides_again_after(self, author, outsider):
        tree = _team_flow_with_public_step(author)
        tree.is_public = True
        tree.save()
        assert client_for(outsider).get("/api/steps/").json()["results"][0]["source_tree_name"] == SECRET_NAME
        tree.is_public = False
        tree.save()
        # The entry stays public (its node says so); the flow's name does not.
        [row] = client_for(outsider).get("/api/steps/").json()["results"]
        assert row["source_tree_name"] is None

    def test_the_generic_serializer_path_hides_it_too(self, author, outsider, rf):
        _team_flow_with_public_step(author)
        request = rf.get("/")
        request.user = outsider
        step = steps_for_display(user=outsider).get()
        serializer = LibraryStepSerializer(context={"request": request})
        assert serializer.generic_representation(step)["source_tree_name"] is None
        assert serializer.to_representation(step)["source_tree_name"] is None

    @pytest.mark.parametrize("page_size", [5, 100])
    def test_a_fixed_number_of_queries_for_any_page(
        self, author, teammate, outsider, django_assert_max_num_queries, page_size
    ):
        for index in range(12):
            structure = distinct_structure(10, f"flow {index}")
            for node in structure["steps"]:
                if node["type"] == "procedure_step":
                    node["library_visibility"] = "public"
            TreeFactory(author=author, published=True, is_public=index % 2 == 0, tree_structure=structure)
        client = APIClient()
        client.force_login(outsider)
        with django_assert_max_num_queries(4):
            rows = client.get("/api/steps/", {"page_size": page_size}).json()["results"]
        assert len(rows) == page_size
        names = {row["source_tree"]: row["source_tree_name"] for row in rows}
        if page_size == 100:
            assert None in names.values() and any(names.values())


@pytest.mark.django_db
class TestLibraryPage:
    def test_chip_without_the_name_and_no_sourced_from_for_other_teams(self, client, author, outsider):
        _team_flow_with_public_step(author)
        client.force_login(outsider)
        response = client.get("/library/")
        html = response.content.decode()
        assert SECRET_NAME not in html
        assert '<span class="badge chip-flow">From Flow</span>' in html
        [entry] = response.context["entries"]
        assert entry["source_tree_name"] is None and entry["source_tree_url"] is None

    def test_chip_with_the_name_and_the_link_for_the_team(self, client, author, teammate):
        tree = _team_flow_with_public_step(author)
        client.force_login(teammate)
        response = client.get("/library/")
        assert f"From Flow · {SECRET_NAME}" in response.content.decode()
        assert response.context["entries"][0]["source_tree_url"] == reverse("flow_navigate", args=[tree.pk])

    @pytest.mark.parametrize("count", [1, 15])
    def test_the_page_keeps_a_fixed_query_budget(
        self, client, author, outsider, django_assert_max_num_queries, count
    ):
        for _ in range(count):
            _team_flow_with_public_step(author)
        client.force_login(outsider)
        with django_assert_max_num_queries(8):
            assert client.get("/library/").status_code == 200
