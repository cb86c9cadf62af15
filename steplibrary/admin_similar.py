"""The support staff's report of similar library entries (linked from the entries' changelist)."""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from steplibrary.similar import REPORT_PAGE_SIZE, TEXT_THRESHOLD, TITLE_THRESHOLD, similar_pairs_page


def _page_number(request) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= 10_000 else 1


def similar_entries_report(request, model_admin):
    """Pairs of active entries very like each other, one page at a time (no total count: it
    would cost the whole comparison). Staff with the view permission on library entries only."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    page = _page_number(request)
    pairs, more = similar_pairs_page(page=page, page_size=REPORT_PAGE_SIZE)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Similar library entries",
        "opts": model_admin.model._meta,
        "pairs": pairs,
        "page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if more else None,
        "page_size": REPORT_PAGE_SIZE,
        "title_threshold": TITLE_THRESHOLD,
        "text_threshold": TEXT_THRESHOLD,
    }
    return TemplateResponse(request, "admin/steplibrary/librarystep/similar.html", context)
