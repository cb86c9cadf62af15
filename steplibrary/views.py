"""The step library page: search, filters and a detail panel; actions go through the REST API."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from config.pagination import CappedCountPaginator, query_without_page
from steplibrary.api.serializers import LibraryStepSerializer
from steplibrary.filtersets import LibraryStepFilterSet
from steplibrary.notices import notices_for, notices_mark_read
from steplibrary.search import close_matches_for, highlight_terms
from steplibrary.selectors import section_labels, steps_for_display
from steplibrary.ui_strings import UI_STRINGS

PAGE_SIZE = 20


@login_required
def library(request):
    filterset = LibraryStepFilterSet(
        request.GET, queryset=steps_for_display(user=request.user), request=request
    )
    steps = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = CappedCountPaginator(steps, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = LibraryStepSerializer(page.object_list, many=True, context={"request": request}).data
    # The selector names the source flow only to those who may open it: link exactly those.
    for entry in entries:
        openable = entry["source_tree"] and entry["source_tree_name"] is not None
        entry["source_tree_url"] = reverse("flow_navigate", args=[entry["source_tree"]]) if openable else None
    return render(
        request,
        "steplibrary/library.html",
        {
            "nav": "library",
            "filterset": filterset,
            "page": page,
            "entries": entries,
            "query": query_without_page(request),
            "close_matches_for": close_matches_for(
                page.object_list, filterset.form.cleaned_data.get("search")
            ),
            "highlight_terms": highlight_terms(request.GET.get("search", "")),
            "sections": section_labels(user=request.user),
            "ui_strings": UI_STRINGS,
        },
    )


@login_required
def updates(request):
    """The user's updates, newest first; opening the page marks the shown ones read."""
    page = CappedCountPaginator(notices_for(request.user), 30).get_page(request.GET.get("page"))
    items = list(page.object_list)
    unread_ids = [item.pk for item in items if item.read_at is None]
    response = render(
        request,
        "steplibrary/updates.html",
        {"nav": "updates", "page": page, "items": items, "unread_ids": set(unread_ids)},
    )
    notices_mark_read(user=request.user, ids=unread_ids)
    return response
