"""Exact counts under concurrent use/ and rate/ calls: real parallel writers on PostgreSQL, and
on SQLite (immediate transactions and a busy timeout, so writers queue instead of failing)."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from steplibrary.models import LibraryStep, StepRating
from steplibrary.tests.factories import LibraryStepFactory
from steplibrary.tests.threads import run_in_threads

THREADS = 20


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_uses_and_ratings_give_exact_counts(account):
    step = LibraryStepFactory(public=True, created_by=UserFactory(account=account))
    raters = [UserFactory(account=account) for _ in range(THREADS)]
    statuses: list[int] = []

    def use_and_rate(index: int, barrier) -> None:
        barrier.wait(timeout=30)
        client = APIClient()
        client.force_authenticate(raters[index])
        statuses.append(client.post(f"/api/steps/{step.pk}/use/").status_code)
        statuses.append(
            client.post(f"/api/steps/{step.pk}/rate/", {"score": index % 5 + 1}, format="json").status_code
        )
        # A second rating by the same user replaces the first.
        statuses.append(client.post(f"/api/steps/{step.pk}/rate/", {"score": 5}, format="json").status_code)

    assert run_in_threads(THREADS, use_and_rate) == []
    assert statuses == [200] * (THREADS * 3)
    step = LibraryStep.objects.get(pk=step.pk)
    assert step.usage_count == THREADS
    assert StepRating.objects.filter(step=step).count() == THREADS
    assert step.rating_count == THREADS
    assert step.rating_avg == 5.0


@pytest.mark.django_db(transaction=True)
def test_ten_people_rating_at_once_all_succeed_with_exact_counts(account):
    """On SQLite (the default of `make run`) this used to be ten 500s: "database is locked"."""
    step = LibraryStepFactory(public=True, created_by=UserFactory(account=account))
    raters = [UserFactory(account=account) for _ in range(10)]
    statuses: list[int] = []

    def rate(index: int, barrier) -> None:
        client = APIClient()
        client.force_authenticate(raters[index])
        barrier.wait(timeout=30)
        response = client.post(f"/api/steps/{step.pk}/rate/", {"score": index % 5 + 1}, format="json")
        statuses.append(response.status_code)

    assert run_in_threads(10, rate) == []
    assert statuses == [200] * 10
    step = LibraryStep.objects.get(pk=step.pk)
    assert StepRating.objects.filter(step=step).count() == step.rating_count == 10
    assert step.rating_avg == 3.0  # two of each score 1..5


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_an_accept_racing_an_edit_of_the_fork_loses_neither(account, other_account):
    """The owner accepts the source's change while another tab of theirs renames the fork: in
    either order, the rename and the source's new instructions both survive, and the fork's
    latest revision is exactly what it holds."""
    from flows.samples import procedural_structure
    from flows.tests.factories import TreeFactory

    owner = UserFactory(account=other_account)
    author = UserFactory(account=account)
    for round_number in range(10):
        tree = TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(1))
        source = LibraryStep.objects.get(source_tree=tree, source_node_id="s1")
        api = APIClient()
        api.force_authenticate(owner)
        fork_id = api.post(f"/api/steps/{source.pk}/fork/").json()["id"]
        tree.tree_structure["steps"][1]["description"] = f"Source words {round_number}"
        tree.save()
        statuses: list[int] = []

        def act(index: int, barrier, fork_id=fork_id, round_number=round_number, statuses=statuses) -> None:
            client = APIClient()
            client.force_authenticate(owner)
            barrier.wait(timeout=30)
            if index == 0:
                statuses.append(client.post(f"/api/steps/{fork_id}/upstream/accept/").status_code)
            else:
                rename = {"title": f"Renamed {round_number}"}
                statuses.append(client.patch(f"/api/steps/{fork_id}/", rename, format="json").status_code)

        assert run_in_threads(2, act) == []
        assert statuses.count(200) == 2, statuses
        fork = LibraryStep.objects.get(pk=fork_id)
        assert fork.title == f"Renamed {round_number}"
        assert fork.content["instructions"] == f"Source words {round_number}"
        assert fork.forked_from_revision == 2
        latest = fork.revisions.order_by("-number").first()
        assert (latest.title, latest.content) == (fork.title, fork.content)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_restores_with_the_same_if_match_one_wins_one_gets_412(author):
    """Two tabs restore different revisions of one entry from the same version: exactly one
    restore lands (one new revision), the other is told the entry moved on."""
    from steplibrary.services import step_create, step_update

    step = step_create(user=author, title="First", content={"instructions": "One"})
    step_update(step=step, user=author, title="Second")
    step_update(step=step, user=author, title="Third")
    version = LibraryStep.objects.get(pk=step.pk).version
    answers: dict[int, object] = {}

    def restore(index: int, barrier) -> None:
        client = APIClient()
        client.force_authenticate(author)
        barrier.wait(timeout=30)
        answers[index] = client.post(
            f"/api/steps/{step.pk}/revisions/{index + 1}/restore/", headers={"If-Match": f'"{version}"'}
        )

    assert run_in_threads(2, restore) == []
    assert sorted(answer.status_code for answer in answers.values()) == [200, 412]
    winner = next(index for index, answer in answers.items() if answer.status_code == 200)
    step = LibraryStep.objects.get(pk=step.pk)
    assert step.title == ("First", "Second")[winner]
    assert step.version == version + 1
    assert list(step.revisions.order_by("number").values_list("number", flat=True)) == [1, 2, 3, 4]
