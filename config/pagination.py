"""Page-number pagination with a client-chosen page size and a capped count.

Counting every match of a broad search on a large library costs as much as the search
itself; beyond COUNT_CAP matches the count says "at least this many" (`count_capped`)
and only the first COUNT_CAP results can be paged through — narrow the search for more.
"""

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 1000


class CappedCountPaginator(Paginator):
    count_capped = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # Count keys only: no annotations, joins for display, or ordering to compute.
            found = rows.order_by().values("pk")[: COUNT_CAP + 1].count()
        else:
            found = len(rows[: COUNT_CAP + 1])
        self.count_capped = found > COUNT_CAP
        return min(found, COUNT_CAP)


class StandardPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = CappedCountPaginator

    def paginate_queryset(self, queryset, request, view=None):
        self.check_query(request)
        return super().paginate_queryset(queryset, request, view)

    def check_query(self, request) -> None:
        # DRF silently falls back to page 1 or the default size on a bad value; a client
        # that sent `page_size=null` or `page=abc` should hear about it instead.
        errors = {
            name: ["A positive integer is required."]
            for name in (self.page_query_param, self.page_size_query_param)
            if name in request.query_params
            and not _is_positive_int(request.query_params[name])
            and request.query_params[name] not in self.last_page_strings
        }
        if errors:
            raise ValidationError(errors)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page (default {self.page_size}, at most {self.max_page_size})."
                )
        return parameters

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_capped": self.page.paginator.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"true when there are more than {COUNT_CAP} matches; count is then {COUNT_CAP}",
        }
        response["required"] = [*response.get("required", []), "count_capped"]
        return response


def _is_positive_int(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) > 0


def query_without_page(request) -> str:
    """The request's query string minus `page`, for building page links that keep the filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
