"""The API's filter backend: a filter given a value it cannot use is a 400, never ignored.

django-filter skips a filter whose value is empty (`source_tree=`) and reads an unknown
boolean (`is_flow_synced=maybe`) as "no filter": the client then gets every row and
believes it got a filtered list. The library page shares the FilterSet and keeps the
lenient behaviour of an HTML form, where an untouched field is sent empty.
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# What both django-filter boolean widgets read as a boolean (and the schema documents).
_BOOLEAN_VALUES = {"true", "false", "True", "False"}


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = _unusable_values(filterset_class, request.query_params)
            if errors:
                raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)


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
