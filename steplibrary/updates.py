"""Telling people that a library entry they forked or use in a flow has changed or retired."""

from django.db.models import QuerySet
from django.utils import timezone

from flows.models import Tree
from steplibrary.models import LibraryStep, Update, UpdateKind
from steplibrary.usage import trees_using_steps


def updates_notify(*, tree: Tree, changed: dict, retired: dict) -> int:
    """`changed` and `retired` map step ids to titles. One item per affected fork (to its
    owner) and per other flow using the entry (to its author). A fixed number of queries."""
    step_ids = [*changed, *retired]
    if not step_ids:
        return 0
    titles = {**changed, **retired}
    notices = []

    def notice(step_id, **target) -> Update:
        retiring = step_id in retired
        verb = "was retired" if retiring else "changed"
        return Update(
            kind=UpdateKind.SOURCE_RETIRED if retiring else UpdateKind.SOURCE_CHANGED,
            source_step_id=step_id,
            message=f'"{titles[step_id]}" {verb} (flow "{tree.name}")'[:500],
            **target,
        )

    forks = LibraryStep.objects.filter(forked_from_id__in=step_ids, is_active=True, created_by__isnull=False)
    for fork_id, source_id, owner_id in forks.values_list("id", "forked_from_id", "created_by_id"):
        notices.append(notice(source_id, user_id=owner_id, fork_id=fork_id))
    for step_id, using in trees_using_steps(step_ids, trees=Tree.objects.exclude(pk=tree.pk)).items():
        for other in using:
            if other.author_id is not None:
                notices.append(notice(step_id, user_id=other.author_id, tree_id=other.pk))
    Update.objects.bulk_create(notices)
    return len(notices)


def updates_for(user) -> QuerySet[Update]:
    return Update.objects.filter(user=user).select_related("fork", "tree", "source_step")


def updates_mark_read(*, user, ids) -> int:
    return Update.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
