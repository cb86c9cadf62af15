"""Every error at once, each once and correctly: over-long titles, a blank name together with a
bad structure, on create, edit and publish."""

import pytest

from accounts.tests.clients import client_for
from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory

pytestmark = pytest.mark.django_db

LONG = "x" * 5000


def with_title(title: str) -> dict:
    structure = procedural_structure(1)
    structure["steps"][1]["title"] = title
    return structure


def test_publishing_a_5000_character_title_answers_one_error_about_its_length(author):
    tree = TreeFactory(author=author)
    response = client_for(author).patch(
        f"/api/trees/{tree.pk}/",
        {"status": "published", "tree_structure": with_title(LONG)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"tree_structure": ["steps[1].title: must be at most 255 characters"]}
    tree.refresh_from_db()
    assert tree.status == TreeStatus.DRAFT


def test_publish_endpoint_reports_the_long_title_once(author):
    tree = TreeFactory(author=author, tree_structure=with_title(LONG))
    response = client_for(author).post(f"/api/trees/{tree.pk}/publish/", format="json")
    assert response.status_code == 400
    messages = response.json()["tree_structure"]
    assert messages == ["steps[1].title: must be at most 255 characters"]


def test_an_empty_title_on_publish_is_still_required(author):
    tree = TreeFactory(author=author)
    response = client_for(author).patch(
        f"/api/trees/{tree.pk}/", {"status": "published", "tree_structure": with_title("")}, format="json"
    )
    assert response.json() == {"tree_structure": ["steps[1].title: a title is required to publish"]}


def test_a_blank_name_and_a_bad_structure_are_reported_together(author):
    tree = TreeFactory(author=author, name="Keep me")
    bad = {"steps": [{"id": "s1", "type": "procedure_step", "title": LONG}, {"id": "s1", "type": "nope"}]}
    response = client_for(author).patch(
        f"/api/trees/{tree.pk}/", {"name": "", "tree_structure": bad}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == ["This field may not be blank."]
    assert body["tree_structure"] == [
        "steps[0].title: must be at most 255 characters",
        "steps[1].type: must be one of: section_header, procedure_step, procedure_end",
    ]
    tree.refresh_from_db()
    assert tree.name == "Keep me"


def test_a_new_flow_with_an_over_long_name_and_a_bad_structure_reports_both(author):
    response = client_for(author).post(
        "/api/trees/",
        {"name": LONG, "tree_type": "procedural", "tree_structure": {"steps": "no"}},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == ["Ensure this field has no more than 255 characters."]
    assert len(body["tree_structure"]) == 1
    assert not Tree.objects.exists()


def test_an_unknown_type_is_reported_by_its_field_alone(author):
    response = client_for(author).post(
        "/api/trees/", {"name": "", "tree_type": "recipe", "tree_structure": {"steps": []}}, format="json"
    )
    assert set(response.json()) == {"name", "tree_type"}


def test_an_outsider_learns_nothing_from_a_bad_body(author, outsider):
    tree = TreeFactory(author=author)
    response = client_for(outsider).patch(
        f"/api/trees/{tree.pk}/", {"name": "", "tree_structure": {"steps": "no"}}, format="json"
    )
    assert response.status_code == 404


def test_the_publish_preview_lists_a_blank_name_and_a_bad_structure_together(author):
    tree = TreeFactory(author=author)
    response = client_for(author).post(
        f"/api/trees/{tree.pk}/preview/", {"name": "", "tree_structure": with_title(LONG)}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field may not be blank."],
        "tree_structure": ["steps[1].title: must be at most 255 characters"],
    }
