"""Admin for support staff: inspect, deactivate/reactivate and re-sync library entries."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q, QuerySet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from config.admin import ViewOnlyAdminMixin
from flows.admin import tree_admin_hooks
from flows.models import Tree
from flows.tree_structure import TreeStructureError
from steplibrary.admin_similar import similar_entries_report
from steplibrary.forms import TakedownForm
from steplibrary.models import (
    ALLOWED_FINDING_FIELDS,
    OUTCOME_FIELDS,
    LibraryStep,
    SecretAllowance,
    StepRating,
)
from steplibrary.secret_checks import (
    SecretFindingsError,
    secrets_ensure_step_allowed,
    secrets_ensure_tree_allowed,
)
from steplibrary.services import steps_lift_takedown, steps_set_active, steps_take_down
from steplibrary.sync import steps_sync_from_tree

# Fields a sync owns: read-only on synced entries, whose source flow is the place to change them.
SYNC_OWNED_FIELDS = ["title", "step_type", "content", "visibility", "account", "created_by"]
# Provenance of a fork: read-only on forks, and not shown at all on other entries.
FORK_ONLY_FIELDS = ["forked_from_revision", "upstream_dismissed_revision"]


def entries(count: int) -> str:
    """ "1 entry" / "2 entries": admin messages count in words that agree."""
    return f"{count} {'entry' if count == 1 else 'entries'}"


class UsageFilter(admin.SimpleListFilter):
    title = "usage"
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", "Used"), ("no", "Never used")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(usage_count__gt=0)
        if self.value() == "no":
            return queryset.filter(usage_count=0)
        return queryset


class RatingFilter(admin.SimpleListFilter):
    title = "rating"
    parameter_name = "rating"

    def lookups(self, request, model_admin):
        return [("high", "4 stars and up"), ("low", "Below 4 stars"), ("none", "Not rated")]

    def queryset(self, request, queryset):
        if self.value() == "high":
            return queryset.filter(rating_count__gt=0, rating_avg__gte=4)
        if self.value() == "low":
            return queryset.filter(rating_count__gt=0, rating_avg__lt=4)
        if self.value() == "none":
            return queryset.filter(rating_count=0)
        return queryset


def _resync_trees(modeladmin, request, trees) -> None:
    synced = 0
    for tree in trees:
        if not tree.is_live:
            modeladmin.message_user(
                request, f"{tree.name}: not published and active, not re-synced.", messages.WARNING
            )
            continue
        try:
            result = steps_sync_from_tree(tree=tree)
        except TreeStructureError as error:
            modeladmin.message_user(request, f"{tree.name}: not re-synced: {error}", messages.ERROR)
            continue
        synced += 1
        modeladmin.message_user(
            request,
            f"{tree.name}: {result.created} added, {result.updated} updated, {result.deactivated} removed, "
            f"{result.held} held (taken down).",
            messages.SUCCESS,
        )
    if not synced:
        modeladmin.message_user(request, "No flow was re-synced.", messages.INFO)


class LibraryStepAdminForm(forms.ModelForm):
    """Staff edits of a manual entry or fork pass the same secret scan as the API: an entry
    shared with a team or the public must hold no unallowed finding."""

    # No Meta: ModelAdmin builds the form for LibraryStep with the fields it shows.

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance.is_flow_synced:
            return cleaned  # a synced entry's content is the flow's, scanned when it was published
        try:
            secrets_ensure_step_allowed(
                title=cleaned.get("title", self.instance.title),
                content=cleaned.get("content", self.instance.content) or {},
                visibility=cleaned.get("visibility", self.instance.visibility),
                step=self.instance if self.instance.pk else None,
            )
        except SecretFindingsError as error:
            self.add_error(None, error.messages)
        return cleaned


@admin.register(LibraryStep)
class LibraryStepAdmin(admin.ModelAdmin):
    form = LibraryStepAdminForm
    list_display = [
        "title",
        "step_type",
        "visibility",
        "source_flow",
        "account",
        "usage_count",
        "rating",
        "is_active",
        "is_flow_synced",
        "taken_down",
        "last_synced_at",
    ]
    list_filter = [
        "step_type",
        "visibility",
        "is_active",
        "is_flow_synced",
        ("source_tree", admin.RelatedOnlyFieldListFilter),
        "account",
        UsageFilter,
        RatingFilter,
        ("taken_down_at", admin.EmptyFieldListFilter),
        "last_synced_at",
    ]
    list_select_related = ["source_tree", "account"]
    search_fields = ["title", "content__instructions"]
    raw_id_fields = ["created_by", "source_tree", "forked_from"]
    readonly_fields = [
        "id",
        "is_flow_synced",
        "source_tree",
        "source_node_id",
        "last_synced_at",
        "usage_count",
        "rating_count",
        "rating_avg",
        *OUTCOME_FIELDS,
        "forked_from",
        "forked_from_revision",
        "upstream_dismissed_revision",
        "instructions",
        "help_text",
        "section",
        "commands",
        "version",
        "taken_down_at",
        "takedown_reason",
        "taken_down_by",
        "created_at",
        "updated_at",
    ]
    actions = ["deactivate", "reactivate", "resync_source_flow", "take_down", "lift_takedown"]
    # Adds the "Similar entries" report to the changelist's tools.
    change_list_template = "admin/steplibrary/librarystep/change_list.html"

    def get_urls(self):
        report = self.admin_site.admin_view(lambda request: similar_entries_report(request, model_admin=self))
        return [path("similar/", report, name="steplibrary_librarystep_similar"), *super().get_urls()]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.is_flow_synced:
            fields = SYNC_OWNED_FIELDS + fields
        if obj is None or obj.forked_from_revision is None:
            # Fork provenance means nothing on an entry that is not a fork (synced ones never are).
            fields = [name for name in fields if name not in FORK_ONLY_FIELDS]
        if obj is not None and obj.taken_down_at is not None:
            fields.append("is_active")  # a takedown ends only through "Lift takedown"
        return fields

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if obj is None or obj.forked_from_revision is None:
            excluded += FORK_ONLY_FIELDS
        if obj is not None and obj.is_flow_synced:
            excluded.append("content")  # shown as readable fields below; the flow owns it
        return excluded

    def get_fields(self, request, obj=None):
        excluded = set(self.get_exclude(request, obj))
        return [name for name in super().get_fields(request, obj) if name not in excluded]

    @admin.display(description="rating", ordering="rating_avg")
    def rating(self, step: LibraryStep) -> str:
        if not step.rating_count:
            return "not rated"
        return f"{step.rating_avg:.1f} ({step.rating_count})"

    # The entry's content as a person reads it (the JSON stays editable on manual entries).
    @admin.display(description="instructions")
    def instructions(self, step: LibraryStep):
        return format_html(
            '<div class="readable-text">{}</div>', (step.content or {}).get("instructions") or "—"
        )

    @admin.display(description="help text")
    def help_text(self, step: LibraryStep):
        return format_html(
            '<div class="readable-text">{}</div>', (step.content or {}).get("help_text") or "—"
        )

    @admin.display(description="section")
    def section(self, step: LibraryStep) -> str:
        return (step.content or {}).get("group_label") or "—"

    @admin.display(description="commands")
    def commands(self, step: LibraryStep):
        commands = (step.content or {}).get("commands") or []
        if not commands:
            return "—"
        return format_html_join(
            "",
            '<div class="readable-command"><strong>{}</strong><pre><code>{}</code></pre></div>',
            (
                (
                    " · ".join(filter(None, [item.get("label"), item.get("command_type")])) or "Command",
                    item.get("command", ""),
                )
                for item in commands
            ),
        )

    @admin.display(description="taken down", boolean=True, ordering="taken_down_at")
    def taken_down(self, step: LibraryStep) -> bool:
        return step.taken_down_at is not None

    @admin.action(description="Take down selected entries (with a reason)", permissions=["change"])
    def take_down(self, request, queryset):
        form = TakedownForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = steps_take_down(steps=queryset, reason=form.cleaned_data["reason"], user=request.user)
            self.message_user(
                request,
                f"{entries(count)} taken down; their authors and fork owners were told.",
                messages.SUCCESS,
            )
            return None
        # The intermediate page: the reason first, then the same action again with "apply".
        context = {
            **self.admin_site.each_context(request),
            "title": "Take down library entries",
            "opts": self.model._meta,
            "form": form,
            "steps": queryset.select_related("source_tree"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/steplibrary/librarystep/take_down.html", context)

    @admin.action(description="Lift the takedown of selected entries", permissions=["change"])
    def lift_takedown(self, request, queryset):
        count = steps_lift_takedown(steps=queryset)
        self.message_user(
            request,
            f"Takedown lifted from {entries(count)} (synced entries return while their flow is live "
            "and has the step).",
            messages.SUCCESS,
        )

    @admin.display(description="source flow", ordering="source_tree__name")
    def source_flow(self, step: LibraryStep):
        if step.source_tree is None:
            return "—"
        url = reverse("admin:flows_tree_change", args=[step.source_tree_id])
        return format_html('<a href="{}">{}</a>', url, step.source_tree.name)

    @admin.action(description="Deactivate selected entries", permissions=["change"])
    def deactivate(self, request, queryset):
        count = steps_set_active(steps=queryset, active=False)
        self.message_user(request, f"{entries(count)} deactivated.", messages.SUCCESS)

    @admin.action(description="Reactivate selected entries", permissions=["change"])
    def reactivate(self, request, queryset):
        count = steps_set_active(steps=queryset, active=True)
        self.message_user(
            request,
            f"{entries(count)} reactivated (synced entries return only while their flow is live).",
            messages.SUCCESS,
        )

    @admin.action(description="Re-sync the source flows of selected entries", permissions=["change"])
    def resync_source_flow(self, request, queryset):
        tree_ids = queryset.filter(source_tree__isnull=False).values("source_tree_id")
        _resync_trees(self, request, Tree.objects.filter(pk__in=tree_ids))


@admin.register(StepRating)
class StepRatingAdmin(admin.ModelAdmin):
    list_display = ["step", "user", "score", "updated_at"]
    list_filter = ["score"]
    list_select_related = ["step", "user"]
    raw_id_fields = ["step", "user"]
    search_fields = ["step__title", "user__username"]


@admin.register(SecretAllowance)
class SecretAllowanceAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: who marked which secret-scan finding a false positive, and when. Authors
    record them through the API; the fingerprint is a keyed hash, never the value."""

    list_display = ["kind", "path", "tree", "step", "created_by", "created_at", "fingerprint"]
    list_filter = [
        "kind",
        "created_at",
        ("tree", admin.RelatedOnlyFieldListFilter),
        ("created_by", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["tree", "step", "created_by"]
    search_fields = ["path", "fingerprint", "tree__name", "step__title", "created_by__username"]
    readonly_fields = [
        "tree",
        "step",
        *ALLOWED_FINDING_FIELDS,
        "created_by",
        "created_at",
    ]


def _secret_check_errors(tree: Tree) -> list[str]:
    """A publish the sync would refuse for a suspected secret: say why beside the structure."""
    try:
        secrets_ensure_tree_allowed(tree=tree)
    except SecretFindingsError as error:
        return list(error.messages)
    return []


@admin.action(description="Re-sync selected flows into the step library", permissions=["change"])
def resync(modeladmin, request, queryset):
    _resync_trees(modeladmin, request, queryset)


def _with_synced_count(trees: QuerySet) -> QuerySet:
    live = Q(library_steps__is_flow_synced=True, library_steps__is_active=True)
    return trees.annotate(synced_count=Count("library_steps", filter=live))


@admin.display(description="synced entries", ordering="synced_count")
def synced_entry_count(tree: Tree) -> int:
    return tree.synced_count


tree_admin_hooks.actions.append(resync)
tree_admin_hooks.columns.append(("synced_entry_count", _with_synced_count, synced_entry_count))
tree_admin_hooks.publish_checks.append(_secret_check_errors)
