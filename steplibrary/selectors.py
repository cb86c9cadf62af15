"""Reads of the step library shaped for the API and pages (joins done in the one query)."""

from django.db.models import F, OuterRef, Subquery

from steplibrary.models import LibraryStep, StepRating


def steps_for_display(*, user):
    """Entries `user` may see, with the source flow's name, author name and the user's own rating."""
    if not user.is_authenticated:
        return LibraryStep.objects.none()
    my_rating = StepRating.objects.filter(step=OuterRef("pk"), user=user).values("score")[:1]
    return (
        LibraryStep.objects.visible_to(user)
        .annotate(
            source_tree_name=F("source_tree__name"),
            created_by_username=F("created_by__username"),
            my_rating=Subquery(my_rating),
        )
        .defer("search_text")
    )
