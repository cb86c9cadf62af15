"""The API's filter backend (a filter given a value it cannot use is a 400, never ignored),
and the pieces the FilterSets share to render a page's selects from their forms.

django-filter skips a filter whose value is empty (`source_tree=`) and reads an unknown
boolean (`is_flow_synced=maybe`) as "no filter": the client then gets every row and
believes it got a filtered list. The library page shares the FilterSet and keeps the
lenient behaviour of an HTML form, where an untouched field is sent empty.
"""

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from django_filters.widgets import BaseCSVWidget
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


def page_choice_filter(
    choices, *, empty_label: str, html_id: str, label: str | None = None
) -> django_filters.ChoiceFilter:
    """A choice filter whose form field is the page's select: the page renders it as it is,
    with this empty choice and this id, and this label (or the model field's name)."""
    return django_filters.ChoiceFilter(
        choices=choices, label=label, empty_label=empty_label, widget=forms.Select(attrs={"id": html_id})
    )


class BooleanSelect(forms.NullBooleanSelect):
    """A yes/no/unset filter as the page words it: `options` are (value, label) pairs over
    "", "true" and "false" ("" is no filter, as an HTML form sends it). The filter still
    reads every boolean the API documents, whatever the page offers."""

    def __init__(self, options, attrs=None):
        super().__init__(attrs)
        self.choices = list(options)

    def value_from_datadict(self, data, files, name):
        # A page reads a hand-typed "1" or "0" as yes or no (its title and list must agree);
        # the API's backend still refuses both, as its schema documents true and false only.
        value = data.get(name)
        if value in ("1", "0"):
            return value == "1"
        return super().value_from_datadict(data, files, name)

    def format_value(self, value):
        # A list, so the empty option is not taken as "selected" by a substring match.
        return [super().format_value(value)]


class MenuSelect(BaseCSVWidget, forms.Select):
    """A page's menu of some of the values a filter accepts, in the page's words. The field
    still validates against every choice it has (the API's contract); assigning those choices
    to the widget does not change what the page offers."""

    def __init__(self, menu, attrs=None):
        super().__init__(attrs)
        self._menu = list(menu)

    @property
    def choices(self):
        return getattr(self, "_menu", [])

    @choices.setter
    def choices(self, value):
        pass  # the field's own choices; the page shows its menu
