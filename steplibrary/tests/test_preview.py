"""The impact preview is bounded: throttled like a write, and cheap for large flows."""

import pytest
from django.core.cache import cache

from accounts.tests.clients import client_for
from config.throttling import WriteRateThrottle
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary import sync


@pytest.fixture
def api(author):
    client = client_for(author)
    cache.clear()
    yield client
    cache.clear()


@pytest.mark.django_db
def test_preview_is_throttled_with_the_write_rate(api, author, monkeypatch):
    monkeypatch.setattr(
        WriteRateThrottle, "THROTTLE_RATES", {**WriteRateThrottle.THROTTLE_RATES, "writes": "3/min"}
    )
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(3))
    statuses = [api.post(f"/api/trees/{tree.pk}/preview/", {}, format="json").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert "detail" in api.post(f"/api/trees/{tree.pk}/preview/", {}, format="json").json()


@pytest.mark.django_db
def test_a_large_preview_diffs_only_the_first_entries_but_lists_and_counts_all(
    api, author, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(sync, "PREVIEW_DIFF_LIMIT", 2)
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(6))
    structure = tree.tree_structure
    for node in structure["steps"]:
        if node["type"] == "procedure_step":
            node["title"] += " (revised)"
    with django_assert_max_num_queries(12):
        response = api.post(f"/api/trees/{tree.pk}/preview/", {"tree_structure": structure}, format="json")
    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["updated"] == 6
    assert len(preview["changed"]) == 6
    assert preview["diffs_truncated"] is True
    assert [item["changes"] is not None for item in preview["changed"]] == [True, True] + [False] * 4
    assert preview["changed"][0]["changes"] == {"title": {"from": "Step 1", "to": "Step 1 (revised)"}}
    assert all(item["title"].endswith("(revised)") for item in preview["changed"])


@pytest.mark.django_db
def test_a_small_preview_is_not_truncated(api, author):
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(3))
    preview = api.post(f"/api/trees/{tree.pk}/preview/", {}, format="json").json()
    assert preview["diffs_truncated"] is False
    assert preview["unchanged"] == 3


@pytest.mark.django_db
def test_an_invalid_structure_is_400_naming_the_path(api, author):
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(3))
    structure = procedural_structure(3)
    structure["steps"][1]["title"] = ""
    response = api.post(f"/api/trees/{tree.pk}/preview/", {"tree_structure": structure}, format="json")
    assert response.status_code == 400
    assert any("steps[1].title" in message for message in response.json()["tree_structure"])


@pytest.mark.django_db
def test_another_teams_flow_cannot_be_previewed(author, outsider):
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(3))
    assert client_for(outsider).post(f"/api/trees/{tree.pk}/preview/", {}, format="json").status_code == 404
