"""The API's filter backend: a filter given a value it cannot use is a 400, never ignored.

django-filter skips a filter whose value is empty (`source_tree=`) and reads an unknown
boolean (`is_flow_synced=maybe`) as "no filter": the client then gets every row and
believes it got a filtered list. The library page shares the FilterSet and keeps the
lenient behaviour of an HTML form, where an untouched field is sent empty.
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError

# What both django-filter boolean widgets read as a boolean (and the schema documents).
_BOOLEAN_VALUES = {"true", "false", "True", "False"}


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        self.check_values(request, queryset, view)
        return super().filter_queryset(request, queryset, view)

    def check_values(self, request, queryset, view) -> None:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = _unusable_values(filterset_class, request.query_params)
            if errors:
                raise ValidationError(errors)

    def valid_filterset(self, request, queryset, view):
        """The view's FilterSet for this request, validated as `filter_queryset` validates it
        (400 on any value it cannot use), for a view that applies it itself."""
        self.check_values(request, queryset, view)
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset


def _unusable_values(filterset_class, query_params) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, declared in filterset_class.base_filters.items():
        for value in query_params.getlist(name):
            if isinstance(declared, django_filters.CharFilter | django_filters.OrderingFilter):
                continue  # free text, or no ordering asked for: empty means the default
            if not value.strip():
                errors[name] = ["This field may not be blank."]
            elif isinstance(declared, django_filters.BooleanFilter) and value not in _BOOLEAN_VALUES:
                errors[name] = ["Must be true or false."]
    return errors
