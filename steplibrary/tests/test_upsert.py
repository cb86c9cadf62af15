"""The one-statement upsert and the INSERTs generated from a table of columns."""

import pytest
from django.utils import timezone

from flows.tests.factories import TreeFactory
from steplibrary.json_insert import Column
from steplibrary.models import LibraryStep
from steplibrary.upsert import SYNC_COLUMNS, DuplicateNodeIds, SyncSource, UpsertRow, upsert_synced_entries


def source_of(tree) -> SyncSource:
    return SyncSource(
        tree_id=tree.pk, created_by_id=tree.author_id, account_id=tree.account_id, synced_at=timezone.now()
    )


def row(node_id: str, title: str = "Restart nginx") -> UpsertRow:
    content = {"instructions": title, "help_text": None, "commands": [], "group_label": None}
    return UpsertRow(node_id=node_id, title=title, step_type="action", content=content, visibility="team")


@pytest.mark.django_db
def test_duplicate_node_ids_are_refused_before_anything_is_written(author):
    tree = TreeFactory(author=author)
    with pytest.raises(DuplicateNodeIds):
        upsert_synced_entries(rows=[row("a"), row("a", "Other")], source=source_of(tree))
    assert not LibraryStep.objects.filter(source_tree=tree).exists()


@pytest.mark.django_db
def test_the_upsert_answers_each_written_entry_by_node(author):
    tree = TreeFactory(author=author)
    written = upsert_synced_entries(rows=[row("b"), row("a")], source=source_of(tree))
    stored = dict(LibraryStep.objects.filter(source_tree=tree).values_list("source_node_id", "id"))
    assert written == stored
    creators = LibraryStep.objects.filter(source_tree=tree).values_list("created_by", flat=True)
    assert set(creators) == {author.pk}


def test_every_column_names_exactly_one_source():
    assert len({column.field for column in SYNC_COLUMNS}) == len(SYNC_COLUMNS)
    with pytest.raises(ValueError):
        Column("title", key="title", sql="NULL")
    with pytest.raises(ValueError):
        Column("title")
