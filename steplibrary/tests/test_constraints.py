"""Each database constraint refuses a bad row, on SQLite and PostgreSQL alike."""

import pytest
from django.db import IntegrityError, transaction

from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, StepRating
from steplibrary.tests.factories import LibraryStepFactory, StepRatingFactory


def assert_refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.mark.django_db
class TestLibraryStepConstraints:
    def test_one_entry_per_source_node(self, author):
        tree = TreeFactory(author=author)
        LibraryStepFactory(synced=True, source_tree=tree, source_node_id="s1", created_by=author)
        assert_refused(
            lambda: LibraryStepFactory(synced=True, source_tree=tree, source_node_id="s1", created_by=author)
        )

    def test_same_node_id_in_another_tree_is_fine(self, author):
        LibraryStepFactory(synced=True, source_tree=TreeFactory(author=author), source_node_id="s1")
        LibraryStepFactory(synced=True, source_tree=TreeFactory(author=author), source_node_id="s1")
        assert LibraryStep.objects.count() == 2

    def test_synced_entry_is_never_private(self, author):
        tree = TreeFactory(author=author)
        assert_refused(lambda: LibraryStepFactory(synced=True, source_tree=tree, visibility="private"))

    def test_synced_entry_needs_its_node_id(self, author):
        assert_refused(lambda: LibraryStepFactory(synced=True, source_node_id=None))

    @pytest.mark.parametrize(
        ("field", "value"),
        [("visibility", "secret"), ("step_type", "question"), ("usage_count", -1), ("rating_count", -1)],
    )
    def test_out_of_range_values_are_refused(self, author, field, value):
        assert_refused(lambda: LibraryStepFactory(created_by=author, **{field: value}))


@pytest.mark.django_db
class TestStepRatingConstraints:
    @pytest.mark.parametrize("score", [0, 6, -3])
    def test_score_outside_one_to_five_is_refused(self, score):
        assert_refused(lambda: StepRatingFactory(score=score))

    def test_one_rating_per_user_and_step(self, author):
        rating = StepRatingFactory(user=author)
        assert_refused(lambda: StepRating.objects.create(step=rating.step, user=author, score=2))


@pytest.mark.django_db
def test_tree_type_and_status_must_be_known(author):
    assert_refused(lambda: TreeFactory(author=author, tree_type="recipe"))
    assert_refused(lambda: TreeFactory(author=author, status="deleted"))
