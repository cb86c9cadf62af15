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
