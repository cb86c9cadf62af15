"""Writes to the step library other than the flow sync (see `steplibrary.sync`)."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from flows.models import TreeStatus
from steplibrary.models import LibraryStep


def steps_set_active(*, steps: QuerySet[LibraryStep], active: bool) -> int:
    """(De)activates entries; returns how many changed."""
    if active:
        # A synced entry belongs to its flow: it only returns while the flow is published and active.
        source_live = Q(source_tree__status=TreeStatus.PUBLISHED, source_tree__is_active=True)
        steps = steps.filter(Q(is_flow_synced=False) | source_live)
    return steps.filter(is_active=not active).update(is_active=active, updated_at=timezone.now())
