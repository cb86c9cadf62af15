"""Telling people that a library entry they forked or use in a flow has changed or retired.

Visibility applies twice: a notice is made only for people who may see the entry at that
moment, and when read it is shown only while the reader may still see the entry, naming the
source flow only if they may open it then.
"""

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import QuerySet
from django.utils import timezone

from flows.models import Tree
from flows.selectors import flow_name_if_visible
from steplibrary.json_insert import Column, JsonInsert
from steplibrary.models import LibraryStep, Notice, NoticeKind, visibility_allows
from steplibrary.usage import trees_using_steps


def _recipients(step_ids, *, tree: Tree) -> list[tuple]:
    """(step id, user id, target) for each fork owner, and each author of another flow using
    a step."""
    found = []
    forks = LibraryStep.objects.filter(forked_from_id__in=step_ids, is_active=True, created_by__isnull=False)
    for fork_id, source_id, owner_id in forks.values_list("id", "forked_from_id", "created_by_id"):
        found.append((source_id, owner_id, {"fork_id": fork_id}))
    for step_id, using in trees_using_steps(step_ids, exclude_tree=tree).items():
        found += [(step_id, other.author_id, {"tree_id": other.pk}) for other in using if other.author_id]
    return found


def notices_notify(*, tree: Tree, changed: dict, retired: dict) -> int:
    """`changed` and `retired` map step ids to titles. One item per affected fork (to its
    owner) and per other flow using the entry (to its author), for those who may see the
    entry now. A fixed number of queries."""
    step_ids = [*changed, *retired]
    if not step_ids:
        return 0
    titles = {**changed, **retired}
    found = _recipients(step_ids, tree=tree)
    if not found:
        return 0
    steps = LibraryStep.objects.filter(pk__in=step_ids).values(
        "id", "visibility", "account_id", "created_by_id"
    )
    steps = {row["id"]: row for row in steps}
    users = get_user_model().objects.filter(pk__in={user_id for _, user_id, _ in found})
    users = {row["id"]: row for row in users.values("id", "account_id", "is_superuser")}

    def may_see(step_id, user_id) -> bool:
        step, user = steps.get(step_id), users.get(user_id)
        return bool(step and user) and visibility_allows(
            visibility=step["visibility"],
            account_id=step["account_id"],
            owner_id=step["created_by_id"],
            user_id=user_id,
            user_account_id=user["account_id"],
            is_superuser=user["is_superuser"],
        )

    notices = [
        {
            "kind": NoticeKind.SOURCE_RETIRED if step_id in retired else NoticeKind.SOURCE_CHANGED,
            "source_step_id": step_id,
            "user_id": user_id,
            "step_title": titles[step_id][:255],
            "fork_id": target.get("fork_id"),
            "tree_id": target.get("tree_id"),
        }
        for step_id, user_id, target in found
        if may_see(step_id, user_id)
    ]
    _insert_notices(notices, source_tree_id=tree.pk)
    return len(notices)


# A publish's notices in one statement however many people are told (bulk_create would split
# them into many on SQLite).
_NOTICE_INSERT = JsonInsert(
    Notice,
    (
        Column("kind", key="kind"),
        Column("source_step", key="source_step_id"),
        Column("user", key="user_id"),
        Column("step_title", key="step_title"),
        Column("fork", key="fork_id"),
        Column("tree", key="tree_id"),
        Column("source_tree", constant="source_tree_id"),
        Column("created_at", constant="created_at"),
        Column("reason", sql="''"),
        Column("read_at", sql="NULL"),
    ),
)


def _insert_notices(notices: list[dict], *, source_tree_id) -> None:
    if not notices:
        return
    connection = connections[router.db_for_write(Notice)]
    constants = {"source_tree_id": source_tree_id, "created_at": timezone.now()}
    params = _NOTICE_INSERT.params(connection, rows=notices, constants=constants)
    with connection.cursor() as cursor:
        cursor.execute(_NOTICE_INSERT.sql(connection), params)


def notices_notify_takedown(*, steps: QuerySet[LibraryStep], reason: str) -> int:
    """Tells the author of each entry (the source flow's author for a synced entry) and the
    owners of its active forks that support staff took it down, and why. Two reads and one
    insert, whatever the number of entries. Like every notice, it is shown only while the
    reader may still see the entry (`notices_for`)."""
    entries = {
        step_id: (title, tree_id, flow_author, creator)
        for step_id, title, tree_id, flow_author, creator in steps.values_list(
            "id", "title", "source_tree_id", "source_tree__author_id", "created_by_id"
        )
    }

    def notice(step_id, user_id, **target) -> Notice:
        title, tree_id = entries[step_id][:2]
        return Notice(
            kind=NoticeKind.TAKEN_DOWN,
            source_step_id=step_id,
            user_id=user_id,
            step_title=title[:255],
            source_tree_id=tree_id,
            reason=reason[:500],
            **target,
        )

    notices = []
    for step_id, (_title, tree_id, flow_author, creator) in entries.items():
        author = flow_author if tree_id is not None else creator
        if author is not None:
            notices.append(notice(step_id, author, tree_id=tree_id))
    forks = LibraryStep.objects.filter(forked_from_id__in=entries, is_active=True, created_by__isnull=False)
    for fork_id, source_id, owner in forks.values_list("id", "forked_from_id", "created_by_id"):
        notices.append(notice(source_id, owner, fork_id=fork_id))
    Notice.objects.bulk_create(notices)
    return len(notices)


def notices_for(user) -> QuerySet[Notice]:
    """The user's notices about entries they may still see, each with the source flow's and
    their own flow's names only when they may open those flows now."""
    return (
        Notice.objects.filter(user=user, source_step__in=LibraryStep.objects.readable_by(user))
        .annotate(
            source_tree_name=flow_name_if_visible(user=user, field="source_tree"),
            tree_name=flow_name_if_visible(user=user, field="tree"),
        )
        .select_related("fork")
    )


def notices_unread_ids(user) -> list:
    """The ids of the user's unread notices, among those `notices_for` shows them."""
    return list(notices_for(user).filter(read_at__isnull=True).values_list("pk", flat=True))


def notices_unread_count(user) -> int:
    return notices_for(user).filter(read_at__isnull=True).count()


def notices_mark_read(*, user, ids) -> int:
    return Notice.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
