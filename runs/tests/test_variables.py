"""Prompted variables in sessions: values checked against the pinned declarations, stored
for non-secret variables only, and a secret's value nowhere on the server after a full run."""

import logging
import uuid

import pytest

from accounts.tests.clients import client_for
from flows.samples import procedural_structure
from flows.services import tree_update
from runs.models import Session
from runs.tests.factories import published_flow, text_in_database
from steplibrary.models import LibraryStep
from steplibrary.services import step_fork
from steplibrary.tests.factories import LibraryStepFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-Hunter2-\u00e9-value"
VARIABLES = [
    {"name": "host", "label": "Host", "kind": "hostname", "required": True},
    {"name": "port", "label": "Port", "kind": "number", "default": "22"},
    {
        "name": "env",
        "label": "Environment",
        "kind": "choice",
        "choices": ["prod", "staging"],
        "default": "prod",
    },
    {"name": "note", "label": "Note", "kind": "text"},
    {"name": "token", "label": "API token", "kind": "secret", "required": True},
]


def flow_with_variables(author, variables=VARIABLES):
    structure = procedural_structure(2)
    structure["steps"][1]["commands"] = [{"code": "ssh -p {{port}} {{host}} 'login {{token}}' {{.Names}}"}]
    return published_flow(author, tree_structure={**structure, "variables": variables})


def start(user, tree, variables):
    return client_for(user).post(
        "/api/sessions/", {"tree": str(tree.pk), "variables": variables}, format="json"
    )


def test_values_and_defaults_are_stored_for_non_secret_variables(author):
    tree = flow_with_variables(author)
    response = start(
        author, tree, {"host": "db-1.example.com", "note": "<img src=x onerror=alert(1)> $(rm -rf /)"}
    )
    assert response.status_code == 201, response.content
    expected = {
        "host": "db-1.example.com",
        "port": "22",
        "env": "prod",
        "note": "<img src=x onerror=alert(1)> $(rm -rf /)",
    }
    assert response.json()["variables"] == expected
    assert Session.objects.get().variables == expected


@pytest.mark.parametrize(
    "values, message",
    [
        ({}, "host: This variable is required."),
        ({"host": "   "}, "host: This variable is required."),
        ({"host": "not a host!"}, "host: The value must be a host name or an IP address."),
        ({"host": "h", "port": "twenty"}, "port: The value must be a number."),
        ({"host": "h", "env": "dev"}, "env: The value must be one of the choices."),
        ({"host": "h", "user": "root"}, "user: No such variable in this flow."),
        ({"host": "h", "token": SECRET}, "token: A secret's value never goes to the server"),
        ({"host": "h", "token": ""}, "token: A secret's value never goes to the server"),
    ],
)
def test_values_that_do_not_fit_are_refused_by_name(author, values, message):
    tree = flow_with_variables(author)
    response = start(author, tree, values)
    assert response.status_code == 400
    errors = response.json()["variables"]
    assert any(error.startswith(message) for error in errors), errors
    assert SECRET not in response.content.decode()
    assert not Session.objects.exists()


def test_sessions_pin_the_declarations_of_the_revision_they_run(author):
    tree = flow_with_variables(author)
    session_id = start(author, tree, {"host": "db-1"}).json()["id"]
    structure = {
        **procedural_structure(2),
        "variables": [{"name": "region", "kind": "text", "required": True}],
    }
    tree_update(tree=tree, tree_structure=structure)
    body = client_for(author).get(f"/api/sessions/{session_id}/").json()
    assert [variable["name"] for variable in body["structure"]["variables"]] == [v["name"] for v in VARIABLES]
    # A new session is checked against the newly published declarations.
    assert "host: No such variable in this flow." in start(author, tree, {"host": "db-1"}).json()["variables"]
    assert start(author, tree, {"region": "eu"}).status_code == 201


def test_the_run_page_embeds_values_as_data_never_as_markup(author):
    tree = flow_with_variables(author)
    session_id = start(author, tree, {"host": "db-1", "note": "<img src=x onerror=alert(1)>"}).json()["id"]
    client = client_for(author)
    client.force_login(author)
    page = client.get(f"/runs/{session_id}/").content.decode()
    assert "<img src=x" not in page
    assert "\\u003Cimg src=x onerror=alert(1)\\u003E" in page


def test_a_secret_value_is_nowhere_in_the_database_or_the_logs_after_a_full_run(author, teammate, caplog):
    caplog.set_level(logging.DEBUG)
    tree = flow_with_variables(author)
    extra = LibraryStepFactory(created_by=author, title="Flush DNS", public=True)
    alice, bob = client_for(author), client_for(teammate)
    # A client that tries to send the secret is refused before anything is stored.
    assert start(author, tree, {"host": "db-1", "token": SECRET}).status_code == 400
    session_id = start(author, tree, {"host": "db-1"}).json()["id"]
    url = f"/api/sessions/{session_id}"
    assert bob.post(f"{url}/join/").status_code == 201
    assert alice.post(f"{url}/adhoc/", {"step": str(extra.pk)}, format="json").status_code == 201
    for client, node_id, outcome in [
        (alice, "s1", "done"),
        (bob, "s2", "failed"),
        (alice, "adhoc-1", "done"),
    ]:
        body = {"event_id": str(uuid.uuid4()), "node_id": node_id, "outcome": outcome, "note": "ok"}
        assert client.post(f"{url}/events/", body, format="json").status_code == 201
    assert (
        alice.post(f"{url}/finish/", {"status": "resolved", "summary": "done"}, format="json").status_code
        == 200
    )
    assert alice.get(f"{url}/").status_code == 200

    assert Session.objects.get(pk=session_id).status == "resolved"
    assert text_in_database("db-1")  # the search does find what is stored…
    assert text_in_database(SECRET) == []  # …and the secret is not
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/sessions/" in logged  # requests were logged…
    assert SECRET not in logged and SECRET not in caplog.text  # …without the secret


def test_library_entries_forks_and_inserts_keep_their_placeholders(author):
    tree = flow_with_variables(author)
    command = "ssh -p {{port}} {{host}} 'login {{token}}' {{.Names}}"
    entry = LibraryStep.objects.get(source_tree=tree, source_node_id="s1")
    assert entry.content["commands"][0]["command"] == command
    fork = step_fork(step=entry, user=author)
    assert fork.content["commands"][0]["command"] == command
    session_id = start(author, tree, {"host": "db-1"}).json()["id"]
    inserted = client_for(author).post(
        f"/api/sessions/{session_id}/adhoc/", {"step": str(fork.pk)}, format="json"
    )
    assert inserted.json()["content"]["commands"][0]["command"] == command
