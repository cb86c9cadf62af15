"""Admin for support staff: sessions are records of what happened, so they are read-only here."""

from django.contrib import admin

from config.admin import ViewOnlyAdminMixin
from runs.models import AdhocStep, Participant, Session, SessionEvent


class ReadOnlyInline(ViewOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = False


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["user", "joined_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = SessionEvent
    fields = ["created_at", "user", "node_id", "outcome", "answer", "note", "event_id"]
    readonly_fields = fields


class AdhocInline(ReadOnlyInline):
    model = AdhocStep
    fields = ["created_at", "added_by", "node_id", "title", "step", "after_node_id"]
    readonly_fields = fields


@admin.register(Session)
class SessionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "tree", "status", "started_by", "started_at", "finished_at"]
    list_filter = ["status", "tree_type", "started_at", "finished_at"]
    list_select_related = ["tree", "started_by"]
    search_fields = ["title", "tree__name", "started_by__username"]
    date_hierarchy = "started_at"
    inlines = [ParticipantInline, EventInline, AdhocInline]
    fields = [
        "id",
        "tree",
        "title",
        "status",
        "summary",
        "tree_type",
        "published_at",
        "variables",
        "started_by",
        "started_at",
        "finished_by",
        "finished_at",
        "structure",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("node_index")
