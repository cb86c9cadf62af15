"""The session API: every endpoint, from every role, with hostile input and query budgets."""

import uuid

import pytest

from accounts.tests.clients import client_for
from flows.models import TreeStatus
from flows.samples import procedural_structure
from flows.services import tree_update
from flows.tests.factories import TreeFactory
from runs.models import AdhocStep, Participant, Session, SessionEvent, SessionStatus
from runs.tests.factories import post_json, published_flow, start_session
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(author):
    structure = {**procedural_structure(3), "variables": [{"name": "host", "kind": "text"}]}
    return published_flow(author, name="Rotate certificates", tree_structure=structure)


@pytest.fixture
def session(flow, author):
    return start_session(flow, author, title="INC-1234")


def event(node_id="s1", outcome="done", **extra) -> dict:
    return {"event_id": str(uuid.uuid4()), "node_id": node_id, "outcome": outcome, **extra}


# ---- start ---------------------------------------------------------------------------


def test_start_a_session_of_a_published_flow(author, flow):
    response = client_for(author).post(
        "/api/sessions/", {"tree": str(flow.pk), "title": "INC-1234", "variables": {"host": "web-1"}}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tree"] == str(flow.pk)
    assert body["tree_name"] == "Rotate certificates"
    assert body["title"] == "INC-1234"
    assert body["status"] == "running"
    assert body["variables"] == {"host": "web-1"}
    assert body["structure"] == flow.tree_structure
    assert body["started_by_username"] == "alice"
    assert body["is_participant"] is True
    assert [person["username"] for person in body["participants"]] == ["alice"]
    assert body["events"] == [] and body["adhoc_steps"] == []
    session = Session.objects.get(pk=body["id"])
    assert session.started_by == author and session.finished_at is None


def test_a_teammate_may_start_a_run_of_the_team_flow(teammate, flow):
    response = client_for(teammate).post("/api/sessions/", {"tree": str(flow.pk)})
    assert response.status_code == 201
    assert response.json()["started_by_username"] == "bob"


def test_a_draft_has_nothing_to_run(author):
    draft = TreeFactory(author=author)
    response = client_for(author).post("/api/sessions/", {"tree": str(draft.pk)})
    assert response.status_code == 400
    assert "tree" in response.json()
    assert not Session.objects.exists()


def test_an_inactive_flow_cannot_be_run(author, flow):
    tree_update(tree=flow, is_active=False)
    response = client_for(author).post("/api/sessions/", {"tree": str(flow.pk)})
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["outsider", "loner"])
def test_a_flow_you_cannot_see_cannot_be_run(request, who, flow):
    response = client_for(request.getfixturevalue(who)).post("/api/sessions/", {"tree": str(flow.pk)})
    assert response.status_code == 400
    assert response.json() == {"tree": ["No such flow."]}
    assert not Session.objects.exists()


def test_anonymous_cannot_start(flow):
    assert client_for().post("/api/sessions/", {"tree": str(flow.pk)}).status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "bad\u0000title"}, "title"),
        ({"title": "lone \ud800 surrogate"}, "title"),
        ({"variables": {"host": "a\u0000b"}}, "variables"),
        ({"variables": {"\ud800": "x"}}, "variables"),
        ({"variables": {"not a name": "x"}}, "variables"),
        ({"variables": {"host": 12}}, None),
        ({"variables": ["host"]}, "variables"),
        ({"tree": "not-a-uuid"}, "tree"),
        ({"title": "x" * 256}, "title"),
    ],
)
def test_start_refuses_hostile_input(author, flow, body, field):
    response = post_json(client_for(author), "/api/sessions/", {"tree": str(flow.pk), **body})
    if field is None:  # a number is a valid string for DRF; it is stored as text
        assert response.status_code == 201
        assert Session.objects.get().variables == {"host": "12"}
        return
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Session.objects.exists()


def test_too_many_variables_are_refused(author, flow):
    variables = {f"v{index}": "x" for index in range(51)}
    response = client_for(author).post("/api/sessions/", {"tree": str(flow.pk), "variables": variables})
    assert response.status_code == 400 and "variables" in response.json()


# ---- visibility ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("author", 200), ("teammate", 200), ("outsider", 404), ("loner", 404), ("staff", 200)],
)
def test_a_session_is_visible_exactly_to_those_who_see_its_flow(request, session, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(f"/api/sessions/{session.pk}/").status_code == status
    assert client.get(f"/api/sessions/{session.pk}/events/").status_code == status
    listed = [row["id"] for row in client.get("/api/sessions/").json()["results"]]
    assert listed == ([str(session.pk)] if status == 200 else [])


def test_anonymous_sees_nothing(session):
    client = client_for()
    assert client.get("/api/sessions/").status_code == 401
    assert client.get(f"/api/sessions/{session.pk}/").status_code == 401
    assert client.post(f"/api/sessions/{session.pk}/events/", event()).status_code == 401


@pytest.mark.parametrize("path", ["", "events/"])
def test_invisible_and_unknown_sessions_are_404_for_writes_too(outsider, session, path):
    client = client_for(outsider)
    for target in (session.pk, uuid.uuid4(), "not-a-uuid"):
        response = client.post(f"/api/sessions/{target}/{path or 'finish/'}", {"status": "resolved"})
        assert response.status_code == 404
    assert client.post(f"/api/sessions/{session.pk}/join/").status_code == 404
    assert client.post(f"/api/sessions/{session.pk}/events/", event()).status_code == 404
    assert client.post(f"/api/sessions/{session.pk}/adhoc/", {"step": str(uuid.uuid4())}).status_code == 404
    session.refresh_from_db()
    assert session.status == SessionStatus.RUNNING
    assert not SessionEvent.objects.exists()
    assert not Participant.objects.filter(user=outsider).exists()


def test_sessions_of_a_public_flow_are_visible_to_every_signed_in_user(author, outsider, loner):
    public_flow = published_flow(author, is_public=True)
    session = start_session(public_flow, author)
    for user in (outsider, loner):
        assert client_for(user).get(f"/api/sessions/{session.pk}/").status_code == 200


def test_visibility_is_decided_when_reading(author, outsider):
    """A session of a public flow disappears for outsiders once the flow stops being public."""
    public_flow = published_flow(author, is_public=True)
    session = start_session(public_flow, author)
    assert client_for(outsider).get(f"/api/sessions/{session.pk}/").status_code == 200
    tree_update(tree=public_flow, is_public=False)
    assert client_for(outsider).get(f"/api/sessions/{session.pk}/").status_code == 404


# ---- revision pinning ----------------------------------------------------------------


def test_a_later_publish_does_not_change_a_running_session(author, flow, session):
    pinned = session.structure
    tree_update(tree=flow, tree_structure=procedural_structure(2, sections=0))
    tree_update(tree=flow, status=TreeStatus.DRAFT)
    tree_update(tree=flow, status=TreeStatus.PUBLISHED)

    body = client_for(author).get(f"/api/sessions/{session.pk}/").json()
    assert body["structure"] == pinned
    assert [step["id"] for step in body["structure"]["steps"]] == ["h1", "s1", "s2", "s3", "end"]
    # Steps of the pinned revision still take events; the new revision's ids do not exist here.
    assert client_for(author).post(f"/api/sessions/{session.pk}/events/", event("s3")).status_code == 201
    fresh = start_session(flow, author)
    assert [step["id"] for step in fresh.structure["steps"]] == ["s1", "s2", "end"]
    response = client_for(author).post(f"/api/sessions/{fresh.pk}/events/", event("s3"))
    assert response.status_code == 400 and "node_id" in response.json()


# ---- events --------------------------------------------------------------------------


def test_record_an_event(author, session):
    body = event("s1", "failed", note="nginx refused to stop")
    response = client_for(author).post(f"/api/sessions/{session.pk}/events/", body)
    assert response.status_code == 201, response.content
    assert response.json() | {"created_at": None} == {
        "event_id": body["event_id"],
        "node_id": "s1",
        "outcome": "failed",
        "note": "nginx refused to stop",
        "next_node_id": None,
        "answer": "",
        "user": author.pk,
        "username": "alice",
        "created_at": None,
    }
    stored = SessionEvent.objects.get()
    assert (stored.session_id, stored.node_id, stored.outcome, stored.user) == (
        session.pk,
        "s1",
        "failed",
        author,
    )


def test_the_same_event_twice_counts_once(author, session):
    body = event("s2")
    client = client_for(author)
    first = client.post(f"/api/sessions/{session.pk}/events/", body)
    again = client.post(f"/api/sessions/{session.pk}/events/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert SessionEvent.objects.count() == 1


def test_the_same_event_id_in_two_sessions_is_two_events(author, flow, session):
    other = start_session(flow, author)
    body = event("s1")
    client = client_for(author)
    assert client.post(f"/api/sessions/{session.pk}/events/", body).status_code == 201
    assert client.post(f"/api/sessions/{other.pk}/events/", body).status_code == 201
    assert SessionEvent.objects.count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        (event("nope"), "node_id"),
        (event("h1"), "node_id"),  # a section header is not a step
        (event("s1", "maybe"), "outcome"),
        ({**event(), "event_id": "not-a-uuid"}, "event_id"),
        ({**event(), "event_id": None}, "event_id"),
        (event("s1", note="a\u0000b"), "note"),
        (event("s1", note="\ud800"), "note"),
        (event("\ud800"), "node_id"),
        (event("s1", next_node_id="s2"), "next_node_id"),  # a procedure step has no answers
        (event("adhoc-1"), "node_id"),
    ],
)
def test_events_refuse_bad_input(author, session, body, field):
    response = post_json(client_for(author), f"/api/sessions/{session.pk}/events/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not SessionEvent.objects.exists()


def test_a_troubleshooting_run_records_the_answers_and_the_path(author):
    tree = TreeFactory(author=author, published=True, troubleshooting=True)
    session = start_session(tree, author)
    client = client_for(author)
    url = f"/api/sessions/{session.pk}/events/"
    assert client.post(url, event("q1", next_node_id="a1")).status_code == 201
    assert client.post(url, event("a1", next_node_id="q2")).status_code == 201
    assert client.post(url, event("q2", next_node_id="z1")).status_code == 201
    assert client.post(url, event("z1")).status_code == 201
    wrong = client.post(url, event("q1", next_node_id="z1"))  # z1 is not an answer of q1
    assert wrong.status_code == 400 and "next_node_id" in wrong.json()

    timeline = client.get(url).json()
    assert [(row["node_id"], row["next_node_id"], row["answer"]) for row in timeline["events"]] == [
        ("q1", "a1", "No"),
        ("a1", "q2", "Does it connect now?"),
        ("q2", "z1", "Yes"),
        ("z1", None, ""),
    ]


def test_only_participants_write_and_anyone_who_sees_the_flow_may_join(teammate, session):
    client = client_for(teammate)
    refused = client.post(f"/api/sessions/{session.pk}/events/", event())
    assert refused.status_code == 403
    assert "join" in refused.json()["detail"]
    entry = LibraryStepFactory(public=True)
    assert client.post(f"/api/sessions/{session.pk}/adhoc/", {"step": str(entry.pk)}).status_code == 403
    assert client.post(f"/api/sessions/{session.pk}/finish/", {"status": "resolved"}).status_code == 403
    assert not SessionEvent.objects.exists()
    entry.refresh_from_db()
    assert entry.usage_count == 0

    joined = client.post(f"/api/sessions/{session.pk}/join/")
    assert joined.status_code == 201
    assert joined.json()["is_participant"] is True
    assert [person["username"] for person in joined.json()["participants"]] == ["alice", "bob"]
    assert client.post(f"/api/sessions/{session.pk}/join/").status_code == 200  # already in
    assert Participant.objects.filter(session=session).count() == 2
    assert client.post(f"/api/sessions/{session.pk}/events/", event()).status_code == 201


def test_the_timeline_lists_every_event_in_order(author, teammate, session):
    client_for(teammate).post(f"/api/sessions/{session.pk}/join/")
    client_for(author).post(f"/api/sessions/{session.pk}/events/", event("s1"))
    client_for(teammate).post(
        f"/api/sessions/{session.pk}/events/", event("s2", "skipped", note="not needed")
    )
    timeline = client_for(teammate).get(f"/api/sessions/{session.pk}/events/").json()
    assert timeline["status"] == "running"
    assert [(row["username"], row["node_id"], row["outcome"]) for row in timeline["events"]] == [
        ("alice", "s1", "done"),
        ("bob", "s2", "skipped"),
    ]
    assert [person["username"] for person in timeline["participants"]] == ["alice", "bob"]


# ---- ad-hoc steps --------------------------------------------------------------------


def test_an_adhoc_step_is_recorded_and_counts_one_use(author, session):
    entry = LibraryStepFactory(public=True, title="Flush the DNS cache")
    client = client_for(author)
    response = client.post(
        f"/api/sessions/{session.pk}/adhoc/", {"step": str(entry.pk), "after_node_id": "s1"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["node_id"], body["step"], body["title"], body["after_node_id"]) == (
        "adhoc-1",
        str(entry.pk),
        "Flush the DNS cache",
        "s1",
    )
    entry.refresh_from_db()
    assert entry.usage_count == 1
    # The inserted step takes events like any other.
    assert client.post(f"/api/sessions/{session.pk}/events/", event("adhoc-1")).status_code == 201
    second = client.post(f"/api/sessions/{session.pk}/adhoc/", {"step": str(entry.pk)})
    assert second.json()["node_id"] == "adhoc-2" and second.json()["after_node_id"] is None
    entry.refresh_from_db()
    assert entry.usage_count == 2
    detail = client.get(f"/api/sessions/{session.pk}/").json()
    assert [row["node_id"] for row in detail["adhoc_steps"]] == ["adhoc-1", "adhoc-2"]


@pytest.mark.parametrize("visibility", ["private", "team"])
def test_an_entry_you_cannot_see_cannot_be_inserted(outsider, author, flow, visibility):
    public_flow = published_flow(author, is_public=True)
    session = start_session(public_flow, outsider)
    hidden = LibraryStepFactory(created_by=author, visibility=visibility)
    response = client_for(outsider).post(f"/api/sessions/{session.pk}/adhoc/", {"step": str(hidden.pk)})
    assert response.status_code == 400 and response.json() == {"step": ["No such library entry."]}
    hidden.refresh_from_db()
    assert hidden.usage_count == 0
    assert not AdhocStep.objects.exists()


def test_adhoc_refuses_bad_input(author, session):
    entry = LibraryStepFactory(public=True)
    client = client_for(author)
    url = f"/api/sessions/{session.pk}/adhoc/"
    assert client.post(url, {"step": "nope"}).status_code == 400
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"step": str(entry.pk), "after_node_id": "missing"}).status_code == 400
    assert post_json(client, url, {"step": str(entry.pk), "after_node_id": "\ud800"}).status_code == 400
    entry.refresh_from_db()
    assert entry.usage_count == 0


# ---- finish --------------------------------------------------------------------------


def test_finish_then_the_session_is_read_only(author, teammate, session):
    entry = LibraryStepFactory(public=True)
    client = client_for(author)
    response = client.post(
        f"/api/sessions/{session.pk}/finish/", {"status": "resolved", "summary": "Rotated."}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["summary"]) == ("resolved", "Rotated.")
    session.refresh_from_db()
    assert session.status == "resolved" and session.finished_at is not None and session.finished_by == author

    for path, body in [
        ("events/", event()),
        ("adhoc/", {"step": str(entry.pk)}),
        ("finish/", {"status": "unresolved"}),
    ]:
        refused = client.post(f"/api/sessions/{session.pk}/{path}", body)
        assert refused.status_code == 409, path
        assert refused.json() == {"detail": "This session is finished and read-only."}
    assert client_for(teammate).post(f"/api/sessions/{session.pk}/join/").status_code == 409
    session.refresh_from_db()
    assert session.status == "resolved" and session.summary == "Rotated."
    assert not SessionEvent.objects.exists() and not AdhocStep.objects.exists()
    entry.refresh_from_db()
    assert entry.usage_count == 0
    assert client.get(f"/api/sessions/{session.pk}/").status_code == 200


@pytest.mark.parametrize(
    "body", [{"status": "running"}, {"status": "done"}, {}, {"status": "resolved", "summary": "\u0000"}]
)
def test_finish_refuses_bad_input(author, session, body):
    response = post_json(client_for(author), f"/api/sessions/{session.pk}/finish/", body)
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.status == SessionStatus.RUNNING


@pytest.mark.parametrize("status", ["resolved", "unresolved", "abandoned"])
def test_every_finishing_status(author, session, status):
    assert (
        client_for(author).post(f"/api/sessions/{session.pk}/finish/", {"status": status}).status_code == 200
    )
    assert Session.objects.get(pk=session.pk).status == status


# ---- list and filters ----------------------------------------------------------------


def test_list_filters_by_tree_status_and_mine(author, teammate, flow):
    other_flow = published_flow(author)
    mine = start_session(flow, author, title="mine")
    theirs = start_session(flow, teammate, title="theirs")
    elsewhere = start_session(other_flow, teammate, title="elsewhere")
    client_for(teammate).post(f"/api/sessions/{elsewhere.pk}/finish/", {"status": "abandoned"})
    client = client_for(author)

    def titles(query: str) -> list[str]:
        response = client.get(f"/api/sessions/{query}")
        assert response.status_code == 200, response.content
        return sorted(row["title"] for row in response.json()["results"])

    assert titles("") == ["elsewhere", "mine", "theirs"]
    assert titles(f"?tree={flow.pk}") == ["mine", "theirs"]
    assert titles("?status=abandoned") == ["elsewhere"]
    assert titles("?status=running") == ["mine", "theirs"]
    assert titles("?mine=true") == ["mine"]
    assert titles("?mine=false") == ["elsewhere", "theirs"]
    client.post(f"/api/sessions/{theirs.pk}/join/")
    assert titles("?mine=true") == ["mine", "theirs"]
    assert client.get("/api/sessions/?status=bogus").status_code == 400
    assert client.get("/api/sessions/?tree=bogus").status_code == 400
    assert mine.pk


# ---- cost ----------------------------------------------------------------------------


def test_recording_an_event_costs_a_fixed_number_of_queries(author, django_assert_max_num_queries):
    big = published_flow(author, tree_structure=procedural_structure(300, sections=10))
    session = start_session(big, author)
    client = client_for(author)
    # Lock, membership, idempotency, previous outcome, insert, the entry's counters (two
    # statements), the session's timestamp, and the request's own (auth, savepoints).
    for index in range(1, 4):
        with django_assert_max_num_queries(14):
            assert client.post(f"/api/sessions/{session.pk}/events/", event(f"s{index}")).status_code == 201


@pytest.mark.parametrize("steps", [5, 300])
def test_reading_a_session_costs_a_fixed_number_of_queries(
    author, teammate, steps, django_assert_max_num_queries
):
    tree = published_flow(author, tree_structure=procedural_structure(steps, sections=max(1, steps // 30)))
    session = start_session(tree, author)
    client_for(teammate).post(f"/api/sessions/{session.pk}/join/")
    entry = LibraryStepFactory(public=True)
    for index in range(1, steps + 1):
        client_for(author if index % 2 else teammate).post(
            f"/api/sessions/{session.pk}/events/", event(f"s{index}")
        )
    for _ in range(3):
        client_for(author).post(f"/api/sessions/{session.pk}/adhoc/", {"step": str(entry.pk)})
    client = client_for(author)
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/sessions/{session.pk}/").json()
    assert len(body["events"]) == steps and len(body["adhoc_steps"]) == 3
    with django_assert_max_num_queries(8):
        assert len(client.get(f"/api/sessions/{session.pk}/events/").json()["events"]) == steps
    with django_assert_max_num_queries(6):
        assert client.get("/api/sessions/").status_code == 200


def test_usage_count_still_moves_with_the_rest_use_action(author):
    entry = LibraryStepFactory(public=True)
    assert client_for(author).post(f"/api/steps/{entry.pk}/use/").status_code == 200
    assert LibraryStep.objects.get(pk=entry.pk).usage_count == 1
