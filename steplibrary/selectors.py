"""Reads of the step library shaped for the API and pages (joins done in the one query)."""

from dataclasses import dataclass

from django.db.models import Case, Exists, F, OuterRef, Subquery, TextField, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from flows.selectors import flow_name_if_visible
from steplibrary.merge import MergeField, merge_fields
from steplibrary.models import LibraryStep, StepRating, StepRevision, version_of


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
    source_visible = Exists(LibraryStep.objects.visible_to(user).filter(pk=OuterRef("forked_from")))
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
