"""Every publish of a flow, by any path (API, editor, admin, shell), is a flow revision.

The receiver runs inside `Tree.save()`'s transaction, after the row's UPDATE: on PostgreSQL
that UPDATE holds the row lock, so concurrent publishes of one flow number their revisions
one after the other.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from flows.models import RevisionKind, Tree, TreeStatus


def _is_publish(tree: Tree, created: bool) -> bool:
    if tree.status != TreeStatus.PUBLISHED:
        return False
    return created or any(map(tree.has_changed, ("status", "tree_structure", "name")))


@receiver(post_save, sender=Tree, dispatch_uid="flows_record_revision_on_publish")
def record_revision_on_publish(sender, instance: Tree, created: bool, raw: bool, **kwargs) -> None:
    if raw or not _is_publish(instance, created):
        return
    from flows.services import tree_revision_record  # services import the models this module serves

    kind, instance.revision_kind = instance.revision_kind or RevisionKind.PUBLISHED, None
    tree_revision_record(
        tree=instance,
        kind=kind,
        name=instance.name,
        structure=instance.tree_structure,
        user=instance.changed_by,
    )
