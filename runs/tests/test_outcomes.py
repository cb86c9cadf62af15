"""Outcomes feed the library: counters kept by atomic updates, "Works best", solutions."""

import uuid

import pytest

from accounts.tests.clients import client_for
from accounts.tests.factories import UserFactory
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from runs.services import session_add_adhoc, session_finish, session_join, session_record_event
from runs.tests.factories import published_flow, start_session
from steplibrary.models import LibraryStep
from steplibrary.services import steps_record_outcome
from steplibrary.tests.factories import LibraryStepFactory
from steplibrary.tests.threads import run_in_threads

pytestmark = pytest.mark.django_db


def record(session, user, node_id, outcome, **extra):
    return session_record_event(
        session=session, user=user, event_id=uuid.uuid4(), node_id=node_id, outcome=outcome, **extra
    )


def entry_for(tree, node_id) -> LibraryStep:
    return LibraryStep.objects.get(source_tree=tree, source_node_id=node_id)


def counts(step: LibraryStep) -> tuple[int, int, int, int]:
    step.refresh_from_db()
    return step.run_count, step.success_count, step.failure_count, step.usage_count


def test_a_steps_latest_outcome_in_each_session_is_what_counts(author):
    tree = published_flow(author)
    first, second = start_session(tree, author), start_session(tree, author)
    record(first, author, "s1", "failed")
    assert counts(entry_for(tree, "s1")) == (1, 0, 1, 1)
    record(first, author, "s1", "done")  # fixed and retried: one run, now a success
    assert counts(entry_for(tree, "s1")) == (1, 1, 0, 1)
    record(second, author, "s1", "done")
    assert counts(entry_for(tree, "s1")) == (2, 2, 0, 2)
    record(second, author, "s1", "skipped")  # skipped is not a run
    assert counts(entry_for(tree, "s1")) == (1, 1, 0, 2)
    record(first, author, "s2", "skipped")
    assert counts(entry_for(tree, "s2")) == (0, 0, 0, 1)
    assert entry_for(tree, "s1").last_used_at is not None
    assert entry_for(tree, "s3").last_used_at is None


def test_a_repeated_event_id_counts_once(author):
    tree = published_flow(author)
    session = start_session(tree, author)
    body = {"event_id": str(uuid.uuid4()), "node_id": "s1", "outcome": "done"}
    client = client_for(author)
    for _ in range(3):
        client.post(f"/api/sessions/{session.pk}/events/", body)
    assert counts(entry_for(tree, "s1")) == (1, 1, 0, 1)


def test_ad_hoc_entries_count_by_id(author):
    tree = published_flow(author)
    session = start_session(tree, author)
    extra = LibraryStepFactory(public=True)
    adhoc = session_add_adhoc(session=session, user=author, step=extra)
    assert counts(extra) == (0, 0, 0, 1)  # the insert is the use
    record(session, author, adhoc.node_id, "done")
    assert counts(extra) == (1, 1, 0, 1)


def test_works_best_uses_a_lower_confidence_bound(author):
    lucky = LibraryStepFactory(public=True, title="One lucky run")
    proven = LibraryStepFactory(public=True, title="Forty-two of forty-seven")
    never = LibraryStepFactory(public=True, title="Never run")
    steps_record_outcome(steps=LibraryStep.objects.filter(pk=lucky.pk), runs=1, successes=1, failures=0)
    steps_record_outcome(steps=LibraryStep.objects.filter(pk=proven.pk), runs=47, successes=42, failures=5)
    lucky.refresh_from_db()
    proven.refresh_from_db()
    assert lucky.works_best == pytest.approx(0.2065, abs=1e-3)
    assert proven.works_best == pytest.approx(0.7744, abs=1e-3)
    titles = [
        row["title"] for row in client_for(author).get("/api/steps/?ordering=-works_best").json()["results"]
    ]
    assert titles.index(proven.title) < titles.index(lucky.title) < titles.index(never.title)


def test_solutions_learn_how_often_sessions_that_reached_them_ended_resolved(author):
    tree = TreeFactory(author=author, published=True, troubleshooting=True)
    walks = [
        ("resolved", [("q1", "a1"), ("a1", "q2"), ("q2", "z1")]),
        ("unresolved", [("q1", "a1"), ("a1", "q2"), ("q2", "z3")]),
        ("resolved", [("q1", "z2")]),
    ]
    for status, answers in walks:
        session = start_session(tree, author)
        for node_id, next_node_id in answers:
            record(session, author, node_id, "done", next_node_id=next_node_id)
        session_finish(session=session, user=author, status=status)
    reached = {
        node: (step.solution_reached_count, step.solution_resolved_count)
        for node in ("z1", "z2", "z3")
        for step in [entry_for(tree, node)]
    }
    assert reached == {"z1": (1, 1), "z2": (1, 1), "z3": (1, 0)}


def test_the_library_shows_the_outcome_figures_without_scanning_sessions(
    author, django_assert_max_num_queries
):
    tree = published_flow(author, tree_structure=procedural_structure(30))
    for _ in range(3):
        session = start_session(tree, author)
        for index in range(1, 31):
            record(session, author, f"s{index}", "done" if index % 3 else "failed")
    client = client_for(author)
    with django_assert_max_num_queries(6):
        rows = client.get(f"/api/steps/?source_tree={tree.pk}&page_size=100").json()["results"]
    by_node = {row["source_node_id"]: row for row in rows}
    assert (by_node["s1"]["run_count"], by_node["s1"]["success_count"]) == (3, 3)
    assert (by_node["s3"]["run_count"], by_node["s3"]["failure_count"]) == (3, 3)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_counters_are_exact_after_twenty_concurrent_events(account):
    owner = UserFactory(account=account)
    tree = published_flow(owner, tree_structure=procedural_structure(2))
    people = [UserFactory(account=account) for _ in range(20)]
    sessions = [start_session(tree, person) for person in people]
    shared = start_session(tree, owner)
    for person in people:
        session_join(session=shared, user=person)
    statuses: list[int] = []

    def work(index: int, barrier) -> None:
        client = client_for(people[index])
        barrier.wait(timeout=30)
        outcome = "done" if index % 4 else "failed"
        body = {"event_id": str(uuid.uuid4()), "node_id": "s1", "outcome": outcome}
        statuses.append(client.post(f"/api/sessions/{sessions[index].pk}/events/", body).status_code)
        # Twenty people ticking the same step of one session: its latest outcome counts once.
        body = {"event_id": str(uuid.uuid4()), "node_id": "s2", "outcome": "done"}
        statuses.append(client.post(f"/api/sessions/{shared.pk}/events/", body).status_code)

    assert run_in_threads(20, work) == []
    assert statuses == [201] * 40
    assert counts(entry_for(tree, "s1")) == (20, 15, 5, 20)
    assert counts(entry_for(tree, "s2")) == (1, 1, 0, 1)
    s1 = entry_for(tree, "s1")
    assert 0 < s1.works_best < 0.75
