"""NUL and lone surrogates, anywhere in any write's body (keys included), are a 400 naming the
path, and nothing is stored: on PostgreSQL they were a 500, on SQLite a row nobody could read."""

import json

import pytest

from accounts.tests.clients import client_for
from config.text import bad_strings_as_errors, find_bad_strings, text_problem
from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure, troubleshooting_structure
from flows.tests.factories import TreeFactory
from flows.tree_structure import TreeStructureError, parse_tree_structure
from steplibrary.models import LibraryStep, Notice, StepRating
from steplibrary.tests.factories import LibraryStepFactory

SURROGATE = "\ud800"
NUL = "\x00"
HOSTILE = [SURROGATE, "\udfff", "ok\udbffend", NUL]


def send(user, method: str, url: str, body) -> tuple[int, dict]:
    """Sends `body` as the raw JSON an attacker would write: json.dumps escapes the surrogate
    as "\\ud800", which every JSON parser accepts."""
    response = getattr(client_for(user), method)(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code < 500, response.content
    return response.status_code, response.json() if response.content else {}


def test_text_problem_knows_what_cannot_be_stored():
    assert text_problem("plain") is None
    assert text_problem("héllo 😀 ✓") is None
    assert "NUL" in text_problem("a\x00b")
    assert "surrogate" in text_problem("a\ud800b")
    assert "surrogate" in text_problem("\udc00")


def test_find_bad_strings_walks_values_keys_and_lists():
    found = find_bad_strings({"a": [{"b": "x\ud800"}], "k\x00": 1, "ok": {"deep": ["", NUL]}})
    assert ("a[0].b", "must not contain lone surrogates (invalid Unicode)") in found
    assert ("ok.deep[1]", "must not contain NUL characters") in found
    assert any(path == "" and "field name" in message and "\\x00" in message for path, message in found)
    # Messages never carry the bad character itself: they must render as JSON.
    json.dumps(bad_strings_as_errors({"x\ud800": 1})).encode("utf-8")


def test_find_bad_strings_is_iterative_on_deep_input():
    deep: dict = {"v": SURROGATE}
    for _ in range(5000):
        deep = {"n": deep}
    [(path, _message)] = find_bad_strings(deep)
    assert path.endswith("n.v")


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize(
    ("tree_type", "place", "expected_path"),
    [
        ("procedural", ["steps", 0, "id"], "steps[0].id"),
        ("procedural", ["steps", 0, "title"], "steps[0].title"),
        ("procedural", ["steps", 1, "commands", 0, "code"], "steps[1].commands[0].code"),
        ("procedural", ["steps", 1, "commands", 0, "label"], "steps[1].commands[0].label"),
        ("procedural", ["steps", 1, "commands", 0, "language"], "steps[1].commands[0].language"),
        ("troubleshooting", ["root", "children", 0, "answer"], "root.children[0].answer"),
        ("troubleshooting", ["root", "children", 0, "children", 0, "id"], "root.children[0].children[0].id"),
    ],
)
def test_parse_tree_structure_names_the_path(bad, tree_type, place, expected_path):
    structure = procedural_structure(2) if tree_type == "procedural" else troubleshooting_structure()
    target = structure
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = f"x{bad}"
    with pytest.raises(TreeStructureError) as raised:
        parse_tree_structure(structure, tree_type)
    assert [error.path for error in raised.value.errors] == [expected_path]


def test_parse_tree_structure_refuses_a_bad_key():
    structure = procedural_structure(1)
    structure["steps"][0][f"title{SURROGATE}"] = "x"
    with pytest.raises(TreeStructureError) as raised:
        parse_tree_structure(structure, "procedural")
    assert raised.value.errors[0].path == "steps[0]"
    json.dumps(raised.value.messages).encode("utf-8")


def _with_bad_node_id(bad: str) -> dict:
    structure = procedural_structure(2)
    structure["steps"][1]["id"] = f"s{bad}"
    return structure


@pytest.mark.django_db
@pytest.mark.parametrize("bad", HOSTILE)
def test_create_draft_publish_and_preview_refuse_hostile_structures(author, bad):
    tree = TreeFactory(author=author)
    before = tree.tree_structure
    hostile = _with_bad_node_id(bad)
    attempts = [
        ("post", "/api/trees/", {"name": "x", "tree_type": "procedural", "tree_structure": hostile}),
        ("patch", f"/api/trees/{tree.pk}/", {"tree_structure": hostile}),
        (
            "put",
            f"/api/trees/{tree.pk}/",
            {"name": "x", "tree_type": "procedural", "tree_structure": hostile},
        ),
        ("patch", f"/api/trees/{tree.pk}/", {"status": "published", "tree_structure": hostile}),
        ("post", f"/api/trees/{tree.pk}/preview/", {"tree_structure": hostile}),
    ]
    for method, url, body in attempts:
        status, errors = send(author, method, url, body)
        assert status == 400, (method, url)
        assert errors["tree_structure"][0].startswith("steps[1].id: must not contain"), errors
    tree.refresh_from_db()
    assert tree.tree_structure == before and tree.status == TreeStatus.DRAFT
    assert Tree.objects.count() == 1
    assert not LibraryStep.objects.exists()


@pytest.mark.django_db
def test_a_hostile_key_anywhere_in_the_body_is_refused(author):
    status, errors = send(
        author, "post", "/api/trees/", {"name": "x", "tree_type": "procedural", SURROGATE: 1}
    )
    assert status == 400 and "field name" in errors["non_field_errors"][0]
    structure = procedural_structure(1)
    structure["steps"][1]["commands"][0][f"code{NUL}"] = "x"
    status, errors = send(
        author, "post", "/api/trees/", {"name": "x", "tree_type": "procedural", "tree_structure": structure}
    )
    assert status == 400 and errors["tree_structure"][0].startswith("steps[1].commands[0]: field name")
    assert not Tree.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [SURROGATE, NUL])
def test_step_writes_refuse_hostile_text_in_every_field(author, outsider, bad):
    mine = LibraryStepFactory(created_by=author, public=True)
    content = {"instructions": "ok", "commands": [{"label": "l", "command": "c"}]}
    cases = [
        ("post", "/api/steps/", {"title": f"t{bad}", "content": content}, "title"),
        (
            "post",
            "/api/steps/",
            {"title": "t", "content": {**content, "help_text": bad}},
            "content",
        ),
        (
            "patch",
            f"/api/steps/{mine.pk}/",
            {"content": {"instructions": "ok", "commands": [{"label": bad, "command": "c"}]}},
            "content",
        ),
        (
            "patch",
            f"/api/steps/{mine.pk}/",
            {"content": {"group_label": bad, "instructions": "x"}},
            "content",
        ),
    ]
    for method, url, body, field in cases:
        status, errors = send(author, method, url, body)
        assert status == 400 and field in errors, (body, errors)
    # Another team's user, on a public entry: fork, rate and use bodies.
    assert send(outsider, "post", f"/api/steps/{mine.pk}/fork/", {"title": f"mine{bad}"})[0] == 400
    assert send(outsider, "post", f"/api/steps/{mine.pk}/rate/", {"score": 5, "note": bad})[0] == 400
    assert send(outsider, "post", "/api/updates/read/", {"ids": [bad]})[0] == 400
    mine.refresh_from_db()
    assert mine.content["commands"] == [] and mine.content["instructions"].startswith("Instructions")
    assert LibraryStep.objects.count() == 1
    assert not StepRating.objects.exists() and not Notice.objects.exists()


@pytest.mark.django_db
def test_an_anonymous_hostile_body_is_still_refused_before_anything_else(client):
    response = client.post(
        "/api/auth/token/",
        data=json.dumps({"username": SURROGATE, "password": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"username": ["must not contain lone surrogates (invalid Unicode)"]}
