"""Writes to live sessions: start, join, record events, insert ad-hoc steps, finish.

Every write to a session locks its row first and re-reads what it decides on (status,
membership), so a finish and an event racing each other cannot both win.
"""

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from flows.models import Tree
from flows.tree_structure import SYNCED_NODE_TYPES, parse_tree_structure
from flows.variables import VariableValuesError, check_values, declared_variables
from runs.models import AdhocStep, EventOutcome, Participant, Session, SessionEvent, SessionStatus
from steplibrary.models import LibraryStep
from steplibrary.services import step_record_use, steps_record_outcome, steps_record_solution_outcome

ADHOC_PREFIX = "adhoc-"
# A run is a person working through a flow: far fewer inserted steps than this.
MAX_ADHOC_STEPS = 200


class SessionClosed(Exception):
    """The session is finished: it is read-only."""


class NotAParticipant(Exception):
    """Only participants write to a session; anyone who may see its flow can join."""


def _node_index(tree: Tree) -> dict[str, dict]:
    """node id -> what event validation needs, from the published structure."""
    nodes = parse_tree_structure(tree.tree_structure, tree.tree_type)
    return {
        node.id: {
            "type": node.type,
            "title": node.title,
            "answer": node.answer,
            "children": list(node.child_ids),
        }
        for node in nodes
    }


@transaction.atomic
def session_start(*, tree: Tree, user, title: str = "", variables: dict | None = None) -> Session:
    """A new running session of `tree`'s published structure, with `user` as its first participant.

    The caller has checked that `tree` is visible to `user`; raises ValidationError when the
    flow is not published and active (a draft has no revision to run), or when `variables`
    do not fit the variables that revision declares (a secret's value is always refused).
    """
    tree = Tree.objects.select_for_update().get(pk=tree.pk)
    if not tree.is_live:
        raise ValidationError({"tree": ["Only a published, active flow can be run."]})
    try:
        # Checked against the declarations of the structure this session pins.
        variables = check_values(declared_variables(tree.tree_structure), variables or {})
    except VariableValuesError as error:
        messages = [f"{name}: {message}" for name, problems in error.errors.items() for message in problems]
        raise ValidationError({"variables": messages}) from None
    session = Session.objects.create(
        tree=tree,
        title=title,
        tree_type=tree.tree_type,
        structure=tree.tree_structure,
        published_at=tree.published_at,
        node_index=_node_index(tree),
        variables=variables,
        started_by=user,
    )
    Participant.objects.create(session=session, user=user)
    return session


def _lock_for_write(session: Session, user, *, must_participate: bool = True) -> Session:
    """Locks the session row and checks it accepts writes from `user`."""
    locked = (
        Session.objects.select_for_update()
        .only("id", "status", "tree_id", "tree_type", "node_index")
        .get(pk=session.pk)
    )
    if locked.is_finished:
        raise SessionClosed
    if must_participate and not Participant.objects.filter(session_id=locked.pk, user=user).exists():
        raise NotAParticipant
    return locked


@transaction.atomic
def session_join(*, session: Session, user) -> bool:
    """Makes `user` a participant (the caller checked they may see the flow); False if already one."""
    _lock_for_write(session, user, must_participate=False)
    _, created = Participant.objects.get_or_create(session_id=session.pk, user=user)
    return created


def _check_node(session: Session, node_id: str, next_node_id: str | None) -> tuple[dict | None, str, Any]:
    """The node an event is about (None for an ad-hoc step), the answer text and, for an
    ad-hoc step, the library entry it came from; or ValidationError."""
    node = session.node_index.get(node_id)
    if node is None:
        adhoc = None
        if node_id.startswith(ADHOC_PREFIX):
            adhoc = (
                AdhocStep.objects.filter(session_id=session.pk, node_id=node_id)
                .values_list("step_id")
                .first()
            )
        if adhoc is None:
            raise ValidationError({"node_id": ["No such step in this session."]})
        if next_node_id:
            raise ValidationError({"next_node_id": ["An ad-hoc step has no answers."]})
        return None, "", adhoc[0]
    if node["type"] == "section_header":
        raise ValidationError({"node_id": ["A section header is not a step."]})
    if not next_node_id:
        return node, "", None
    if next_node_id not in node["children"]:
        raise ValidationError({"next_node_id": ["Not an answer of this step."]})
    child = session.node_index[next_node_id]
    return node, (child.get("answer") or child.get("title") or "")[:255], None


def _count_outcome(
    session: Session, node: dict | None, adhoc_step_id: Any, node_id: str, previous: str | None, outcome: str
) -> None:
    """Feeds the library: a step's latest outcome in a session is what counts, so a failure
    turned into a success moves one count from failures to successes, and a retry nothing."""
    if node is not None and node["type"] not in SYNCED_NODE_TYPES:
        return
    if node is None and adhoc_step_id is None:
        return  # the inserted entry is gone from the library
    counted = (EventOutcome.DONE, EventOutcome.FAILED)
    runs = (outcome in counted) - (previous in counted)
    successes = (outcome == EventOutcome.DONE) - (previous == EventOutcome.DONE)
    failures = (outcome == EventOutcome.FAILED) - (previous == EventOutcome.FAILED)
    if node is None:
        steps = LibraryStep.objects.filter(pk=adhoc_step_id)
    else:
        steps = LibraryStep.objects.filter(
            source_tree_id=session.tree_id, source_node_id=node_id, is_flow_synced=True
        )
    # A synced step is used once per session, when it first gets an outcome; an ad-hoc
    # entry was counted when it was inserted.
    used = node is not None and previous is None
    steps_record_outcome(steps=steps, runs=runs, successes=successes, failures=failures, used=used)


@transaction.atomic
def session_record_event(
    *,
    session: Session,
    user,
    event_id: uuid.UUID,
    node_id: str,
    outcome: str,
    note: str = "",
    next_node_id: str | None = None,
) -> tuple[SessionEvent, bool]:
    """Records one event; the same `event_id` again returns the first one (and False).

    A fixed number of queries: lock, membership, the idempotency lookup, the insert.
    """
    locked = _lock_for_write(session, user)
    existing = SessionEvent.objects.filter(session_id=locked.pk, event_id=event_id).first()
    if existing is not None:
        return existing, False
    node, answer, adhoc_step_id = _check_node(locked, node_id, next_node_id)
    previous = (
        SessionEvent.objects.filter(session_id=locked.pk, node_id=node_id)
        .order_by("-id")
        .values_list("outcome", flat=True)
        .first()
    )
    event = SessionEvent.objects.create(
        session_id=locked.pk,
        event_id=event_id,
        node_id=node_id,
        outcome=EventOutcome(outcome),
        note=note,
        next_node_id=next_node_id or None,
        answer=answer,
        user=user,
    )
    _count_outcome(locked, node, adhoc_step_id, node_id, previous, outcome)
    Session.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return event, True


@transaction.atomic
def session_add_adhoc(
    *, session: Session, user, step: LibraryStep, after_node_id: str | None = None
) -> AdhocStep:
    """Inserts `step` (visible to `user`, checked by the caller) into the run; counts one use of it."""
    locked = _lock_for_write(session, user)
    taken = list(AdhocStep.objects.filter(session_id=locked.pk).values_list("node_id", flat=True))
    if len(taken) >= MAX_ADHOC_STEPS:
        raise ValidationError({"step": [f"A session holds at most {MAX_ADHOC_STEPS} ad-hoc steps."]})
    if after_node_id and after_node_id not in locked.node_index and after_node_id not in taken:
        raise ValidationError({"after_node_id": ["No such step in this session."]})
    adhoc = AdhocStep.objects.create(
        session_id=locked.pk,
        node_id=f"{ADHOC_PREFIX}{len(taken) + 1}",
        step=step,
        title=step.title,
        content=step.content,
        after_node_id=after_node_id or None,
        added_by=user,
    )
    step_record_use(step=step)
    Session.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return adhoc


@transaction.atomic
def session_finish(*, session: Session, user, status: str, summary: str = "") -> Session:
    """Ends the session as resolved, unresolved or abandoned; from then on it is read-only."""
    locked = _lock_for_write(session, user)
    if status == SessionStatus.RUNNING:
        raise ValidationError({"status": ["A session finishes as resolved, unresolved or abandoned."]})
    locked.status = status
    locked.summary = summary
    locked.finished_at = timezone.now()
    locked.finished_by = user
    locked.save(update_fields=["status", "summary", "finished_at", "finished_by", "updated_at"])
    _count_solutions(locked)
    return locked


def _count_solutions(session: Session) -> None:
    """Troubleshooting: each solution the session reached learns whether it ended resolved."""
    seen: set[str] = set()
    for node_id, next_node_id in SessionEvent.objects.filter(session_id=session.pk).values_list(
        "node_id", "next_node_id"
    ):
        seen.update((node_id, next_node_id))
    reached = sorted(
        node_id for node_id in seen if (session.node_index.get(node_id) or {}).get("type") == "solution"
    )
    if reached:
        steps = LibraryStep.objects.filter(
            source_tree_id=session.tree_id, source_node_id__in=reached, is_flow_synced=True
        )
        steps_record_solution_outcome(steps=steps, resolved=session.status == SessionStatus.RESOLVED)
