"""Reads of the step library shaped for the API and pages (joins done in the one query)."""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from flows.models import Tree
from flows.selectors import flow_name_if_visible
from steplibrary.diff import diff_versions
from steplibrary.merge import MergeField, conflicts_of, merge_fields
from steplibrary.models import LibraryStep, SecretAllowance, StepRating, StepRevision, version_of
from steplibrary.usage import trees_using_steps


def steps_for_display(*, user):
    """Entries `user` may see, with the source flow's name (only when `user` may open that
    flow: a public entry can come from a team-only flow), the author's name, the user's own
    rating, the current revision and, for forks, the source's revision and whether it is live."""
    if not user.is_authenticated:
        return LibraryStep.objects.none()
    my_rating = StepRating.objects.filter(step=OuterRef("pk"), user=user).values("score")[:1]
    revision = StepRevision.objects.filter(step=OuterRef("pk")).order_by("-number").values("number")[:1]
    source_revision = (
        StepRevision.objects.filter(step=OuterRef("forked_from")).order_by("-number").values("number")[:1]
    )
    # A source the reader can no longer see (made team-only elsewhere, taken down) counts as
    # retired for them: no flag, no revision number, no diff (decided at the moment of reading).
    # Only forks have a source: the database skips both subqueries for every other row.
    source_visible = Case(
        When(forked_from__isnull=True, then=Value(False)),
        default=Exists(LibraryStep.objects.visible_to(user).filter(pk=OuterRef("forked_from"))),
        output_field=BooleanField(),
    )
    return (
        LibraryStep.objects.visible_to(user)
        .annotate(
            source_tree_name=flow_name_if_visible(user=user, field="source_tree"),
            created_by_username=F("created_by__username"),
            my_rating=Subquery(my_rating),
            revision=Subquery(revision),
            source_active=source_visible,
            source_revision=Case(When(source_active=True, then=Subquery(source_revision)), default=None),
        )
        .defer("search_text")
    )


MAX_DUPLICATES_LISTED = 100


def step_if_visible(*, user, pk) -> LibraryStep | None:
    """The active entry `pk` if `user` may see it (an ad-hoc step asked for in a run)."""
    return LibraryStep.objects.visible_to(user).filter(pk=pk).first()


def duplicates_for_display(*, step: LibraryStep, user) -> list[LibraryStep]:
    """The other entries in `step`'s group of duplicates (same `content_key`) that `user` may
    see, most used first, with the source flow's name as `steps_for_display` gives it."""
    copies = (
        steps_for_display(user=user)
        .filter(content_key=step.content_key)
        .exclude(pk=step.pk)
        .order_by("-usage_count", "-rating_avg", "id")
    )
    return list(copies[:MAX_DUPLICATES_LISTED])


def visible_step_ids(user, ids: set[str]) -> set[str]:
    """Which of `ids` name entries `user` may see (retired ones included: a flow may keep
    using a step whose source flow was retired). Used to check `library_step_id` links."""
    steps = LibraryStep.objects.readable_by(user).filter(pk__in=ids)
    return {str(pk) for pk in steps.values_list("pk", flat=True)}


def upstream_flags(step: LibraryStep) -> tuple[bool, bool]:
    """(upstream_changed, source_retired) for an entry from `steps_for_display`."""
    if not step.forked_from_id:
        return False, False
    if not getattr(step, "source_active", False):
        return False, True
    seen = max(step.forked_from_revision or 0, step.upstream_dismissed_revision or 0)
    return (getattr(step, "source_revision", None) or 0) > seen, False


@dataclass(frozen=True)
class Upstream:
    """A fork's three-way comparison with its source, as the caller may see it."""

    source: LibraryStep
    base: dict | None  # the base revision's version, when recorded
    base_revision: int | None
    source_revision: int
    fields: list[MergeField]


def fork_upstream(*, fork: LibraryStep, user) -> Upstream | None:
    """base = the source revision the fork was taken from (or last accepted), mine = the fork
    as given, theirs = the source now. None when the source is retired or no longer visible
    to `user` (decided now, at the moment of reading)."""
    sources = LibraryStep.objects.visible_to(user).filter(pk=fork.forked_from_id)
    source = sources.first() if fork.forked_from_id else None
    if source is None:
        return None
    revisions = StepRevision.objects.filter(step=source)
    latest = revisions.order_by("-number").values_list("number", flat=True).first() or 0
    base = revisions.filter(number=fork.forked_from_revision).first() if fork.forked_from_revision else None
    base_version = version_of(base) if base else None
    fields = merge_fields(base_version, version_of(fork), version_of(source))
    return Upstream(
        source=source,
        base=base_version,
        base_revision=base.number if base else None,
        source_revision=latest,
        fields=fields,
    )


MAX_SECTIONS = 200


def section_labels(*, user) -> list[str]:
    """The distinct sections of the entries `user` may see, for the section filter's suggestions."""
    labels = (
        LibraryStep.objects.visible_to(user)
        # Cast: on SQLite the bare key transform would be decoded as JSON again.
        .annotate(section=Cast(KeyTextTransform("group_label", "content"), output_field=TextField()))
        .filter(section__gt="")
        .order_by("section")
        .values_list("section", flat=True)
        .distinct()[:MAX_SECTIONS]
    )
    return list(labels)


class RevisionHidden(LookupError):
    """A revision that does not exist, or was recorded while the entry was hidden from the reader."""


class RevisionsNotAdjacent(ValueError):
    """Two revisions with one between them that the reader may not see."""


@dataclass(frozen=True)
class RevisionDiff:
    older: int | None  # None: the diff is from nothing (shows `newer` whole)
    newer: int
    changes: dict


def step_revision_diff(*, step: LibraryStep, user, older: int | None, newer: int | None) -> RevisionDiff:
    """Field-by-field changes between two revisions of `step` that `user` may see: by default
    the latest against the one before it (from nothing when that one is hidden). Never across a
    revision recorded while the entry was hidden from `user`: RevisionsNotAdjacent; a hidden
    or missing revision: RevisionHidden."""
    visible = set(StepRevision.objects.filter(step=step).visible_to(user).values_list("number", flat=True))
    newer = newer if newer is not None else max(visible, default=0)
    if older is None:
        older = newer - 1 if newer - 1 in visible else 0
    if newer not in visible or (older and older not in visible):
        raise RevisionHidden
    low, high = sorted((older, newer))
    hidden_between = StepRevision.objects.filter(step=step, number__gt=low, number__lt=high).exclude(
        number__in=visible
    )
    if older and hidden_between.exists():
        raise RevisionsNotAdjacent
    revisions = {revision.number: revision for revision in step.revisions.filter(number__in={older, newer})}
    changes = diff_versions(version_of(revisions[older]) if older else None, version_of(revisions[newer]))
    return RevisionDiff(older=older or None, newer=newer, changes=changes)


def fork_upstream_report(*, fork: LibraryStep, user) -> dict:
    """The body of a fork's `upstream` answer: the three-way comparison with its source, or,
    when the source is retired or hidden from `user`, just that."""
    upstream = fork_upstream(fork=fork, user=user)
    changed, _ = upstream_flags(fork)
    report = {
        "source": fork.forked_from_id,
        "forked_from_revision": fork.forked_from_revision,
        "base_revision": None,
        "source_revision": None,
        "upstream_changed": changed and upstream is not None,
        "source_retired": upstream is None,
        "changes": {},
        "merge": [],
        "conflicts": [],
    }
    if upstream is not None:
        report.update(
            base_revision=upstream.base_revision,
            source_revision=upstream.source_revision,
            changes=diff_versions(upstream.base, version_of(upstream.source)),
            merge=[field.as_dict() for field in upstream.fields],
            conflicts=conflicts_of(upstream.fields),
        )
    return report


@dataclass(frozen=True)
class StepUsage:
    usage_count: int
    flows: list  # other flows using the entry that the reader may open
    fork_count: int  # every active fork, as the publish preview counts them (their owners are told)
    forks: list[LibraryStep]  # its forks the reader may see, newest first


def step_usage(*, step: LibraryStep, user) -> StepUsage:
    """Flows that use `step` and its forks, as far as `user` may see them."""
    # Other flows: the entry's own source flow is where it lives, not a use of it.
    flows = [
        tree
        for tree in trees_using_steps([step.pk], user=user).get(step.pk, [])
        if tree.pk != step.source_tree_id
    ]
    forks = (
        LibraryStep.objects.visible_to(user)
        .filter(forked_from=step)
        .select_related("created_by")
        .order_by("-created_at")
    )
    return StepUsage(
        usage_count=step.usage_count,
        flows=flows,
        fork_count=LibraryStep.objects.filter(forked_from=step, is_active=True).count(),
        forks=list(forks),
    )


def secret_allowances_of(owner) -> QuerySet[SecretAllowance]:
    """A flow's or an entry's allowances (findings marked false positives), with who made them."""
    return owner.secret_allowances.select_related("created_by")


def secret_allowance_for_display(*, pk: int) -> SecretAllowance:
    return SecretAllowance.objects.select_related("created_by").get(pk=pk)


def step_revisions_for_list(*, step: LibraryStep, user, limit: int = 200) -> QuerySet[StepRevision]:
    """An entry's revisions, newest first, only those recorded while `user` could see it."""
    return StepRevision.objects.filter(step=step).visible_to(user)[:limit]


def steps_taken_down_in(*, tree: Tree) -> QuerySet[LibraryStep]:
    """The flow's entries that support staff took down, in node order."""
    return (
        LibraryStep.objects.synced_from(tree).filter(taken_down_at__isnull=False).order_by("source_node_id")
    )
