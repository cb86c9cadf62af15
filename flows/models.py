"""Flows: procedural and maintenance checklists and troubleshooting decision trees."""

import uuid
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from config.fastjson import fingerprint
from config.jsonfield import FastJSONField
from config.versioning import versioned_save
from flows.library import LIBRARY_FIELDS, LIFECYCLE_FIELDS, SyncResult
from flows.tree_structure import library_links, linked_library_step_ids


class TreeType(models.TextChoices):
    TROUBLESHOOTING = "troubleshooting", "Troubleshooting"
    PROCEDURAL = "procedural", "Procedural"
    MAINTENANCE = "maintenance", "Maintenance"


class TreeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


# Fields whose previous value the library sync compares against on every save.
SYNC_TRACKED_FIELDS = (*LIFECYCLE_FIELDS, *LIBRARY_FIELDS)


def _fingerprint(value: Any) -> Any:
    """A cheap, comparable stand-in for a JSON value (guards against in-place mutation)."""
    if isinstance(value, (dict, list)):
        return fingerprint(value)
    return value


def tree_visibility_rule(user, *, prefix: str = "") -> Q:
    """Who may open a flow: its author, its team, and everyone for a published public flow.
    `prefix` applies it through a relation (`tree__`). Callers handle anonymous users and
    superusers (`Tree.objects.visible_to`)."""
    return (
        Q(**{f"{prefix}author": user})
        | Q(**{f"{prefix}account__isnull": False, f"{prefix}account_id": user.account_id})
        | Q(
            **{
                f"{prefix}status": TreeStatus.PUBLISHED,
                f"{prefix}is_public": True,
                f"{prefix}is_active": True,
            }
        )
    )


class TreeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TreeQuerySet":
        """Trees the user may open: their own, their team's, and published public ones."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(tree_visibility_rule(user))

    def editable_by(self, user) -> "TreeQuerySet":
        """Trees the user may change: their own and their team's."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(Q(author=user) | Q(account__isnull=False, account_id=user.account_id))


# True while `Tree.refresh_from_db` loads the copy of the row it takes values from: that copy
# is thrown away, so its saved state (a large structure's fingerprint) is not worked out.
_refreshing: ContextVar[bool] = ContextVar("tree_refreshing", default=False)


class Tree(models.Model):
    """A flow: its steps live in `tree_structure` (see flows.tree_structure for the format)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    tree_type = models.CharField(max_length=20, choices=TreeType.choices)
    tree_structure = FastJSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=TreeStatus.choices, default=TreeStatus.DRAFT)
    is_public = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="trees"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trees",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Library entries this flow's nodes were inserted from (derived from tree_structure on
    # save), so "which flows use this entry" never has to read whole structures.
    linked_step_ids = models.JSONField(default=list, blank=True, editable=False)
    # Bumped in the UPDATE of every save (API, editor, admin, shell); the API's ETag.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    objects = TreeQuerySet.as_manager()

    # State as last loaded from or written to the database; None for an unsaved tree.
    _saved_state: dict[str, Any] | None = None
    _state_being_saved: dict[str, Any] | None = None
    # What the step library's sync did during the save in progress or just finished, or None
    # when that save did not sync (set by steplibrary.signals; read by the flow services).
    library_sync: SyncResult | None = None
    # Who is saving, and the kind of flow revision a publish records (flows.signals); set by
    # the services just before a save, consumed by it.
    changed_by: Any = None
    revision_kind: str | None = None

    class Meta:
        ordering = ["-updated_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(tree_type__in=TreeType.values), name="tree_type_known"),
            models.CheckConstraint(condition=Q(status__in=TreeStatus.values), name="tree_status_known"),
        ]
        indexes = [models.Index(fields=["status", "is_active"], name="tree_status_active_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.status == TreeStatus.PUBLISHED and (
            self.published_at is None or self.saved_value("status") != TreeStatus.PUBLISHED
        ):
            self.published_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "published_at"}
        self.library_sync = None  # never the result of an earlier save
        # Fingerprinted once per save: receivers compare against it, then it becomes the saved state.
        self._state_being_saved = self._current_state()
        kwargs = self._without_unchanged_structure(kwargs)
        kwargs, relink = self._derive_links(kwargs)
        try:
            # post_save receivers (the library sync) run inside this transaction, so a
            # failing sync rolls the save back: publishing and syncing commit together.
            with versioned_save(self, kwargs) as kwargs:
                super().save(*args, **kwargs)
                if relink:
                    TreeStepLink.objects.relink(tree=self, using=kwargs.get("using"))
            self._saved_state = self._state_being_saved
        finally:
            self._state_being_saved = None

    def _derive_links(self, kwargs: dict) -> tuple[dict, bool]:
        """Recomputes `linked_step_ids` from a changed structure; True when the link rows
        (TreeStepLink) must be rewritten too. A flow that links nothing, before and after,
        has none to rewrite: most saves cost no extra statement."""
        deferred = self.get_deferred_fields()
        if "tree_structure" in deferred or not self.has_changed("tree_structure"):
            return kwargs, False
        # None when unknown (not loaded): rewrite to be sure.
        previous = None if "linked_step_ids" in deferred else self.linked_step_ids
        self.linked_step_ids = linked_library_step_ids(self.tree_structure)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs = {**kwargs, "update_fields": {*update_fields, "linked_step_ids"}}
        return kwargs, previous is None or bool(previous) or bool(self.linked_step_ids)

    def _without_unchanged_structure(self, kwargs: dict) -> dict:
        """A full save of a loaded flow leaves an unchanged structure (and the ids derived
        from it) alone: rewriting a large JSON value costs as much as the rest of a publish."""
        if self._state.adding or kwargs.get("update_fields") is not None or kwargs.get("force_insert"):
            return kwargs
        if "tree_structure" in self.get_deferred_fields() or self.has_changed("tree_structure"):
            return kwargs
        skipped = {"id", "tree_structure", "linked_step_ids", *self.get_deferred_fields()}
        fields = [f.name for f in self._meta.concrete_fields if f.name not in skipped]
        return {**kwargs, "update_fields": fields}

    @property
    def is_live(self) -> bool:
        """Published and active: the state in which its steps belong in the library."""
        return self.status == TreeStatus.PUBLISHED and self.is_active

    @property
    def is_stepwise(self) -> bool:
        """Procedural and maintenance flows are flat step lists; troubleshooting ones are trees."""
        return self.tree_type in (TreeType.PROCEDURAL, TreeType.MAINTENANCE)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if not _refreshing.get():
            instance._remember_saved_state()
        return instance

    def refresh_from_db(self, *args, **kwargs) -> None:
        token = _refreshing.set(True)
        try:
            super().refresh_from_db(*args, **kwargs)
        finally:
            _refreshing.reset(token)
        self._remember_saved_state()

    def _current_state(self) -> dict[str, Any]:
        deferred = self.get_deferred_fields()
        return {
            name: _fingerprint(getattr(self, name))
            for name in SYNC_TRACKED_FIELDS
            if name not in deferred  # a deferred field was never loaded: unknown
        }

    def _remember_saved_state(self) -> None:
        self._saved_state = self._current_state()

    def saved_value(self, field: str) -> Any:
        """The field's value as last saved, or None when unknown (new tree or deferred field)."""
        if self._saved_state is None:
            return None
        return self._saved_state.get(field)

    def has_changed(self, field: str) -> bool:
        """Whether `field` differs from its saved value; unknown counts as changed."""
        if self._saved_state is None or field not in self._saved_state:
            return True
        current = self._state_being_saved or {}
        value = current[field] if field in current else _fingerprint(getattr(self, field))
        return self._saved_state[field] != value


class TreeStepLinkQuerySet(models.QuerySet):
    def relink(self, *, tree: Tree, using: str | None = None) -> None:
        """Replaces the flow's link rows with those of its structure: two set-based statements
        over the flow's own rows (one when it links nothing now), none over other flows."""
        links = self.using(using) if using else self
        links.filter(tree=tree).delete()
        wanted = library_links(tree.tree_structure)
        links.bulk_create(
            [TreeStepLink(tree=tree, node_id=node_id, step_id=step_id) for node_id, step_id in wanted.items()]
        )


class TreeStepLink(models.Model):
    """A node of a flow inserted from a library entry (its `library_step_id`): "where is this
    entry used" reads these by entry, at a cost that does not grow with the number of flows.
    Kept by `Tree.save()` in the save's transaction."""

    tree = models.ForeignKey(Tree, on_delete=models.CASCADE, related_name="step_links")
    node_id = models.CharField(max_length=255)
    # A steplibrary.LibraryStep id, not a foreign key: flows never imports the library, and a
    # link outlives a retired entry (updates about it are filtered when made and read).
    step_id = models.UUIDField()

    objects = TreeStepLinkQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tree", "node_id"], name="tree_step_link_unique_node")]
        indexes = [models.Index(fields=["step_id", "tree"], name="tree_step_link_step_idx")]

    def __str__(self) -> str:
        return f"{self.tree_id} {self.node_id} -> {self.step_id}"


class RevisionKind(models.TextChoices):
    PUBLISHED = "published", "Published"
    DRAFT_SAVED = "draft_saved", "Draft saved"
    RESTORED = "restored", "Restored"
    CONFLICT_OVERWRITE = "conflict_overwrite", "Conflict overwrite"


class TreeWorkingCopy(models.Model):
    """Unpublished changes to a published flow: the library and navigate show the flow until
    they are published (see flows.history)."""

    tree = models.OneToOneField(Tree, primary_key=True, on_delete=models.CASCADE, related_name="working_copy")
    name = models.CharField(max_length=255)
    tree_structure = FastJSONField(default=dict)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)
    # The flow revision that recorded this save: the working copy's version for If-Match.
    revision = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"Working copy of {self.tree_id}"


class TreeRevision(models.Model):
    """One entry of a flow's history: its name and structure after a publish or a working-copy
    save, and what changed node by node against the flow's previous revision."""

    tree = models.ForeignKey(Tree, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=RevisionKind.choices)
    name = models.CharField(max_length=255)
    tree_structure = FastJSONField(default=dict)
    # flows.history.structure_changes() of the previous revision's structure and this one.
    changes = FastJSONField(default=dict)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tree", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "number"], name="tree_revision_number_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=RevisionKind.values), name="tree_revision_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tree_id} r{self.number} ({self.kind})"
