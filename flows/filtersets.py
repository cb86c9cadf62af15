"""The one FilterSet for flows, shared by the REST API and the flows page."""

import django_filters
from django import forms

from flows.models import Tree, TreeStatus, TreeType


class TreeFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    # Labels, empty choices and ids are the flows page's: the page renders these fields.
    tree_type = django_filters.ChoiceFilter(
        choices=TreeType.choices,
        empty_label="All types",
        label="Flow type",
        widget=forms.Select(attrs={"id": "flow-type"}),
    )
    status = django_filters.ChoiceFilter(
        choices=TreeStatus.choices,
        empty_label="All statuses",
        label="Flow status",
        widget=forms.Select(attrs={"id": "flow-status"}),
    )
    is_active = django_filters.BooleanFilter(widget=forms.NullBooleanSelect)

    class Meta:
        model = Tree
        fields = ["search", "tree_type", "status", "is_active"]
