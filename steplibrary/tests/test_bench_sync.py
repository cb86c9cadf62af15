"""bench/: the sync benchmark's rounds and its scale case, run small so they keep working."""

import pytest

from flows.models import Tree, TreeStepLink
from steplibrary.models import LibraryStep
from steplibrary.usage import trees_using_steps


@pytest.mark.django_db
def test_the_sync_benchmark_runs_interleaved_rounds(author):
    from bench import rounds

    first = rounds.phase_figures(author, 20, "first", 3, with_naive=True)
    assert first["rounds"] == 3 and first["ours_queries"] == 15
    assert (
        first["ours_over_limit"]["min"] <= first["ours_over_limit"]["wall"] <= first["ours_over_limit"]["max"]
    )
    assert first["naive_over_ours"]["wall"] > 0
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
