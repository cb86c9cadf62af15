"""The backfill command syncs flows that were published without a sync."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep


@pytest.fixture
def unsynced_flows(author):
    """Published flows whose status was written behind the signal's back (as before the sync existed)."""
    trees = TreeFactory.create_batch(3, author=author, tree_structure=procedural_structure(4))
    Tree.objects.filter(pk__in=[tree.pk for tree in trees]).update(status=TreeStatus.PUBLISHED)
    TreeFactory(author=author, name="Still a draft")
    return trees


def run(*args: str) -> str:
    out = StringIO()
    call_command("resync_library", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_backfill_syncs_every_published_active_flow(unsynced_flows):
    assert not LibraryStep.objects.exists()
    output = run()
    assert LibraryStep.objects.filter(is_active=True).count() == 12
    assert "[3/3]" in output
    assert "synced 3 of 3 flows: 12 created" in output
    assert "synced 3 of 3 flows: 0 created, 0 updated, 12 unchanged" in run()


@pytest.mark.django_db
def test_dry_run_writes_nothing(unsynced_flows):
    output = run("--dry-run")
    assert "would sync 3 of 3 flows: 12 created" in output
    assert not LibraryStep.objects.exists()


@pytest.mark.django_db
def test_one_flow_by_id(unsynced_flows):
    run("--tree", str(unsynced_flows[0].pk))
    assert set(LibraryStep.objects.values_list("source_tree", flat=True)) == {unsynced_flows[0].pk}


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "6f0e5b7c-6a35-4c7a-9a53-0d3c2b1f8e11"])
def test_an_unknown_flow_is_a_clear_error(unsynced_flows, bad_id):
    with pytest.raises(CommandError):
        run("--tree", bad_id)
