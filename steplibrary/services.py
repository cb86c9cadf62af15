"""Writes to the step library other than the flow sync (see `steplibrary.sync`)."""

import copy

from django.db import transaction
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from flows.models import TreeStatus
from steplibrary.models import LibraryStep, StepRating, StepType, Visibility


def step_create(
    *,
    user,
    title: str,
    content: dict,
    step_type: str = StepType.ACTION,
    visibility: str = Visibility.PRIVATE,
) -> LibraryStep:
    """A manual entry, owned by `user` and shared with their team when visibility says so."""
    return LibraryStep.objects.create(
        title=title,
        step_type=step_type,
        content=content,
        visibility=visibility,
        created_by=user,
        account=user.account,
    )


def step_update(*, step: LibraryStep, **fields) -> LibraryStep:
    """Changes a manual entry's own fields (callers have checked it is not synced).

    `content` is merged into the existing content, so a partial update keeps the rest.
    """
    if "content" in fields:
        fields["content"] = {**(step.content or {}), **fields["content"]}
    for name, value in fields.items():
        setattr(step, name, value)
    step.save()
    return step


def step_delete(*, step: LibraryStep) -> None:
    """Soft-deletes: forks keep their provenance and the entry can be restored in admin."""
    LibraryStep.objects.filter(pk=step.pk).update(is_active=False, updated_at=timezone.now())


def step_fork(
    *, step: LibraryStep, user, visibility: str = Visibility.PRIVATE, title: str | None = None
) -> LibraryStep:
    """A personal, editable copy of `step` that remembers where it came from."""
    return LibraryStep.objects.create(
        title=title or step.title,
        step_type=step.step_type,
        content=copy.deepcopy(step.content),
        visibility=visibility,
        created_by=user,
        account=user.account,
        forked_from=step,
    )


@transaction.atomic
def step_rate(*, step: LibraryStep, user, score: int) -> None:
    """Records `user`'s score (replacing an earlier one) and recomputes the entry's average."""
    # Raters of one entry take turns, so the aggregate is always computed over committed rows.
    LibraryStep.objects.select_for_update().filter(pk=step.pk).values_list("pk", flat=True).first()
    StepRating.objects.update_or_create(step=step, user=user, defaults={"score": score})
    stats = StepRating.objects.filter(step=step).aggregate(count=Count("id"), average=Avg("score"))
    LibraryStep.objects.filter(pk=step.pk).update(
        rating_count=stats["count"], rating_avg=round(stats["average"] or 0.0, 4)
    )


def step_record_use(*, step: LibraryStep) -> None:
    """Counts one use, atomically in the database (never read-modify-write)."""
    LibraryStep.objects.filter(pk=step.pk).update(usage_count=F("usage_count") + 1)


def steps_set_active(*, steps: QuerySet[LibraryStep], active: bool) -> int:
    """(De)activates entries; returns how many changed."""
    if active:
        # A synced entry belongs to its flow: it only returns while the flow is published and active.
        source_live = Q(source_tree__status=TreeStatus.PUBLISHED, source_tree__is_active=True)
        steps = steps.filter(Q(is_flow_synced=False) | source_live)
    return steps.filter(is_active=not active).update(is_active=active, updated_at=timezone.now())
