"""Flow pages: the list, the editor and the navigator. Writes happen through the REST API."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from config.pagination import query_without_page
from flows.api.serializers import TreeSerializer, WorkingCopySerializer
from flows.filtersets import TreeFilterSet
from flows.forms import TreeCreateForm
from flows.history import history_version
from flows.selectors import (
    editable_run_counts,
    tree_is_editable_by,
    tree_run_count,
    tree_working_copy,
    trees_for_list,
    trees_for_page,
)
from flows.services import tree_create
from flows.tree_structure import empty_structure


@login_required
def flow_list(request, form: TreeCreateForm | None = None):
    filterset = TreeFilterSet(request.GET, queryset=trees_for_list(user=request.user))
    page = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    editable = editable_run_counts(user=request.user, tree_ids=[tree.pk for tree in page.object_list])
    for tree in page.object_list:
        tree.run_count = editable.get(tree.pk, 0)
    return render(
        request,
        "flows/flow_list.html",
        {
            "nav": "flows",
            "filterset": filterset,
            "page": page,
            "editable": editable,
            "query": query_without_page(request),
            "form": form or TreeCreateForm(),
        },
    )


@login_required
@require_POST
def flow_create(request):
    form = TreeCreateForm(request.POST)
    if not form.is_valid():
        return flow_list(request, form=form)
    data = form.cleaned_data
    saved = tree_create(author=request.user, tree_structure=empty_structure(data["tree_type"]), **data)
    return redirect("flow_edit", tree_id=saved.tree.pk)


@login_required
def flow_edit(request, tree_id):
    tree = get_object_or_404(trees_for_page(user=request.user), pk=tree_id)
    if not tree_is_editable_by(tree=tree, user=request.user):
        raise PermissionDenied("Only the flow's author and team can edit it.")
    data = TreeSerializer(tree, context={"request": request}).data
    version = history_version(tree)
    copy = tree_working_copy(tree=tree)
    if copy is not None:
        copy.version = version
    editor_state = {
        "history_version": version,
        "working_copy": WorkingCopySerializer(copy).data if copy is not None else None,
    }
    return render(
        request,
        "flows/flow_edit.html",
        {
            "nav": "flows",
            "tree": tree,
            "tree_data": data,
            "editor_state": editor_state,
            "run_count": tree_run_count(tree=tree),
        },
    )


@login_required
def flow_navigate(request, tree_id):
    tree = get_object_or_404(trees_for_page(user=request.user), pk=tree_id)
    can_edit = tree_is_editable_by(tree=tree, user=request.user)
    data = TreeSerializer(tree, context={"request": request}).data
    return render(
        request,
        "flows/flow_navigate.html",
        {"nav": "flows", "tree": tree, "tree_data": data, "can_edit": can_edit},
    )
