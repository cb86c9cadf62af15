"""The race matrix (PostgreSQL): publish, edit, deactivate, reactivate and fork, every pairing,
20 rounds each, through the API with deliberately slow request bodies.

Afterwards, in the database: a flow's synced entries are active exactly when the flow is
published and active; no write of one request undid another's; and every fork's recorded
source revision holds exactly the content the fork copied.
"""

import itertools
import json
import random
import threading
import time

import pytest
from django.test.client import FakePayload
from rest_framework.test import APIClient

from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.services import tree_update
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, StepRevision, version_hash, version_of
from steplibrary.tests.threads import run_in_threads

OPERATIONS = ("publish", "edit", "deactivate", "reactivate", "fork")
ROUNDS = 20


class SlowPayload(FakePayload):
    """A request body that arrives late: DRF reads it after the view has begun, which is the
    window in which a write that loaded its row early would act on stale values."""

    def read(self, *args, **kwargs):
        time.sleep(random.uniform(0.001, 0.01))
        return super().read(*args, **kwargs)


def slow_patch(client: APIClient, url: str, body: dict):
    data = json.dumps(body).encode()
    return client.patch(url, data, content_type="application/json", **{"wsgi.input": SlowPayload(data)})


def structure_for(round_id: str) -> dict:
    structure = procedural_structure(3)
    structure["steps"][1]["description"] = f"Edited in round {round_id}."
    return structure


def perform(operation: str, client: APIClient, tree: Tree, round_id: str):
    url = f"/api/trees/{tree.pk}/"
    if operation == "publish":
        return slow_patch(client, url, {"status": "published"})
    if operation == "edit":
        return slow_patch(client, url, {"description": round_id, "tree_structure": structure_for(round_id)})
    if operation == "deactivate":
        return slow_patch(client, url, {"is_active": False})
    if operation == "reactivate":
        return slow_patch(client, url, {"is_active": True})
    source = LibraryStep.objects.get(source_tree=tree, source_node_id="s1")
    data = json.dumps({"visibility": "private"}).encode()
    return client.post(
        f"/api/steps/{source.pk}/fork/",
        data,
        content_type="application/json",
        **{"wsgi.input": SlowPayload(data)},
    )


EXPECTED = {
    "publish": {200},
    "edit": {200},
    "deactivate": {200},
    "reactivate": {200},
    # The entry is out of the library while the flow is not live: then there is nothing to fork.
    "fork": {201, 404},
}


def assert_invariant(tree: Tree) -> None:
    tree.refresh_from_db()
    synced = LibraryStep.objects.synced_from(tree)
    active = set(synced.filter(is_active=True).values_list("source_node_id", flat=True))
    if tree.status == TreeStatus.PUBLISHED and tree.is_active:
        assert active == {"s1", "s2", "s3"}, (tree.status, tree.is_active, active)
        # And the library shows what is published.
        s1 = synced.get(source_node_id="s1")
        assert s1.content["instructions"] == tree.tree_structure["steps"][1]["description"]
    else:
        assert active == set(), (tree.status, tree.is_active, active)


def assert_no_lost_write(tree: Tree, done: dict[str, int], round_id: str) -> None:
    """Each successful write is visible afterwards unless its pair wrote the same field."""
    tree.refresh_from_db()
    if done.get("edit") == 200:
        assert tree.description == round_id
        assert tree.tree_structure == structure_for(round_id)
    if done.get("publish") == 200:
        assert tree.status == TreeStatus.PUBLISHED
    if done.get("deactivate") == 200 and "reactivate" not in done:
        assert tree.is_active is False
    if done.get("reactivate") == 200 and "deactivate" not in done:
        assert tree.is_active is True


def reset(tree: Tree, rng: random.Random, round_id: str) -> None:
    """A random starting state for the round that satisfies the invariant, reached through the
    services. (Taking a live flow back to draft keeps its entries by design, so the round
    starts from a retired library instead.)"""
    status = rng.choice([TreeStatus.DRAFT, TreeStatus.PUBLISHED])
    tree_update(tree=tree, is_active=False, status=status, description=f"before {round_id}")
    if rng.choice([True, False]):
        tree_update(tree=tree, is_active=True)


def play_pair(pair: tuple[str, str], clients: list[APIClient], tree: Tree, rng: random.Random) -> None:
    """ROUNDS rounds of `pair`, one thread per operation: each round starts from a reset state,
    the two requests start together, and the database is checked once both have answered."""
    statuses: list[int] = [0, 0]

    def play(index: int, barrier) -> None:
        try:
            for number in range(ROUNDS):
                round_id = f"{pair[0]}-{pair[1]}-{number}"
                if index == 0:
                    reset(tree, rng, round_id)
                barrier.wait(timeout=30)
                statuses[index] = perform(pair[index], clients[index], tree, round_id).status_code
                barrier.wait(timeout=30)
                if index == 0:
                    for operation, code in zip(pair, statuses, strict=True):
                        assert code in EXPECTED[operation], (round_id, operation, code)
                    assert_invariant(tree)
                    if pair[0] != pair[1]:
                        assert_no_lost_write(tree, dict(zip(pair, statuses, strict=True)), round_id)
        except BaseException:
            barrier.abort()  # the other thread stops waiting at once
            raise

    errors = run_in_threads(2, play)
    assert not [error for error in errors if not isinstance(error, threading.BrokenBarrierError)], errors
    assert errors == []


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_race_matrix(author, teammate):
    tree = TreeFactory(author=author, published=True, tree_structure=structure_for("start"))
    # Forks need the entry to exist; it stays (retired or not) from here on.
    assert LibraryStep.objects.filter(source_tree=tree, source_node_id="s1").exists()
    clients = [APIClient(), APIClient()]
    clients[0].force_authenticate(author)
    clients[1].force_authenticate(teammate)
    rng = random.Random(11)
    for pair in itertools.combinations_with_replacement(OPERATIONS, 2):
        play_pair(pair, clients, tree, rng)
    assert_forks_match_their_recorded_revision(tree)


def assert_forks_match_their_recorded_revision(tree: Tree) -> None:
    forks = LibraryStep.objects.filter(forked_from__source_tree=tree)
    assert forks.count() > 0
    revisions = {
        (revision.step_id, revision.number): revision
        for revision in StepRevision.objects.filter(step__source_tree=tree)
    }
    for fork in forks:
        recorded = revisions[(fork.forked_from_id, fork.forked_from_revision)]
        assert version_hash({**version_of(fork), "visibility": recorded.visibility}) == (
            recorded.content_hash
        ), (fork.pk, fork.forked_from_revision)
