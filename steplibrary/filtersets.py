"""The one FilterSet for library entries, shared by the REST API and the library page."""

import django_filters
from django import forms

from steplibrary.models import LibraryStep, StepType, Visibility

MAX_SEARCH_WORDS = 8


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering that always ends on the primary key, so pages never repeat or skip rows."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or [] if param] or ["-usage_count"]
        return qs.order_by(*ordering, "id")


class LibraryStepFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=200, label="Search")
    step_type = django_filters.ChoiceFilter(choices=StepType.choices)
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    is_flow_synced = django_filters.BooleanFilter(widget=forms.NullBooleanSelect)
    source_tree = django_filters.UUIDFilter(field_name="source_tree_id")
    group_label = django_filters.CharFilter(field_name="content__group_label", max_length=255)
    mine = django_filters.BooleanFilter(method="filter_mine", widget=forms.NullBooleanSelect)
    ordering = StableOrderingFilter(
        fields=["usage_count", "rating_avg", "title", "updated_at", "works_best"],
        label="Sort by",
    )

    class Meta:
        model = LibraryStep
        fields = ["search", "step_type", "visibility", "is_flow_synced", "source_tree", "group_label", "mine"]

    def filter_search(self, queryset, name, value):
        # search_text is stored lower-cased, so a plain LIKE is case-insensitive on both
        # databases, and on PostgreSQL the trigram index serves it.
        for word in value.lower().split()[:MAX_SEARCH_WORDS]:
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value is None or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(created_by=user) if value else queryset.exclude(created_by=user)
