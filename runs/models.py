"""Live sessions: runs of a published flow that are saved, shared, resumed and finished.

The app is called `runs` because the `sessions` label belongs to django.contrib.sessions;
the API and the product call these objects sessions.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from flows.models import Tree, TreeType
from steplibrary.models import LibraryStep


class SessionStatus(models.TextChoices):
    RUNNING = "running", "Running"
    RESOLVED = "resolved", "Resolved"
    UNRESOLVED = "unresolved", "Unresolved"
    ABANDONED = "abandoned", "Abandoned"


# The statuses a finish may set: every status except the one a session starts in.
FINISHED_STATUSES = (SessionStatus.RESOLVED, SessionStatus.UNRESOLVED, SessionStatus.ABANDONED)
FINISHED_STATUS_CHOICES = [(status.value, status.label) for status in FINISHED_STATUSES]


class EventOutcome(models.TextChoices):
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SessionQuerySet":
        """The one rule: a session is visible exactly to those who may see its flow, now."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(tree__in=Tree.objects.visible_to(user).values("pk"))


class Session(models.Model):
    """One run of a published flow, pinned to the structure that was published when it began."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tree = models.ForeignKey(Tree, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=20, choices=SessionStatus.choices, default=SessionStatus.RUNNING)
    summary = models.TextField(blank=True, default="")
    # The pinned revision: the flow's published structure, type and publish time when the
    # session began. A later publish changes the flow, never a session already running.
    tree_type = models.CharField(max_length=20, choices=TreeType.choices)
    structure = models.JSONField(default=dict)
    published_at = models.DateTimeField(null=True, blank=True)
    # node id -> {"type", "title", "children": [child ids], "answer"}: validates events
    # without reading (or re-parsing) the whole structure.
    node_index = models.JSONField(default=dict, editable=False)
    # Values of the flow's non-secret variables; secret values never reach the server.
    variables = models.JSONField(default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Participant", related_name="run_sessions"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SessionStatus.values), name="session_status_known"),
            models.CheckConstraint(
                condition=Q(status=SessionStatus.RUNNING, finished_at__isnull=True)
                | (~Q(status=SessionStatus.RUNNING) & Q(finished_at__isnull=False)),
                name="session_finished_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["tree", "-started_at"], name="session_tree_started_idx"),
            models.Index(fields=["status"], name="session_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title or f"Run of {self.tree_id}"

    @property
    def is_finished(self) -> bool:
        return self.status != SessionStatus.RUNNING


class Participant(models.Model):
    """A user who joined a session; only participants write to it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="participant_once_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.session_id}"


class AdhocStep(models.Model):
    """A library entry inserted into a running session (the flow itself is unchanged)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="adhoc_steps")
    # The node id events use for it: "adhoc-<n>", unique within the session.
    node_id = models.CharField(max_length=40)
    step = models.ForeignKey(LibraryStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the entry said when it was inserted: the run's record does not change with the library.
    title = models.CharField(max_length=255)
    content = models.JSONField(default=dict)
    # Where in the run: the node it follows (null: at the end).
    after_node_id = models.CharField(max_length=255, null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "node_id"], name="adhocstep_unique_node"),
        ]

    def __str__(self) -> str:
        return self.title


class SessionEvent(models.Model):
    """One thing that happened to a step: done, failed or skipped, with a note; who and when."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="events")
    # Chosen by the client: sending the same event twice (a retry) records it once.
    event_id = models.UUIDField()
    node_id = models.CharField(max_length=255)
    outcome = models.CharField(max_length=20, choices=EventOutcome.choices)
    note = models.TextField(blank=True, default="")
    # Troubleshooting: the child the chosen answer leads to, and that answer's text.
    next_node_id = models.CharField(max_length=255, null=True, blank=True)
    answer = models.CharField(max_length=255, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "event_id"], name="sessionevent_unique_event_id"),
            models.CheckConstraint(
                condition=Q(outcome__in=EventOutcome.values), name="sessionevent_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node_id}: {self.outcome}"
