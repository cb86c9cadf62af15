"""Concurrent publishes and edits of one flow (PostgreSQL: SQLite has a single writer)."""

import pytest
from django.db import connection
from django.db.models import Count

from flows.models import Tree
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.tests.threads import run_in_threads

THREADS = 8


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_eight_threads_publishing_and_editing_one_flow(author):
    tree = TreeFactory(author=author, tree_structure=procedural_structure(50), published=True)
    LibraryStep.objects.filter(source_tree=tree).update(usage_count=3)

    def publish_an_edit(index: int, barrier) -> None:
        mine = Tree.objects.get(pk=tree.pk)
        structure = procedural_structure(50 + index)  # each thread adds its own extra steps
        structure["steps"][1]["title"] = f"Edited by {index}"
        mine.tree_structure = structure
        mine.status = "published"
        barrier.wait(timeout=30)
        mine.save()

    errors = run_in_threads(THREADS, publish_an_edit)
    assert errors == []
    assert connection.vendor == "postgresql"
    duplicates = (
        LibraryStep.objects.filter(source_tree=tree)
        .values("source_node_id")
        .annotate(rows=Count("id"))
        .filter(rows__gt=1)
    )
    assert not duplicates.exists()
    # The last save wins, and the library shows exactly what that save published.
    final = Tree.objects.get(pk=tree.pk)
    published_ids = {step["id"] for step in final.tree_structure["steps"] if step["type"] == "procedure_step"}
    active = LibraryStep.objects.filter(source_tree=tree, is_active=True)
    assert set(active.values_list("source_node_id", flat=True)) == published_ids
    assert set(
        LibraryStep.objects.filter(
            source_tree=tree, source_node_id__in=[f"s{n}" for n in range(1, 51)]
        ).values_list("usage_count", flat=True)
    ) == {3}
