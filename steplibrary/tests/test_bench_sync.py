"""bench/: the sync benchmark's rounds and its scale case, run small so they keep working."""

import pytest

from flows.models import Tree, TreeStepLink
from steplibrary.models import LibraryStep, StepRevision
from steplibrary.usage import trees_using_steps


@pytest.mark.django_db
def test_the_sync_benchmark_runs_interleaved_rounds(author):
    from bench import rounds

    first = rounds.phase_figures(author, 20, "first", 3, with_naive=True)
    assert first["rounds"] == 3 and first["ours_queries"] == 15
    # The naive peer writes row by row: an entry and a revision each, at least two statements.
    assert first["naive_queries"] >= 2 * 20
    unchanged = rounds.unchanged_figures(author, 20, 2)
    assert unchanged["resync_queries"] == 4  # the lock and the plan's read, in a savepoint
    assert unchanged["unchanged_queries"] <= 6  # locked, read, validated: nothing saved


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_scale_case_builds_flows_entries_and_links_that_where_used_reads(author):
    from bench import rounds

    rounds.build_other_flows(author, 30, pool_size=10)
    others = Tree.objects.filter(name__startswith="Other flow")
    assert others.count() == 30
    assert LibraryStep.objects.filter(source_tree__in=others).count() == 30
    assert TreeStepLink.objects.filter(tree__in=others).count() == 30
    pool = LibraryStep.objects.exclude(source_tree__in=others).values_list("pk", flat=True)
    assert sum(len(trees) for trees in trees_using_steps(pool).values()) == 30


def _library_of(tree: Tree) -> list[tuple]:
    """Each entry's node, whether it is live, and its revision numbers."""
    entries = LibraryStep.objects.filter(source_tree=tree).order_by("source_node_id")
    revisions = StepRevision.objects.filter(step__source_tree=tree)
    numbers: dict[str, list[int]] = {}
    for node_id, number in revisions.order_by("number").values_list("step__source_node_id", "number"):
        numbers.setdefault(node_id, []).append(number)
    return [(step.source_node_id, step.is_active, numbers.get(step.source_node_id)) for step in entries]


@pytest.mark.django_db
@pytest.mark.parametrize("phase", ["first", "changed"])
def test_the_naive_peer_leaves_the_library_as_ours_does(author, phase):
    """It is compared with ours on the same work: entries, their revisions and retirements."""
    from bench import sync

    getattr(sync, f"ours_{phase}")(author, 20)
    getattr(sync, f"naive_{phase}")(author, 20)
    ours, naive = Tree.objects.filter(name="Bench flow 20").order_by("created_at")
    assert _library_of(naive) == _library_of(ours)
    assert any(numbers == [1, 2] for _, _, numbers in _library_of(naive)) == (phase == "changed")
