"""Reads of flows that other apps annotate onto their own rows."""

from django.db.models import Case, CharField, Exists, F, OuterRef, When

from flows.models import Tree


def flow_name_if_visible(*, user, field: str) -> Case:
    """An annotation: the name of the flow behind the foreign key `field`, only when `user`
    may open that flow now (`Tree.objects.visible_to`); None otherwise. The one place that
    decides whether a derived row may name its flow."""
    openable = Tree.objects.visible_to(user).filter(pk=OuterRef(f"{field}_id"))
    return Case(When(Exists(openable), then=F(f"{field}__name")), default=None, output_field=CharField())
