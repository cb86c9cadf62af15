"""Factories for library entries and ratings."""

import factory

from accounts.tests.factories import UserFactory
from steplibrary.models import LibraryStep, StepRating, StepType, Visibility


class LibraryStepFactory(factory.django.DjangoModelFactory):
    """A manual (not synced) entry; see the `synced` trait for one a flow owns."""

    class Meta:
        model = LibraryStep

    title = factory.Sequence(lambda n: f"Library step {n}")
    step_type = StepType.ACTION
    content = factory.LazyAttribute(
        lambda step: {
            "instructions": f"Instructions for {step.title}.",
            "help_text": None,
            "commands": [],
            "group_label": None,
        }
    )
    visibility = Visibility.PRIVATE
    created_by = factory.SubFactory(UserFactory)
    account = factory.LazyAttribute(lambda step: step.created_by.account if step.created_by else None)

    class Params:
        team = factory.Trait(visibility=Visibility.TEAM)
        public = factory.Trait(visibility=Visibility.PUBLIC)
        synced = factory.Trait(
            is_flow_synced=True,
            visibility=Visibility.TEAM,
            source_node_id=factory.Sequence(lambda n: f"node-{n}"),
        )


class StepRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepRating

    step = factory.SubFactory(LibraryStepFactory)
    user = factory.SubFactory(UserFactory)
    score = 4


def distinct_structure(step_count: int, tag: str, **kwargs) -> dict:
    """`procedural_structure` whose step titles carry `tag`: flows made with different tags
    publish different entries, not duplicates the library would show as one result."""
    from flows.samples import procedural_structure

    structure = procedural_structure(step_count, **kwargs)
    for node in structure["steps"]:
        if node["type"] == "procedure_step":
            node["title"] = f"{node['title']} ({tag})"
    return structure
