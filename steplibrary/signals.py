"""Receivers that notice a flow's publish-relevant transitions and hand off to the sync.

They run inside `Tree.save()`'s transaction: if the sync fails, the save rolls back.
Note that `QuerySet.update()` sends no signals, so nothing changes a tree's status that way.
"""

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from flows.library import LIBRARY_FIELDS
from flows.models import Tree, TreeStatus
from steplibrary.sync import steps_deactivate_for_tree, steps_sync_from_tree


def _was_live(tree: Tree) -> bool:
    return tree.saved_value("status") == TreeStatus.PUBLISHED and tree.saved_value("is_active") is True


def _is_being_retired(tree: Tree) -> bool:
    archived = tree.status == TreeStatus.ARCHIVED and tree.has_changed("status")
    deactivated = not tree.is_active and tree.has_changed("is_active")
    return archived or deactivated


@receiver(post_save, sender=Tree, dispatch_uid="steplibrary_sync_on_tree_save")
def sync_library_on_tree_save(sender, instance: Tree, created: bool, raw: bool, **kwargs) -> None:
    if raw:  # loaddata: fixtures are stored as they are
        return
    if instance.is_live:
        if created or not _was_live(instance) or any(map(instance.has_changed, LIBRARY_FIELDS)):
            instance.library_sync = steps_sync_from_tree(tree=instance)
    elif not created and _is_being_retired(instance):
        steps_deactivate_for_tree(tree=instance)


@receiver(pre_delete, sender=Tree, dispatch_uid="steplibrary_retire_on_tree_delete")
def retire_library_on_tree_delete(sender, instance: Tree, **kwargs) -> None:
    # pre_delete, not post_delete: afterwards the FK is already NULL and matches nothing.
    steps_deactivate_for_tree(tree=instance)
