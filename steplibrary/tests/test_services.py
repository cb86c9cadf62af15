"""The library's write services, called directly (the API tests cover the HTTP side)."""

import pytest

from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, StepRating, StepRevision, Visibility
from steplibrary.services import (
    step_create,
    step_delete,
    step_fork,
    step_rate,
    step_record_use,
    step_update,
    steps_set_active,
    steps_take_down,
)
from steplibrary.tests.factories import LibraryStepFactory

CONTENT = {"instructions": "Restart the agent.", "help_text": "It answers on :9100", "commands": []}


def revision_numbers(step: LibraryStep) -> list[int]:
    return list(StepRevision.objects.filter(step=step).order_by("number").values_list("number", flat=True))


@pytest.mark.django_db
class TestCreateAndUpdate:
    def test_a_manual_entry_belongs_to_its_creator_and_their_team(self, author):
        step = step_create(user=author, title="Restart agent", content=CONTENT, visibility=Visibility.TEAM)
        step.refresh_from_db()
        assert (step.created_by, step.account, step.visibility) == (author, author.account, "team")
        assert not step.is_flow_synced and step.is_active
        assert revision_numbers(step) == [1]

    def test_a_partial_content_update_keeps_the_other_fields(self, author):
        step = step_create(user=author, title="Restart agent", content=CONTENT)
        step_update(step=step, user=author, content={"help_text": "It answers on :9200"})
        step.refresh_from_db()
        assert step.content["instructions"] == "Restart the agent."
        assert step.content["help_text"] == "It answers on :9200"
        assert revision_numbers(step) == [1, 2]

    def test_an_update_that_changes_nothing_records_no_revision(self, author):
        step = step_create(user=author, title="Restart agent", content=CONTENT)
        version = LibraryStep.objects.get(pk=step.pk).version
        step_update(
            step=step, user=author, title="Restart agent", content={"help_text": CONTENT["help_text"]}
        )
        assert revision_numbers(step) == [1]
        assert LibraryStep.objects.get(pk=step.pk).version == version


@pytest.mark.django_db
class TestForkAndDelete:
    def test_a_fork_is_a_private_copy_that_remembers_its_source_revision(self, author, outsider):
        source = step_create(user=author, title="Rotate logs", content=CONTENT, visibility=Visibility.PUBLIC)
        step_update(step=source, user=author, title="Rotate the logs")
        fork = step_fork(step=source, user=outsider)
        fork.refresh_from_db()
        assert (fork.title, fork.content) == ("Rotate the logs", source.content)
        assert (fork.created_by, fork.account, fork.visibility) == (outsider, outsider.account, "private")
        assert (fork.forked_from, fork.forked_from_revision) == (source, 2)
        # The copy is independent: editing it leaves the source alone.
        step_update(step=fork, user=outsider, content={"instructions": "Mine now"})
        source.refresh_from_db()
        assert source.content["instructions"] == "Restart the agent."

    def test_delete_is_soft_and_forks_keep_their_provenance(self, author, outsider):
        source = step_create(user=author, title="Rotate logs", content=CONTENT, visibility=Visibility.PUBLIC)
        fork = step_fork(step=source, user=outsider)
        step_delete(step=source)
        source.refresh_from_db()
        fork.refresh_from_db()
        assert source.is_active is False
        assert fork.is_active and fork.forked_from_id == source.pk


@pytest.mark.django_db
class TestCounters:
    def test_a_second_rating_by_the_same_user_replaces_the_first(self, author, teammate):
        step = LibraryStepFactory(created_by=author, public=True)
        step_rate(step=step, user=author, score=5)
        step_rate(step=step, user=teammate, score=2)
        step_rate(step=step, user=author, score=3)
        step.refresh_from_db()
        assert (step.rating_count, step.rating_avg) == (2, 2.5)
        assert StepRating.objects.filter(step=step).count() == 2

    def test_each_use_counts_once(self, author):
        step = LibraryStepFactory(created_by=author)
        step_record_use(step=step)
        step_record_use(step=step)
        step.refresh_from_db()
        assert step.usage_count == 2


@pytest.mark.django_db
class TestActivation:
    def test_a_synced_entry_comes_back_only_while_its_flow_is_live(self, author):
        live = TreeFactory(author=author, published=True)
        retired = TreeFactory(author=author, published=True, is_active=False)
        of_live = LibraryStepFactory(synced=True, source_tree=live, created_by=author, is_active=False)
        of_retired = LibraryStepFactory(synced=True, source_tree=retired, created_by=author, is_active=False)
        manual = LibraryStepFactory(created_by=author, is_active=False)
        candidates = LibraryStep.objects.filter(pk__in=[of_live.pk, of_retired.pk, manual.pk])
        assert steps_set_active(steps=candidates, active=True) == 2
        assert set(candidates.filter(is_active=True).values_list("pk", flat=True)) == {of_live.pk, manual.pk}

    def test_a_taken_down_entry_stays_out_when_reactivated(self, author, staff):
        step = LibraryStepFactory(created_by=author, public=True)
        steps_take_down(steps=LibraryStep.objects.filter(pk=step.pk), reason="Leaks a key", user=staff)
        assert steps_set_active(steps=LibraryStep.objects.filter(pk=step.pk), active=True) == 0
        step.refresh_from_db()
        assert step.is_active is False and step.takedown_reason == "Leaks a key"
