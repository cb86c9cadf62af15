"""Exact records under concurrent writers (PostgreSQL: real parallel transactions)."""

import uuid

import pytest

from accounts.tests.clients import client_for
from accounts.tests.factories import UserFactory
from flows.samples import procedural_structure
from flows.services import tree_update
from runs.models import AdhocStep, Session, SessionEvent, SessionStatus
from runs.services import session_join
from runs.tests.factories import published_flow, start_session
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory
from steplibrary.tests.threads import run_in_threads

THREADS = 20

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def crew(account):
    """A running session with twenty participants."""
    owner = UserFactory(account=account)
    tree = published_flow(owner, tree_structure=procedural_structure(THREADS))
    session = start_session(tree, owner)
    people = [UserFactory(account=account) for _ in range(THREADS)]
    for person in people:
        session_join(session=session, user=person)
    return session, people


def test_twenty_concurrent_events_and_ad_hoc_inserts_are_all_counted_exactly(crew):
    session, people = crew
    entry = LibraryStepFactory(public=True)
    statuses: list[int] = []

    def work(index: int, barrier) -> None:
        client = client_for(people[index])
        barrier.wait(timeout=30)
        body = {"event_id": str(uuid.uuid4()), "node_id": f"s{index + 1}", "outcome": "done"}
        statuses.append(client.post(f"/api/sessions/{session.pk}/events/", body).status_code)
        statuses.append(
            client.post(f"/api/sessions/{session.pk}/adhoc/", {"step": str(entry.pk)}).status_code
        )

    assert run_in_threads(THREADS, work) == []
    assert sorted(statuses) == [201] * (THREADS * 2)
    assert SessionEvent.objects.filter(session=session).count() == THREADS
    assert AdhocStep.objects.filter(session=session).count() == THREADS
    assert set(AdhocStep.objects.values_list("node_id", flat=True)) == {
        f"adhoc-{n}" for n in range(1, THREADS + 1)
    }
    assert LibraryStep.objects.get(pk=entry.pk).usage_count == THREADS


def test_twenty_concurrent_retries_of_one_event_record_it_once(crew):
    session, people = crew
    body = {"event_id": str(uuid.uuid4()), "node_id": "s1", "outcome": "failed", "note": "disk full"}
    statuses: list[int] = []

    def retry(index: int, barrier) -> None:
        client = client_for(people[index])
        barrier.wait(timeout=30)
        statuses.append(client.post(f"/api/sessions/{session.pk}/events/", body).status_code)

    assert run_in_threads(THREADS, retry) == []
    assert sorted(statuses) == [200] * (THREADS - 1) + [201]
    assert SessionEvent.objects.filter(session=session).count() == 1


def test_events_racing_a_finish_never_land_after_it(crew):
    session, people = crew
    statuses: list[int] = []

    def race(index: int, barrier) -> None:
        client = client_for(people[index])
        barrier.wait(timeout=30)
        if index == 0:
            statuses.append(
                client.post(f"/api/sessions/{session.pk}/finish/", {"status": "resolved"}).status_code
            )
            return
        body = {"event_id": str(uuid.uuid4()), "node_id": f"s{index + 1}", "outcome": "done"}
        statuses.append(client.post(f"/api/sessions/{session.pk}/events/", body).status_code)

    assert run_in_threads(THREADS, race) == []
    finished = Session.objects.get(pk=session.pk)
    assert finished.status == SessionStatus.RESOLVED
    assert set(statuses) <= {200, 201, 409}
    late = SessionEvent.objects.filter(session=session, created_at__gt=finished.finished_at)
    assert not late.exists()
    assert SessionEvent.objects.filter(session=session).count() == statuses.count(201)


def test_sessions_started_during_a_publish_are_checked_against_the_revision_they_pin(account):
    """Half the starters send `host`, half `server`, while a publish renames the variable:
    each session that starts holds exactly the values its own pinned declarations allow."""
    owner = UserFactory(account=account)
    declared = [{"name": "host", "kind": "hostname", "required": True}]
    tree = published_flow(owner, tree_structure={**procedural_structure(2), "variables": declared})
    renamed = {**procedural_structure(2), "variables": [{**declared[0], "name": "server"}]}
    statuses: list[int] = []

    def work(index: int, barrier) -> None:
        barrier.wait(timeout=30)
        if index == 0:
            tree_update(tree=tree, tree_structure=renamed)
            return
        name = "host" if index % 2 else "server"
        body = {"tree": str(tree.pk), "variables": {name: f"db-{index}"}}
        statuses.append(client_for(owner).post("/api/sessions/", body, format="json").status_code)

    assert run_in_threads(THREADS, work) == []
    assert set(statuses) <= {201, 400}
    sessions = list(Session.objects.all())
    assert len(sessions) == statuses.count(201)
    for session in sessions:
        (pinned,) = session.structure["variables"]
        assert list(session.variables) == [pinned["name"]]
