"""Reads of live sessions; every one starts from `Session.objects.visible_to(user)`."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from runs.models import AdhocStep, Participant, Session, SessionEvent


def sessions_for_list(*, user) -> QuerySet[Session]:
    """Sessions the user may see, without their structure: what lists need."""
    return (
        Session.objects.visible_to(user)
        .select_related("tree", "started_by")
        .defer("structure", "node_index", "tree__tree_structure", "tree__linked_step_ids")
        .order_by("-started_at", "id")
    )


def sessions_to_write(*, user) -> QuerySet[Session]:
    """Sessions the user may see, ids only: a write's service locks and re-reads what it
    decides on."""
    return Session.objects.visible_to(user).only("id")


def sessions_for_detail(*, user) -> QuerySet[Session]:
    """Sessions the user may see, each with its timeline, ad-hoc steps and participants in a
    fixed number of queries however long the flow or the run."""
    return (
        Session.objects.visible_to(user)
        .select_related("tree", "started_by")
        .defer("tree__tree_structure", "tree__linked_step_ids")
        .annotate(is_participant=Exists(Participant.objects.filter(session=OuterRef("pk"), user_id=user.pk)))
        .prefetch_related(
            Prefetch(
                "events", queryset=SessionEvent.objects.select_related("user").order_by("created_at", "id")
            ),
            Prefetch(
                "adhoc_steps",
                queryset=AdhocStep.objects.select_related("added_by").order_by("created_at", "id"),
            ),
            Prefetch(
                "memberships", queryset=Participant.objects.select_related("user").order_by("joined_at", "id")
            ),
        )
    )
