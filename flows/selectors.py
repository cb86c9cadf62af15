"""Reads of flows: what the flow pages show, what other apps annotate onto their own rows,
and a flow's history."""

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, QuerySet, When

from flows.models import Tree, TreeRevision, TreeWorkingCopy


def flow_name_if_visible(*, user, field: str) -> Case:
    """An annotation: the name of the flow behind the foreign key `field`, only when `user`
    may open that flow now (`Tree.objects.visible_to`); None otherwise. The one place that
    decides whether a derived row may name its flow."""
    openable = Tree.objects.visible_to(user).filter(pk=OuterRef(f"{field}_id"))
    return Case(When(Exists(openable), then=F(f"{field}__name")), default=None, output_field=CharField())


def tree_if_visible(*, user, pk) -> Tree | None:
    """The flow `pk` if `user` may open it (a session to run, a list of runs narrowed to it)."""
    return Tree.objects.visible_to(user).filter(pk=pk).first()


def trees_for_list(*, user) -> QuerySet[Tree]:
    """Flows the user may see, newest change first, without their structures."""
    return (
        Tree.objects.visible_to(user)
        .select_related("author")
        .defer("tree_structure")
        .order_by("-updated_at", "id")
    )


def editable_run_counts(*, user, tree_ids: list) -> dict:
    """Of the flows `tree_ids`, those `user` may change, each with its number of runs (a
    deletion takes the runs along): {tree id: run count}."""
    return dict(
        Tree.objects.editable_by(user)
        .filter(pk__in=tree_ids)
        .annotate(run_count=Count("sessions"))
        .values_list("pk", "run_count")
    )


def trees_for_page(*, user) -> QuerySet[Tree]:
    """Flows the user may open on the editor or navigate page, with their author."""
    return Tree.objects.visible_to(user).select_related("author")


def tree_is_editable_by(*, tree: Tree, user) -> bool:
    return Tree.objects.editable_by(user).filter(pk=tree.pk).exists()


def tree_run_count(*, tree: Tree) -> int:
    return tree.sessions.count()


def tree_working_copy(*, tree: Tree) -> TreeWorkingCopy | None:
    return TreeWorkingCopy.objects.select_related("saved_by").filter(tree=tree).first()


def tree_revisions_for_list(*, tree: Tree) -> QuerySet[TreeRevision]:
    """The flow's history, newest first, without the structures (a page lists many)."""
    return (
        TreeRevision.objects.filter(tree=tree)
        .select_related("created_by")
        .defer("tree_structure")
        .order_by("-number")
    )


def tree_revision(*, tree: Tree, number: int) -> TreeRevision | None:
    return TreeRevision.objects.select_related("created_by").filter(tree=tree, number=number).first()


def tree_revision_pair(*, tree: Tree, older: int, newer: int) -> tuple[TreeRevision, TreeRevision] | None:
    """Both ends of a diff in one query, whatever their size; None when either is missing."""
    revisions = {
        revision.number: revision
        for revision in TreeRevision.objects.filter(tree=tree, number__in=[older, newer]).only(
            "number", "name", "tree_structure"
        )
    }
    if older not in revisions or newer not in revisions:
        return None
    return revisions[older], revisions[newer]
