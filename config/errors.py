"""Error pages: JSON under /api/, where clients parse the body; the HTML pages elsewhere.

A URL under /api/ that matches no route (an id that is not a UUID, a typo) is answered by
Django, not DRF, so without this it would be the HTML 404 page the schema does not promise.
"""

from django.http import JsonResponse
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
