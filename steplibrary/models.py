"""The step library: reusable steps, synced from published flows or written by hand."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.models import Account
from config.fastjson import fingerprint
from config.versioning import versioned_save
from flows.models import Tree
from steplibrary.content_key import ContentKey


def build_search_text(title: str, content: dict | None) -> str:
    """The lower-cased text the library search matches: title, instructions, help, section, commands."""
    content = content if isinstance(content, dict) else {}
    parts = [title, content.get("instructions"), content.get("help_text"), content.get("group_label")]
    for command in content.get("commands") or []:
        if isinstance(command, dict):
            parts += [command.get("label"), command.get("command")]
    return "\n".join(part for part in parts if isinstance(part, str) and part).lower()


# The fields that make a version of an entry: what a revision records, what diffs and merges
# compare, and what `version_hash` covers. Entries, revisions and the sync's rows all have them.
VERSIONED_FIELDS = ("title", "step_type", "content", "visibility")

# An entry's outcomes in live sessions: counted by the runs, never typed in (read-only in
# the API and in admin).
OUTCOME_FIELDS = (
    "run_count",
    "success_count",
    "failure_count",
    "last_used_at",
    "works_best",
    "solution_reached_count",
    "solution_resolved_count",
)


def version_of(source) -> dict[str, Any]:
    """The version of an entry, a revision or a sync row: its VERSIONED_FIELDS."""
    return {name: getattr(source, name) for name in VERSIONED_FIELDS}


def version_hash(version: dict[str, Any]) -> str:
    """A short, stable hash of a version (`version_of`); equal hashes mean nothing changed.
    Stored as `content_hash` on entries and on revisions."""
    return fingerprint([version[name] for name in VERSIONED_FIELDS])


def content_hash(title: str, step_type: str, content: dict, visibility: str) -> str:
    """`version_hash` by field; migration 0007 imports it under this name."""
    return version_hash(
        {"title": title, "step_type": step_type, "content": content, "visibility": visibility}
    )


class StepType(models.TextChoices):
    ACTION = "action", "Action"
    SOLUTION = "solution", "Solution"


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private"
    TEAM = "team", "Team"
    PUBLIC = "public", "Public"


def visibility_rule(user, *, owner: str = "created_by") -> Q:
    """The one rule for who sees an entry: public; team within the account; own. Applied to
    entries as they are now, and to revisions as they were recorded (`owner` names the field
    that holds the entry's creator). Callers handle anonymous users and superusers."""
    rule = Q(visibility=Visibility.PUBLIC) | Q(**{owner: user})
    if user.account_id is not None:
        rule |= Q(visibility=Visibility.TEAM, account_id=user.account_id)
    return rule


def visibility_allows(
    *, visibility: str, account_id, owner_id, user_id, user_account_id, is_superuser: bool
) -> bool:
    """`visibility_rule` for one entry and one user, in Python, to decide for many people at
    once without a query each (a test holds the two equal)."""
    if is_superuser:
        return True
    if visibility == Visibility.PUBLIC or (owner_id is not None and owner_id == user_id):
        return True
    return visibility == Visibility.TEAM and user_account_id is not None and account_id == user_account_id


class LibraryStepQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LibraryStepQuerySet":
        """Active entries `user` sees (`visibility_rule`); all of them for superusers."""
        return self.filter(is_active=True).readable_by(user)

    def readable_by(self, user) -> "LibraryStepQuerySet":
        """`visible_to` without the active filter: for what derives from retired entries too
        (a notice that an entry was retired names it only to those who could see it)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(visibility_rule(user))

    def synced_from(self, tree: Tree) -> "LibraryStepQuerySet":
        return self.filter(source_tree=tree, is_flow_synced=True)


class LibraryStep(models.Model):
    """One reusable step; synced entries are owned by their source flow and read-only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=255)
    step_type = models.CharField(max_length=20, choices=StepType.choices, default=StepType.ACTION)
    # StepContent: {instructions, help_text, commands: [{label, command, command_type}], group_label}
    content = models.JSONField(default=dict)
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.PRIVATE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_steps",
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="library_steps"
    )
    usage_count = models.IntegerField(default=0)
    rating_count = models.IntegerField(default=0)
    rating_avg = models.FloatField(default=0.0)
    is_active = models.BooleanField(default=True)
    is_flow_synced = models.BooleanField(default=False)
    source_tree = models.ForeignKey(
        Tree, null=True, blank=True, on_delete=models.SET_NULL, related_name="library_steps"
    )
    source_node_id = models.CharField(max_length=255, null=True, blank=True)
    # When a publish last wrote this entry (created or changed it). A republish that leaves
    # the entry as it was does not touch it; the flow's `published_at` says when it was last published.
    last_synced_at = models.DateTimeField(null=True, blank=True)
    forked_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="forks"
    )
    # Derived from title and content on every write (see build_search_text); trigram-indexed
    # on PostgreSQL so that substring search stays fast on large libraries.
    search_text = models.TextField(default="", editable=False)
    # version_hash() of the entry's versioned fields, kept on every write; comparing it with a
    # revision's (same name, same value) tells an unchanged entry without reading content back.
    content_hash = models.CharField(max_length=32, default="", editable=False)
    # Equal for entries with the same title, instructions and commands (normalised; see
    # `steplibrary.content_key`): the library shows each such group as one result.
    content_key = models.GeneratedField(
        expression=ContentKey(), output_field=models.TextField(), db_persist=True
    )
    # Forks: the source's revision this copy was taken from (or last accepted), and the
    # source revision its owner chose to ignore.
    forked_from_revision = models.PositiveIntegerField(null=True, blank=True)
    upstream_dismissed_revision = models.PositiveIntegerField(null=True, blank=True)
    # Outcomes in live sessions, kept by atomic updates as events arrive (never computed by
    # scanning sessions): runs in which the step was done or failed, by its latest outcome.
    # Defaults live in the database too: the sync's one-statement upsert names its columns.
    run_count = models.IntegerField(default=0, db_default=0)
    success_count = models.IntegerField(default=0, db_default=0)
    failure_count = models.IntegerField(default=0, db_default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The Wilson lower bound (95%) of success_count / run_count: one lucky run does not beat
    # forty good ones. Stored and indexed so the library can sort by it ("Works best").
    works_best = models.FloatField(default=0.0, db_default=0.0)
    # Troubleshooting solutions: finished sessions that reached it, and those that ended resolved.
    solution_reached_count = models.IntegerField(default=0, db_default=0)
    solution_resolved_count = models.IntegerField(default=0, db_default=0)
    # Bumped by every write to the entry's own row (API, admin, sync upsert, retire, fork
    # tracking), never by the counters (usage, ratings): those are not edits. The API's ETag.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    # A staff takedown: the entry stays out of the library (inactive) across republishes,
    # resyncs and reactivations until staff lift it (`services.steps_take_down`, and the
    # check constraint below that holds it whatever writes the row).
    taken_down_at = models.DateTimeField(null=True, blank=True)
    # db_default: the sync's raw INSERT does not name it.
    takedown_reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    taken_down_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LibraryStepQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "id"]
        constraints = [
            # The upsert's conflict target: unconditional, exactly these two columns.
            models.UniqueConstraint(
                fields=["source_tree", "source_node_id"], name="librarystep_unique_source_node"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="librarystep_visibility_known"
            ),
            models.CheckConstraint(
                condition=Q(step_type__in=StepType.values), name="librarystep_step_type_known"
            ),
            models.CheckConstraint(
                condition=Q(is_flow_synced=False) | ~Q(visibility=Visibility.PRIVATE),
                name="librarystep_synced_not_private",
            ),
            models.CheckConstraint(
                condition=Q(is_flow_synced=False) | Q(source_node_id__isnull=False),
                name="librarystep_synced_has_node",
            ),
            models.CheckConstraint(
                condition=Q(usage_count__gte=0), name="librarystep_usage_count_non_negative"
            ),
            # Whatever path writes the row (sync upsert, admin, a script), a takedown holds.
            models.CheckConstraint(
                condition=Q(taken_down_at__isnull=True) | Q(is_active=False),
                name="librarystep_taken_down_inactive",
            ),
            models.CheckConstraint(
                condition=Q(rating_count__gte=0), name="librarystep_rating_count_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(
                    success_count__gte=0,
                    failure_count__gte=0,
                    run_count=F("success_count") + F("failure_count"),
                ),
                name="librarystep_outcome_counts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(
                    solution_resolved_count__gte=0, solution_reached_count__gte=F("solution_resolved_count")
                ),
                name="librarystep_solution_counts_add_up",
            ),
        ]
        indexes = [
            models.Index(fields=["visibility", "account"], name="librarystep_visibility_idx"),
            models.Index(fields=["created_by"], name="librarystep_created_by_idx"),
            models.Index(fields=["-works_best", "id"], name="librarystep_works_best_idx"),
            # Groups duplicates (`steplibrary.duplicates`) and finds an entry's copies.
            models.Index(fields=["content_key"], name="librarystep_content_key_idx"),
            # Serves the case-insensitive section filter (filtersets.section_key).
            models.Index(
                Upper(KeyTextTransform("group_label", "content")), name="librarystep_section_upper_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.search_text = build_search_text(self.title, self.content)
        self.content_hash = version_hash(version_of(self))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "content_hash"}
        with versioned_save(self, kwargs) as kwargs:
            super().save(*args, **kwargs)

    def is_editable_by(self, user_id) -> bool:
        """Its creator may edit it, unless a flow owns it (then only the flow changes it)."""
        return bool(user_id) and not self.is_flow_synced and self.created_by_id == user_id


class StepRating(models.Model):
    """One user's 1–5 score for a library entry; a second rating replaces the first."""

    step = models.ForeignKey(LibraryStep, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="step_ratings")
    score = models.SmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "user"], name="steprating_one_per_user"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="steprating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.user} rated {self.step}: {self.score}"


class StepRevisionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "StepRevisionQuerySet":
        """Revisions recorded while `user` could see the entry: the entry's visibility rule,
        applied to the visibility, account and creator the revision recorded. A team-only
        text later made public stays hidden from other teams."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(visibility_rule(user, owner="owner"))


class StepRevision(models.Model):
    """One recorded version of an entry's title, type, content and visibility."""

    step = models.ForeignKey(LibraryStep, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    step_type = models.CharField(max_length=20, choices=StepType.choices)
    content = models.JSONField(default=dict)
    visibility = models.CharField(max_length=20, choices=Visibility.choices)
    content_hash = models.CharField(max_length=32)
    # Which publish wrote it (synced entries), or who edited it (manual entries and forks).
    source_tree = models.ForeignKey(Tree, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who could see this version: the entry's account and creator when it was recorded
    # (with `visibility`), so that history never shows a version to someone it was hidden from.
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = StepRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["step", "number"], name="steprevision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.step_id} r{self.number}"


class NoticeKind(models.TextChoices):
    SOURCE_CHANGED = "source_changed", "Source changed"
    SOURCE_RETIRED = "source_retired", "Source retired"
    TAKEN_DOWN = "taken_down", "Taken down by support staff"


class Notice(models.Model):
    """An in-app notice: a library entry that the user forked or uses in a flow has moved on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    source_step = models.ForeignKey(LibraryStep, on_delete=models.CASCADE, related_name="+")
    fork = models.ForeignKey(LibraryStep, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    tree = models.ForeignKey(Tree, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The entry's title when it changed (the recipient could see it then), and the flow that
    # published the change. The text is composed when read (`text`), naming the flow only to
    # readers who may open it at that moment.
    step_title = models.CharField(max_length=255, default="")
    source_tree = models.ForeignKey(Tree, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Support staff's reason, for a takedown notice.
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread_idx")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """What the notice says. `source_tree_name` is annotated by `notices_for` when the
        reader may open the flow; without it the flow is not named."""
        if self.kind == NoticeKind.TAKEN_DOWN:
            return f'"{self.step_title}" was taken down by support staff: {self.reason}'
        verb = "was retired" if self.kind == NoticeKind.SOURCE_RETIRED else "changed"
        flow = getattr(self, "source_tree_name", None)
        return f'"{self.step_title}" {verb}' + (f' (flow "{flow}")' if flow else "")


# What an allowance records of the finding it allows: where it was, and its fingerprint.
ALLOWED_FINDING_FIELDS = ("path", "node_id", "field", "kind", "fingerprint")


class SecretAllowance(models.Model):
    """An author's word that one secret-scan finding in a flow or an entry is a false positive.

    It holds the finding's fingerprint (a keyed hash of the value and its field's whole
    text), never the value: once the text changes, the fingerprint changes and the
    allowance no longer matches anything.
    """

    tree = models.ForeignKey(
        Tree, null=True, blank=True, on_delete=models.CASCADE, related_name="secret_allowances"
    )
    step = models.ForeignKey(
        LibraryStep, null=True, blank=True, on_delete=models.CASCADE, related_name="secret_allowances"
    )
    # Where the finding was when it was allowed (e.g. `steps[3].commands[0].code`); the node
    # id and the field within the node are what the fingerprint is bound to.
    path = models.TextField()
    node_id = models.CharField(max_length=255, blank=True, default="")
    field = models.CharField(max_length=255)
    kind = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tree__isnull=False, step__isnull=True) | Q(tree__isnull=True, step__isnull=False),
                name="secretallowance_one_owner",
            ),
            models.UniqueConstraint(fields=["tree", "fingerprint"], name="secretallowance_unique_tree"),
            models.UniqueConstraint(fields=["step", "fingerprint"], name="secretallowance_unique_step"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.path} allowed"
