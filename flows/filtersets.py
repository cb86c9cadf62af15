"""The one FilterSet for flows, shared by the REST API and the flows page."""

import django_filters
from django import forms

from config.filters import page_choice_filter
from flows.models import Tree, TreeStatus, TreeType


class TreeFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)
    # Labels, empty choices and ids are the flows page's: the page renders these fields.
    tree_type = page_choice_filter(
        TreeType.choices, label="Flow type", empty_label="All types", html_id="flow-type"
    )
    status = page_choice_filter(
        TreeStatus.choices, label="Flow status", empty_label="All statuses", html_id="flow-status"
    )
    is_active = django_filters.BooleanFilter(widget=forms.NullBooleanSelect)

    class Meta:
        model = Tree
        fields = ["search", "tree_type", "status", "is_active"]
