"""Reads of the step library shaped for the API and pages (joins done in the one query)."""

from django.db.models import Case, CharField, Exists, F, OuterRef, Subquery, TextField, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from flows.models import Tree
from steplibrary.models import LibraryStep, StepRating, StepRevision


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
    openable_source = Tree.objects.visible_to(user).filter(pk=OuterRef("source_tree_id"))
    return (
        LibraryStep.objects.visible_to(user)
        .annotate(
            source_tree_name=Case(
                When(Exists(openable_source), then=F("source_tree__name")),
                default=None,
                output_field=CharField(),
            ),
            created_by_username=F("created_by__username"),
            my_rating=Subquery(my_rating),
            revision=Subquery(revision),
            source_revision=Subquery(source_revision),
            source_active=F("forked_from__is_active"),
        )
        .defer("search_text")
    )


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
