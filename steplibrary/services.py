"""Writes to the step library other than the flow sync (see `steplibrary.sync`)."""

import copy
from collections.abc import Callable

from django.db import transaction
from django.db.models import Avg, Case, Count, F, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Sqrt
from django.utils import timezone

from flows.models import Tree, TreeStatus
from steplibrary.merge import MergeConflict, SourceRetired, conflicts_of, merged_version
from steplibrary.models import LibraryStep, SecretAllowance, StepRating, StepRevision, StepType, Visibility
from steplibrary.notices import notices_notify_takedown
from steplibrary.revisions import revision_record, step_current_revision
from steplibrary.secret_checks import (
    secrets_ensure_step_allowed,
    step_secret_findings,
    tree_secret_findings,
)
from steplibrary.secret_scan import SecretFinding
from steplibrary.selectors import fork_upstream
from steplibrary.sync import steps_sync_from_tree


class NoSuchFinding(ValueError):
    """An allowance was asked for a finding the scan does not report (text changed, or forged)."""


@transaction.atomic
def step_create(
    *,
    user,
    title: str,
    content: dict,
    step_type: str = StepType.ACTION,
    visibility: str = Visibility.PRIVATE,
) -> LibraryStep:
    """A manual entry, owned by `user` and shared with their team when visibility says so.

    A shared entry (team or public) with a suspected secret raises SecretFindingsError: a new
    entry has no allowances yet, so such an entry starts private."""
    secrets_ensure_step_allowed(title=title, content=content, visibility=visibility)
    step = LibraryStep.objects.create(
        title=title,
        step_type=step_type,
        content=content,
        visibility=visibility,
        created_by=user,
        account=user.account,
    )
    revision_record(step=step, user=user)
    return step


def _lock(step: LibraryStep) -> LibraryStep:
    """Locks `step`'s row for this transaction and reloads it in place."""
    step.refresh_from_db(from_queryset=LibraryStep.objects.select_for_update())
    return step


@transaction.atomic
def step_update(*, step: LibraryStep, user=None, **fields) -> LibraryStep:
    """Changes a manual entry's own fields (callers have checked it is not synced).

    The row is locked and re-read first; `content` is merged into the *current* content, so a
    partial update keeps the rest; only fields that differ are written.
    """
    _lock(step)
    if "content" in fields:
        fields["content"] = {**(step.content or {}), **fields["content"]}
    changed = [name for name, value in fields.items() if getattr(step, name) != value]
    for name in changed:
        setattr(step, name, fields[name])
    if changed:
        secrets_ensure_step_allowed(
            title=step.title, content=step.content, visibility=step.visibility, step=step
        )
        step.save(update_fields=changed)
        revision_record(step=step, user=user)
    return step


@transaction.atomic
def step_delete(*, step: LibraryStep) -> None:
    """Soft-deletes: forks keep their provenance and the entry can be restored in admin."""
    LibraryStep.objects.filter(pk=step.pk, is_active=True).update(
        is_active=False, updated_at=timezone.now(), version=F("version") + 1
    )


def _source_snapshot(step: LibraryStep) -> dict:
    """The entry's title, type, content and current revision number, read in ONE statement:
    one snapshot, so a publish committing meanwhile cannot pair new numbers with old content."""
    revision = StepRevision.objects.filter(step=OuterRef("pk")).order_by("-number").values("number")[:1]
    return (
        LibraryStep.objects.filter(pk=step.pk)
        .annotate(current_revision=Subquery(revision))
        .values("title", "step_type", "content", "current_revision")
        .get()
    )


@transaction.atomic
def step_fork(
    *, step: LibraryStep, user, visibility: str = Visibility.PRIVATE, title: str | None = None
) -> LibraryStep:
    """A personal, editable copy of `step` that remembers where (and which revision) it came from.

    A fork shared with the team or the public is scanned like a new manual entry."""
    source = _source_snapshot(step)
    secrets_ensure_step_allowed(
        title=title or source["title"], content=source["content"], visibility=visibility
    )
    fork = LibraryStep.objects.create(
        title=title or source["title"],
        step_type=source["step_type"],
        content=copy.deepcopy(source["content"]),
        visibility=visibility,
        created_by=user,
        account=user.account,
        forked_from=step,
        forked_from_revision=source["current_revision"] or 0,
    )
    revision_record(step=fork, user=user)
    return fork


@transaction.atomic
def step_upstream_accept(
    *,
    fork: LibraryStep,
    user,
    resolutions: dict[str, str] | None = None,
    source_revision: int | None = None,
    precondition: Callable[[LibraryStep], None] | None = None,
) -> LibraryStep:
    """Three-way merge of the source into `fork` (see `steplibrary.merge`): every change only
    the source made is taken, every change only the fork made is kept, and each conflict takes
    the side `resolutions` names. Records a new fork revision. `precondition` sees the locked,
    current fork before anything is decided (the API checks If-Match there).

    Raises SourceRetired when `user` can no longer see a live source, and MergeConflict when a
    conflict has no resolution or the source is no longer at `source_revision` (when given).
    """
    # Source first, then the fork: a publish holds the source's row and then touches forks
    # (updates name them), so this order cannot deadlock with it; waiting on the source's lock
    # also means its content and revision number are read from one committed state.
    visible = LibraryStep.objects.visible_to(user).filter(pk=fork.forked_from_id)
    visible.select_for_update(no_key=True).values_list("pk", flat=True).first()
    # The fork is locked before it is read: a concurrent edit lands wholly before or after.
    fork = LibraryStep.objects.select_for_update(no_key=True).get(pk=fork.pk)
    if precondition is not None:
        precondition(fork)
    upstream = fork_upstream(fork=fork, user=user)
    if upstream is None:
        raise SourceRetired()
    resolutions = resolutions or {}
    unresolved = [name for name in conflicts_of(upstream.fields) if name not in resolutions]
    stale = source_revision is not None and source_revision != upstream.source_revision
    if unresolved or stale:
        raise MergeConflict(
            fields=upstream.fields,
            unresolved=unresolved,
            source_revision=upstream.source_revision,
            stale=stale,
        )
    merged = merged_version(upstream.fields, resolutions)
    fork.title, fork.step_type = merged["title"], merged["step_type"]
    fork.content = {**(fork.content or {}), **merged["content"]}
    fork.forked_from_revision = upstream.source_revision
    fork.upstream_dismissed_revision = None
    secrets_ensure_step_allowed(title=fork.title, content=fork.content, visibility=fork.visibility, step=fork)
    fork.save(
        update_fields=["title", "step_type", "content", "forked_from_revision", "upstream_dismissed_revision"]
    )
    revision_record(step=fork, user=user)
    return fork


@transaction.atomic
def step_revision_restore(*, step: LibraryStep, number: int, user) -> LibraryStep:
    """Brings back revision `number`'s title, type and content as a new revision. Visibility
    stays as it is now: who may see the entry is a separate decision from what it says.

    Raises StepRevision.DoesNotExist for an unknown revision.
    """
    _lock(step)
    revision = StepRevision.objects.get(step=step, number=number)
    step.title, step.step_type = revision.title, revision.step_type
    step.content = copy.deepcopy(revision.content)
    # An old revision of a shared entry may hold what the secret scan refuses today.
    secrets_ensure_step_allowed(title=step.title, content=step.content, visibility=step.visibility, step=step)
    step.save(update_fields=["title", "step_type", "content"])
    revision_record(step=step, user=user)
    return step


def step_upstream_dismiss(*, fork: LibraryStep) -> LibraryStep:
    """Stops showing the source's current revision as news; a later change shows again."""
    fork.upstream_dismissed_revision = step_current_revision(fork.forked_from)
    fork.save(update_fields=["upstream_dismissed_revision"])
    return fork


@transaction.atomic
def step_rate(*, step: LibraryStep, user, score: int) -> None:
    """Records `user`'s score (replacing an earlier one) and recomputes the entry's average."""
    # Raters of one entry take turns, so the aggregate is always computed over committed rows.
    LibraryStep.objects.select_for_update().filter(pk=step.pk).values_list("pk", flat=True).first()
    StepRating.objects.update_or_create(step=step, user=user, defaults={"score": score})
    stats = StepRating.objects.filter(step=step).aggregate(count=Count("id"), average=Avg("score"))
    LibraryStep.objects.filter(pk=step.pk).update(
        rating_count=stats["count"], rating_avg=stats["average"] or 0.0
    )


def step_record_use(*, step: LibraryStep) -> None:
    """Counts one use, atomically in the database (never read-modify-write)."""
    LibraryStep.objects.filter(pk=step.pk).update(usage_count=F("usage_count") + 1)


def steps_set_active(*, steps: QuerySet[LibraryStep], active: bool) -> int:
    """(De)activates entries; returns how many changed."""
    if active:
        # A synced entry belongs to its flow: it only returns while the flow is published and active.
        source_live = Q(source_tree__status=TreeStatus.PUBLISHED, source_tree__is_active=True)
        # A takedown holds until staff lift it (steps_lift_takedown).
        steps = steps.filter(Q(is_flow_synced=False) | source_live, taken_down_at__isnull=True)
    return steps.filter(is_active=not active).update(
        is_active=active, updated_at=timezone.now(), version=F("version") + 1
    )


def _allowance_for(
    findings: list[tuple[SecretFinding, bool]], *, path: str, fingerprint: str, user, **owner
) -> tuple[SecretAllowance, bool]:
    finding = next(
        (found for found, _ in findings if found.path == path and found.fingerprint == fingerprint), None
    )
    if finding is None:
        raise NoSuchFinding(path)
    return SecretAllowance.objects.get_or_create(
        fingerprint=finding.fingerprint,
        **owner,
        defaults={
            "path": finding.path,
            "node_id": finding.node_id,
            "field": finding.field,
            "kind": finding.kind,
            "created_by": user,
        },
    )


@transaction.atomic
def tree_secret_allow(
    *, tree: Tree, user, path: str, fingerprint: str, tree_structure=None, name: str | None = None
) -> tuple[SecretAllowance, bool]:
    """Records that the finding at `path` with `fingerprint` is a false positive; returns the
    allowance and whether it is new. The finding is looked up in `tree_structure` (what the
    editor is about to publish) or in the saved flow; raises NoSuchFinding if it is not there,
    TreeStructureError if the structure is invalid."""
    # Takes turns with a publish of the same flow, which reads allowances under this lock.
    Tree.objects.select_for_update().filter(pk=tree.pk).values_list("pk", flat=True).first()
    if tree_structure is not None:
        tree.tree_structure = tree_structure
    if name is not None:
        tree.name = name
    findings = tree_secret_findings(tree=tree)
    return _allowance_for(findings, path=path, fingerprint=fingerprint, user=user, tree=tree)


@transaction.atomic
def step_secret_allow(
    *, step: LibraryStep, user, path: str, fingerprint: str, title: str | None = None, content=None
) -> tuple[SecretAllowance, bool]:
    """The same for a manual entry or a fork: the finding is looked up in the given title and
    content (what is about to be saved, merged like `step_update` merges) or the saved ones."""
    LibraryStep.objects.select_for_update().filter(pk=step.pk).values_list("pk", flat=True).first()
    merged = {**(step.content or {}), **content} if content is not None else step.content
    title = title if title is not None else step.title
    findings = step_secret_findings(title=title, content=merged, step=step)
    return _allowance_for(findings, path=path, fingerprint=fingerprint, user=user, step=step)


@transaction.atomic
def steps_take_down(*, steps: QuerySet[LibraryStep], reason: str, user) -> int:
    """Staff takedown: the entries leave the library and stay out across republishes, resyncs
    and reactivations until lifted. The author (of the source flow, or of a manual entry) and
    the owners of active forks are told, with the reason. Returns how many were taken down."""
    ids = list(
        steps.filter(taken_down_at__isnull=True)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    now = timezone.now()
    LibraryStep.objects.filter(pk__in=ids).update(
        is_active=False,
        taken_down_at=now,
        takedown_reason=reason,
        taken_down_by=user,
        updated_at=now,
        version=F("version") + 1,
    )
    notices_notify_takedown(steps=LibraryStep.objects.filter(pk__in=ids), reason=reason)
    return len(ids)


@transaction.atomic
def steps_lift_takedown(*, steps: QuerySet[LibraryStep]) -> int:
    """Ends a takedown: a manual entry or fork returns to the library at once; a synced entry
    returns through a resync of its flow, only while the flow is live and still has the node."""
    held = steps.filter(taken_down_at__isnull=False).order_by("pk").select_for_update()
    ids = list(held.values_list("pk", flat=True))
    if not ids:
        return 0
    lifted = LibraryStep.objects.filter(pk__in=ids)
    tree_ids = set(lifted.filter(is_flow_synced=True).values_list("source_tree_id", flat=True))
    now = timezone.now()
    lifted.update(taken_down_at=None, takedown_reason="", taken_down_by=None, updated_at=now)
    lifted.filter(is_flow_synced=False).update(is_active=True, version=F("version") + 1)
    for tree in Tree.objects.filter(pk__in=tree_ids, status=TreeStatus.PUBLISHED, is_active=True):
        steps_sync_from_tree(tree=tree)
    return len(ids)


# 95% confidence: the lower bound of the Wilson score interval.
WILSON_Z = 1.96


def wilson_lower_bound() -> Case:
    """The Wilson lower bound of success_count / run_count as an SQL expression (0 with no runs):
    47 runs with 42 successes (0.78) beat 1 run with 1 success (0.21)."""
    n = Cast(F("run_count"), FloatField())
    p = Cast(F("success_count"), FloatField()) / n
    z2 = WILSON_Z * WILSON_Z
    bound = (p + z2 / (2 * n) - WILSON_Z * Sqrt((p * (1 - p) + z2 / (4 * n)) / n)) / (1 + z2 / n)
    return Case(When(run_count__lte=0, then=Value(0.0)), default=bound, output_field=FloatField())


@transaction.atomic
def steps_record_outcome(
    *, steps: QuerySet[LibraryStep], runs: int, successes: int, failures: int, used: bool = False
) -> None:
    """Moves the session outcome counters of `steps` by the given differences, atomically in
    the database (an event can turn an earlier success into a failure: -1 and +1)."""
    changes: dict = {"last_used_at": timezone.now()}
    for field, delta in (("run_count", runs), ("success_count", successes), ("failure_count", failures)):
        if delta:
            changes[field] = F(field) + delta
    if used:
        changes["usage_count"] = F("usage_count") + 1
    if steps.update(**changes) and (runs or successes or failures):
        # A second statement in the same transaction: the row is locked by the first one,
        # so the bound is computed from this transaction's counts.
        steps.update(works_best=wilson_lower_bound())


def steps_record_solution_outcome(*, steps: QuerySet[LibraryStep], resolved: bool) -> None:
    """A finished session reached these troubleshooting solutions; it ended resolved or not."""
    changes = {"solution_reached_count": F("solution_reached_count") + 1}
    if resolved:
        changes["solution_resolved_count"] = F("solution_resolved_count") + 1
    steps.update(**changes)
