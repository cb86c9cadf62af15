"""The one FilterSet for library entries, shared by the REST API and the library page."""

import django_filters
from django import forms
from django.db.models import Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Upper

from config.filters import BooleanSelect, MenuSelect, page_choice_filter
from steplibrary.duplicates import collapse_duplicates, with_duplicates
from steplibrary.models import LibraryStep, StepType, Visibility
from steplibrary.search import is_ranked, order_ranked, search_ranked, search_substring


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering that always ends on the primary key, so pages never repeat or skip rows.
    With a ranked search and no explicit order, relevance comes first."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or [] if param]
        if not ordering and "search_rank" in qs.query.annotations:
            return order_ranked(qs)
        return qs.order_by(*(ordering or ["-usage_count"]), "id")


def section_key():
    """UPPER(content ->> 'group_label'): the expression the section filter compares and the
    one the `librarystep_section_upper_idx` index is built on, so that index serves it."""
    return Upper(KeyTextTransform("group_label", "content"))


class LibraryStepFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=200, label="Search")
    # The library page renders these selects from the form: labels and ids are the page's.
    step_type = page_choice_filter(StepType.choices, label="Type", empty_label="Any type", html_id="lib-type")
    visibility = page_choice_filter(
        Visibility.choices, empty_label="Any visibility", html_id="lib-visibility"
    )
    is_flow_synced = django_filters.BooleanFilter(
        label="Source",
        widget=BooleanSelect(
            [("", "Flows and manual"), ("true", "From flows"), ("false", "Manual")],
            attrs={"id": "lib-source"},
        ),
    )
    source_tree = django_filters.UUIDFilter(field_name="source_tree_id")
    group_label = django_filters.CharFilter(method="filter_group_label", max_length=255, label="Section")
    mine = django_filters.BooleanFilter(method="filter_mine", widget=forms.NullBooleanSelect)
    # Applied by filter_queryset itself: grouping comes after every filter and the search.
    collapse = django_filters.BooleanFilter(
        method="filter_collapse",
        widget=forms.NullBooleanSelect,
        label="One result per group of duplicates (default true)",
    )
    # The API orders by any of these fields, either way, several at once; the page offers
    # its menu of them.
    ordering = StableOrderingFilter(
        fields=["usage_count", "rating_avg", "title", "updated_at", "works_best"],
        label="Sort by",
        widget=MenuSelect(
            [
                ("-usage_count", "Most used"),
                ("-rating_avg", "Best rated"),
                ("-works_best", "Works best"),
                ("-updated_at", "Recently updated"),
                ("title", "Title A–Z"),
            ],
            attrs={"id": "lib-ordering"},
        ),
    )

    class Meta:
        model = LibraryStep
        fields = [
            "search",
            "step_type",
            "visibility",
            "is_flow_synced",
            "source_tree",
            "group_label",
            "mine",
            "collapse",
        ]

    def filter_queryset(self, queryset):
        # The search runs after the other filters (its "too few full-text matches?" test
        # counts within them), duplicates are grouped within what both left, and the
        # ordering (which ranks by the search) comes last.
        names = [name for name in self.filters if name not in ("search", "collapse", "ordering")]
        for name in [*names, "search"]:
            queryset = self.filters[name].filter(queryset, self.form.cleaned_data.get(name))
        queryset = self.filter_collapse(queryset, "collapse", self.form.cleaned_data.get("collapse"))
        return self.filters["ordering"].filter(queryset, self.form.cleaned_data.get("ordering"))

    def filter_collapse(self, queryset, name, value):
        # Unset means collapsed (django-filter never calls a method for an empty value,
        # hence the direct call above); `collapse=false` lists every entry, each still
        # saying how many visible copies it has.
        return with_duplicates(queryset) if value is False else collapse_duplicates(queryset)

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        if is_ranked(queryset):
            return search_ranked(queryset, value)
        return search_substring(queryset, value)

    def filter_group_label(self, queryset, name, value):
        return queryset.alias(section_key=section_key()).filter(section_key=Upper(Value(value)))

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value is None or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(created_by=user) if value else queryset.exclude(created_by=user)
