"""Prompted variables: declarations in a flow's structure, `{{name}}` placeholders, and how
they travel through the tree API, the working copy, the history and the publish preview."""

import pytest
from django.core.cache import cache

from accounts.tests.clients import client_for
from flows.models import Tree, TreeRevision
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from flows.tree_structure import TreeStructureError, parse_tree_structure
from flows.variables import check_values, declared_variables, fill, placeholders

HOST = {"name": "host", "label": "Host", "kind": "hostname", "required": True, "default": "web-1"}
TOKEN = {"name": "token", "label": "API token", "kind": "secret", "required": True}


def with_variables(variables, step_count: int = 2, command: str | None = None) -> dict:
    structure = procedural_structure(step_count)
    if command is not None:
        structure["steps"][1]["commands"] = [{"code": command, "language": "bash"}]
    return {**structure, "variables": variables}


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


# ---- declarations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variables, expected",
    [
        ("host", "variables: must be a list of variables"),
        (["host"], "variables[0]: must be an object with name, label, kind, required and default"),
        ([{**HOST, "name": "1host"}], "variables[0].name: must be a letter or _"),
        ([{**HOST, "name": "my host"}], "variables[0].name: must be a letter or _"),
        ([{**HOST, "name": ".Names"}], "variables[0].name: must be a letter or _"),
        ([{**HOST, "name": "x" * 65}], "variables[0].name: must be a letter or _"),
        ([HOST, {**HOST, "label": "Again"}], "variables[1].name: duplicate variable 'host'"),
        ([{**HOST, "kind": "password"}], "variables[0].kind: must be one of: text, hostname, number"),
        ([{**HOST, "kind": None}], "variables[0].kind: must be one of"),
        ([{**HOST, "required": "yes"}], "variables[0].required: must be true or false"),
        ([{**HOST, "colour": "red"}], "variables[0]: unknown field 'colour'"),
        ([{**HOST, "label": 3}], "variables[0].label: must be a string"),
        ([{**HOST, "default": "not a host!"}], "variables[0].default: must be a host name or an IP address"),
        ([{**HOST, "default": 12}], "variables[0].default: must be a string"),
        ([{"name": "n", "kind": "number", "default": "ten"}], "variables[0].default: must be a number"),
        ([{**TOKEN, "default": "hunter2"}], "variables[0].default: a secret has no default"),
        (
            [{"name": "env", "kind": "choice"}],
            "variables[0].choices: a choice variable needs a non-empty list",
        ),
        ([{"name": "env", "kind": "choice", "choices": []}], "variables[0].choices: a choice variable needs"),
        (
            [{"name": "env", "kind": "choice", "choices": ["a", ""]}],
            "variables[0].choices[1]: must be a non-empty",
        ),
        ([{"name": "env", "kind": "choice", "choices": ["a", "a"]}], "variables[0].choices: must not repeat"),
        (
            [{"name": "env", "kind": "choice", "choices": ["prod", "staging"], "default": "dev"}],
            "variables[0].default: must be one of the choices",
        ),
        ([{"name": "env", "kind": "text", "choices": ["a"]}], "variables[0].choices: only a choice variable"),
        ([{"name": f"v{index}", "kind": "text"} for index in range(51)], "variables: must hold at most 50"),
    ],
)
def test_bad_declarations_are_refused_with_their_path(variables, expected):
    with pytest.raises(TreeStructureError) as error:
        parse_tree_structure(with_variables(variables), "procedural")
    assert any(message.startswith(expected) for message in error.value.messages), error.value.messages


def test_good_declarations_of_every_kind_are_accepted():
    variables = [
        HOST,
        TOKEN,
        {"name": "ticket", "kind": "text"},
        {"name": "port", "label": "Port", "kind": "number", "default": "8443"},
        {
            "name": "env",
            "label": "Environment",
            "kind": "choice",
            "choices": ["prod", "staging"],
            "default": "prod",
        },
        {"name": "ip", "kind": "hostname", "default": "2001:db8::1"},
    ]
    parse_tree_structure(with_variables(variables), "procedural", require_titles=True)
    structure = {"root": None, "variables": variables}
    parse_tree_structure(structure, "troubleshooting")
    declared = declared_variables(structure)
    assert [(v.name, v.label, v.kind) for v in declared][:3] == [
        ("host", "Host", "hostname"),
        ("token", "API token", "secret"),
        ("ticket", "ticket", "text"),
    ]


# ---- placeholders ------------------------------------------------------------------------


def test_only_identifier_placeholders_without_spaces_are_placeholders():
    command = (
        "docker ps --format '{{.Names}}' && ssh {{host}} && echo '{{ item }}' {{host}} {{ho st}} {{_x1}}"
    )
    assert placeholders(command) == ["host", "_x1"]
    filled = fill(command, {"host": "db-1", "item": "never"})
    assert filled == "docker ps --format '{{.Names}}' && ssh db-1 && echo '{{ item }}' db-1 {{ho st}} {{_x1}}"


def test_session_values_are_checked_against_the_declarations():
    declared = declared_variables({"variables": [HOST, TOKEN, {"name": "port", "kind": "number"}]})
    assert check_values(declared, {}) == {"host": "web-1"}
    assert check_values(declared, {"host": "10.0.0.1", "port": "22"}) == {"host": "10.0.0.1", "port": "22"}


# ---- the tree API ------------------------------------------------------------------------


@pytest.fixture
def flow(author):
    return TreeFactory(author=author, tree_structure=procedural_structure(2))


@pytest.mark.django_db
class TestTreeApi:
    def test_author_and_teammate_write_and_read_variables(self, flow, author, teammate):
        structure = with_variables([HOST], command="ssh {{host}}")
        response = client_for(author).patch(
            f"/api/trees/{flow.pk}/", {"tree_structure": structure}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["tree_structure"]["variables"] == [HOST]
        body = client_for(teammate).get(f"/api/trees/{flow.pk}/").json()
        assert body["tree_structure"]["variables"] == [HOST]
        structure["variables"].append(TOKEN)
        response = client_for(teammate).patch(
            f"/api/trees/{flow.pk}/", {"tree_structure": structure}, format="json"
        )
        assert response.status_code == 200
        assert [v.name for v in declared_variables(Tree.objects.get(pk=flow.pk).tree_structure)] == [
            "host",
            "token",
        ]

    def test_other_team_and_anonymous_neither_read_nor_write(self, flow, outsider):
        structure = with_variables([HOST])
        assert client_for(outsider).get(f"/api/trees/{flow.pk}/").status_code == 404
        assert (
            client_for(outsider)
            .patch(f"/api/trees/{flow.pk}/", {"tree_structure": structure}, format="json")
            .status_code
            == 404
        )
        assert client_for().get(f"/api/trees/{flow.pk}/").status_code == 401
        assert (
            client_for()
            .patch(f"/api/trees/{flow.pk}/", {"tree_structure": structure}, format="json")
            .status_code
            == 401
        )
        assert "variables" not in Tree.objects.get(pk=flow.pk).tree_structure

    def test_a_bad_declaration_is_a_400_naming_its_path(self, flow, author):
        structure = with_variables([HOST, {**HOST}])
        response = client_for(author).patch(
            f"/api/trees/{flow.pk}/", {"tree_structure": structure}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"tree_structure": ["variables[1].name: duplicate variable 'host'"]}

    def test_changing_only_the_variables_moves_the_version_and_the_etag(self, flow, author):
        api = client_for(author)
        before = api.get(f"/api/trees/{flow.pk}/")
        response = api.patch(
            f"/api/trees/{flow.pk}/",
            {"tree_structure": {**flow.tree_structure, "variables": [HOST]}},
            format="json",
            headers={"If-Match": before["ETag"]},
        )
        assert response.status_code == 200
        assert response["ETag"] != before["ETag"]
        assert response.json()["version"] == before.json()["version"] + 1
        stale = api.patch(
            f"/api/trees/{flow.pk}/",
            {"tree_structure": flow.tree_structure},
            format="json",
            headers={"If-Match": before["ETag"]},
        )
        assert stale.status_code == 412

    def test_working_copy_and_history_keep_variables(self, author):
        flow = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
        api = client_for(author)
        structure = {**flow.tree_structure, "variables": [HOST]}
        saved = api.put(
            f"/api/trees/{flow.pk}/draft/",
            {"name": flow.name, "tree_structure": structure},
            format="json",
            headers={"If-Match": '"h1"'},
        )
        assert saved.status_code == 200, saved.content
        assert saved["ETag"] == '"h2"'
        # Published flow unchanged until publish; the history records the variables change.
        assert "variables" not in Tree.objects.get(pk=flow.pk).tree_structure
        revision = TreeRevision.objects.get(tree=flow, number=2)
        assert revision.changes["variables"] == {"from": [], "to": [HOST]}
        assert api.get(f"/api/trees/{flow.pk}/revisions/").json()["results"][0]["changes"]["variables"][
            "to"
        ] == [HOST]
        published = api.post(f"/api/trees/{flow.pk}/publish/", headers={"If-Match": '"h2"'})
        assert published.status_code == 200, published.content
        assert Tree.objects.get(pk=flow.pk).tree_structure["variables"] == [HOST]


# ---- the publish preview ---------------------------------------------------------------


@pytest.mark.django_db
def test_preview_lists_undeclared_placeholders_without_refusing(author, outsider):
    command = "docker ps --format '{{.Names}}' | grep {{service}} && ssh {{host}} '{{ item }}' {{ticket}}"
    flow = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
    structure = with_variables([HOST], command=command)
    structure["steps"][2]["commands"] = "echo {{ticket}}"
    response = client_for(author).post(
        f"/api/trees/{flow.pk}/preview/", {"tree_structure": structure}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["undeclared_variables"] == [
        {"name": "service", "paths": ["steps[1].commands[0].code"]},
        {"name": "ticket", "paths": ["steps[1].commands[0].code", "steps[2].commands[0].code"]},
    ]
    # …and a publish with them goes through, the braces kept as written.
    response = client_for(author).patch(
        f"/api/trees/{flow.pk}/", {"tree_structure": structure}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["tree_structure"]["steps"][1]["commands"][0]["code"] == command
    assert (
        client_for(outsider)
        .post(f"/api/trees/{flow.pk}/preview/", {"tree_structure": structure}, format="json")
        .status_code
        == 404
    )
