"""Flow admin for support staff. Other apps extend it through `tree_admin_hooks` (the step
library adds its re-sync action, its entry count and its secret check on publish) instead of
registering a replacement, so it does not depend on the order apps load in."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.fields import InvalidJSONInput

from flows.models import Tree, TreeStatus
from flows.services import (
    tree_archive,
    tree_delete,
    tree_publish,
    tree_set_active,
    tree_unarchive,
    tree_update,
)
from flows.tree_structure import TreeStructureError, parse_tree_structure


@dataclass
class TreeAdminHooks:
    """What other apps add to the flow admin."""

    # Admin actions (functions decorated with @admin.action), offered after the flow's own.
    actions: list[Callable] = field(default_factory=list)
    # Changelist columns: (name, annotate, display). `annotate` adds what the column shows to
    # the changelist's one query; `display` is an @admin.display function of a flow.
    columns: list[tuple[str, Callable[[QuerySet], QuerySet], Callable]] = field(default_factory=list)
    # Checks of a flow about to be saved published and active: error messages for the
    # structure field (the same refusals the save itself would raise, said beside the field).
    publish_checks: list[Callable[[Tree], list[str]]] = field(default_factory=list)


tree_admin_hooks = TreeAdminHooks()


class IndentedJSONField(forms.JSONField):
    """A JSON field shown indented, so that support staff can read and edit a flow's structure."""

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)


class TreeAdminForm(forms.ModelForm):
    tree_structure = IndentedJSONField(
        widget=forms.Textarea(
            attrs={"rows": 24, "cols": 100, "class": "vLargeTextField tree-structure-json"}
        ),
        help_text="Every problem is listed at once, each with its JSON path.",
    )

    class Meta:
        model = Tree
        fields = "__all__"  # noqa: DJ007 - the admin lists its fields itself

    def clean(self):
        cleaned = super().clean()
        structure, tree_type = cleaned.get("tree_structure"), cleaned.get("tree_type")
        if tree_type and structure is not None:
            try:
                parse_tree_structure(
                    structure, tree_type, require_titles=cleaned.get("status") == TreeStatus.PUBLISHED
                )
            except TreeStructureError as error:
                self.add_error("tree_structure", error.messages)
        going_live = cleaned.get("status") == TreeStatus.PUBLISHED and cleaned.get("is_active")
        if going_live and not self.errors:
            candidate = Tree(
                pk=self.instance.pk,
                name=cleaned.get("name") or "",
                tree_type=tree_type,
                tree_structure=structure,
            )
            for check in tree_admin_hooks.publish_checks:
                for message in check(candidate):
                    self.add_error("tree_structure", message)
        return cleaned


def _run_per_tree(modeladmin, request, queryset, change, verb: str) -> None:
    done = 0
    for tree in queryset:
        try:
            change(tree)
            done += 1
        except TreeStructureError as error:
            modeladmin.message_user(request, f"{tree.name}: not {verb}: {error}", messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{done} flow{'' if done == 1 else 's'} {verb}.", messages.SUCCESS)


@admin.register(Tree)
class TreeAdmin(admin.ModelAdmin):
    form = TreeAdminForm
    base_list_display = ["name", "tree_type", "status", "is_active", "is_public", "account", "author"]
    list_filter = ["tree_type", "status", "is_active", "is_public", "account"]
    list_select_related = ["account", "author"]
    search_fields = ["name", "description"]
    raw_id_fields = ["author"]
    autocomplete_fields = ["account"]
    readonly_fields = ["id", "version", "created_at", "updated_at", "published_at"]
    base_actions = ["publish", "deactivate", "reactivate", "archive", "unarchive"]

    # Read when used, not at registration: the hooks are filled when the other apps load.
    @property
    def actions(self) -> list:
        return [*self.base_actions, *tree_admin_hooks.actions]

    @property
    def list_display(self) -> list:
        columns = [display for _, _, display in tree_admin_hooks.columns]
        return [*self.base_list_display, *columns, "updated_at"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        for _, annotate, _ in tree_admin_hooks.columns:
            queryset = annotate(queryset)
        return queryset

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Only the fields this form changed, applied to the locked, current row: whatever
        # someone else saved meanwhile in the fields left alone here is not written back.
        tree_update(tree=obj, **{name: form.cleaned_data[name] for name in form.changed_data})

    @admin.action(description="Unarchive selected flows (back to draft)", permissions=["change"])
    def unarchive(self, request, queryset):
        _run_per_tree(self, request, queryset, lambda tree: tree_unarchive(tree=tree), "unarchived")

    # Deletions go through the service: the row is locked first, and the flow's library entries
    # are retired before the deletion (steplibrary's pre_delete receiver).
    def delete_model(self, request, obj):
        tree_delete(tree=obj)

    def delete_queryset(self, request, queryset):
        for tree in queryset:
            tree_delete(tree=tree)

    @admin.action(description="Publish selected flows (syncs their steps)", permissions=["change"])
    def publish(self, request, queryset):
        _run_per_tree(self, request, queryset, lambda tree: tree_publish(tree=tree), "published")

    @admin.action(description="Deactivate selected flows (retires their steps)", permissions=["change"])
    def deactivate(self, request, queryset):
        _run_per_tree(
            self, request, queryset, lambda tree: tree_set_active(tree=tree, active=False), "deactivated"
        )

    @admin.action(description="Reactivate selected flows", permissions=["change"])
    def reactivate(self, request, queryset):
        _run_per_tree(
            self, request, queryset, lambda tree: tree_set_active(tree=tree, active=True), "reactivated"
        )

    @admin.action(description="Archive selected flows (retires their steps)", permissions=["change"])
    def archive(self, request, queryset):
        _run_per_tree(self, request, queryset, lambda tree: tree_archive(tree=tree), "archived")
