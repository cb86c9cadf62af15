"""The contract between flows and the step library (flows/library.py) holds in every place
that relies on it."""

import dataclasses

import pytest

from flows.api.serializers import SyncResultSerializer
from flows.library import LIBRARY_FIELDS, LIFECYCLE_FIELDS, SyncResult
from flows.models import SYNC_TRACKED_FIELDS, Tree
from flows.samples import procedural_structure
from flows.services import tree_publish, tree_set_active, tree_update
from flows.tests.factories import TreeFactory


def test_the_sync_result_serializer_names_every_field_of_the_result():
    assert set(SyncResultSerializer().fields) == {field.name for field in dataclasses.fields(SyncResult)}


def test_the_flow_tracks_exactly_the_fields_the_library_reacts_to():
    assert set(SYNC_TRACKED_FIELDS) == {*LIBRARY_FIELDS, *LIFECYCLE_FIELDS}
    concrete = {field.attname for field in Tree._meta.concrete_fields}
    assert set(SYNC_TRACKED_FIELDS) <= concrete


@pytest.mark.django_db
class TestServicesReturnTheSyncTheyCaused:
    def test_publish_then_a_change_then_a_save_that_syncs_nothing(self, author):
        tree = TreeFactory(author=author, tree_structure=procedural_structure(3))
        published = tree_publish(tree=tree)
        assert published.tree == tree
        assert published.library_sync == SyncResult(created=3)

        structure = procedural_structure(3)
        structure["steps"][1]["title"] = "Changed"
        changed = tree_update(tree=tree, user=author, tree_structure=structure)
        assert changed.library_sync == SyncResult(updated=1, unchanged=2)

        # Nothing the library copies: no sync, and never the previous save's result.
        described = tree_update(tree=tree, user=author, description="Only words")
        assert described.library_sync is None

    def test_deactivating_retires_without_a_sync_result(self, author):
        tree = TreeFactory(author=author, published=True)
        assert tree_set_active(tree=tree, active=False).library_sync is None
        # Reactivation brings the three entries back: an update of each.
        assert tree_set_active(tree=tree, active=True).library_sync == SyncResult(updated=3)


def test_the_flow_admin_is_registered_once_and_extended_by_the_library():
    from django.contrib import admin

    from flows.admin import TreeAdmin

    registered = admin.site._registry[Tree]
    assert type(registered) is TreeAdmin
    assert "resync" in [getattr(action, "__name__", action) for action in registered.actions]
    assert "synced_entry_count" in [getattr(column, "__name__", column) for column in registered.list_display]
