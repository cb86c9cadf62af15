"""The one FilterSet for sessions, shared by the API list and the pages."""

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.filters import BooleanSelect, page_choice_filter
from runs.models import Participant, Session, SessionStatus


class SessionFilterSet(django_filters.FilterSet):
    tree = django_filters.UUIDFilter(field_name="tree_id")
    # Labels, empty choices and ids are the runs page's: the page renders these fields.
    status = page_choice_filter(
        SessionStatus.choices, label="Run status", empty_label="All statuses", html_id="run-status-filter"
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label="Whose",
        widget=BooleanSelect(
            [("", "Everyone's"), ("true", "Started or joined by me")], attrs={"id": "run-mine-filter"}
        ),
    )

    class Meta:
        model = Session
        fields = ["tree", "status", "mine"]

    @extend_schema_field(OpenApiTypes.BOOL)  # the schema says boolean, as the filter reads it
    def filter_mine(self, queryset: QuerySet[Session], name: str, value: bool | None) -> QuerySet[Session]:
        if value is None:
            return queryset
        user = self.request.user if self.request else None
        if user is None or not user.is_authenticated:
            return queryset.none() if value else queryset
        joined = Exists(Participant.objects.filter(session=OuterRef("pk"), user_id=user.pk))
        rule = Q(started_by_id=user.pk) | Q(joined)
        return queryset.filter(rule) if value else queryset.exclude(rule)
