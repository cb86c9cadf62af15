"""Session pages: the run page (resumable by its URL) and the list of runs. Writes go
through the REST API, like every other page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from config.pagination import CappedCountPaginator, query_without_page
from flows.selectors import tree_if_visible
from runs.api.serializers import SessionSerializer
from runs.filtersets import SessionFilterSet
from runs.selectors import sessions_for_detail, sessions_for_list


@login_required
def run_detail(request, session_id):
    """One session: a fixed number of queries however long the flow or the run."""
    session = sessions_for_detail(user=request.user).filter(pk=session_id).first()
    if session is None:
        raise Http404("No such run.")
    data = SessionSerializer(session, context={"request": request}).data
    data["me"] = {"id": request.user.pk, "username": request.user.get_username()}
    return render(request, "runs/run.html", {"nav": "runs", "session": session, "session_data": data})


@login_required
def run_list(request):
    """Runs the user may see: all, one flow's (`?tree=`), or their own (`?mine=true`)."""
    filterset = SessionFilterSet(request.GET, queryset=sessions_for_list(user=request.user), request=request)
    sessions = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = CappedCountPaginator(sessions, 25).get_page(request.GET.get("page"))
    chosen = filterset.form.cleaned_data if filterset.is_valid() else {}
    tree_id = chosen.get("tree")
    tree = tree_if_visible(user=request.user, pk=tree_id) if tree_id else None
    # The title and the nav read "mine" as the filter read it, never the raw parameter.
    mine = chosen.get("mine") is True
    return render(
        request,
        "runs/run_list.html",
        {
            "nav": "my_runs" if mine and tree is None else "runs",
            "filterset": filterset,
            "page": page,
            "tree": tree,
            "mine": mine,
            "query": query_without_page(request),
        },
    )
