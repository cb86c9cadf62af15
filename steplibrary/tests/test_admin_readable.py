"""Admin that support staff can read: no fork fields where they mean nothing, content as
readable fields, formatted flow structures with every error at once, "not rated", and
messages that count in words that agree."""

import json

import pytest
from django.urls import reverse

from flows.models import Tree
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory, tree_admin_form
from steplibrary.models import LibraryStep
from steplibrary.services import step_fork
from steplibrary.tests.factories import LibraryStepFactory, StepRatingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(author):
    tree = TreeFactory(author=author, published=True, name="Certs", tree_structure=procedural_structure(1))
    return LibraryStep.objects.get(source_tree=tree, source_node_id="s1")


def change_page(client, step) -> str:
    response = client.get(reverse("admin:steplibrary_librarystep_change", args=[step.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_synced_entry_shows_no_fork_fields_and_readable_content(support_client, synced):
    html = change_page(support_client, synced)
    assert "forked_from_revision" not in html and "upstream_dismissed_revision" not in html
    assert "Forked from revision" not in html and "Upstream dismissed revision" not in html
    assert 'name="content"' not in html
    assert "Do the thing number 1." in html
    assert "<pre><code>run --step 1</code></pre>" in html
    assert "Run · bash" in html


def test_a_fork_shows_its_provenance_read_only(support_client, synced, outsider):
    fork = step_fork(step=synced, user=outsider)
    html = change_page(support_client, fork)
    assert "Forked from revision" in html
    assert 'name="forked_from_revision"' not in html and 'name="upstream_dismissed_revision"' not in html


def test_a_manual_entry_keeps_its_content_editable_and_readable(support_client, author):
    entry = LibraryStepFactory(
        created_by=author,
        content={
            "instructions": "Restart <b>it</b>",
            "help_text": None,
            "commands": [{"label": "", "command": "systemctl restart nginx", "command_type": None}],
            "group_label": "Web",
        },
    )
    html = change_page(support_client, entry)
    assert 'name="content"' in html
    assert "Restart &lt;b&gt;it&lt;/b&gt;" in html  # escaped, never markup
    assert "<pre><code>systemctl restart nginx</code></pre>" in html
    assert "Forked from revision" not in html


def test_unrated_entries_say_not_rated(support_client, author, teammate):
    LibraryStepFactory(created_by=author, title="Nobody rated me")
    rated = LibraryStepFactory(created_by=author, title="Rated")
    StepRatingFactory(step=rated, user=teammate, score=4)
    LibraryStep.objects.filter(pk=rated.pk).update(rating_count=1, rating_avg=4)
    html = support_client.get(reverse("admin:steplibrary_librarystep_changelist")).content.decode()
    assert "not rated" in html
    assert "4.0 (1)" in html


@pytest.mark.parametrize("count, message", [(1, "1 entry deactivated."), (2, "2 entries deactivated.")])
def test_messages_count_in_words_that_agree(support_client, author, count, message):
    steps = LibraryStepFactory.create_batch(count, created_by=author)
    response = support_client.post(
        reverse("admin:steplibrary_librarystep_changelist"),
        {"action": "deactivate", "_selected_action": [str(step.pk) for step in steps]},
        follow=True,
    )
    assert message in response.content.decode()


def test_flow_messages_count_in_words_that_agree(support_client, author):
    tree = TreeFactory(author=author, published=True)
    response = support_client.post(
        reverse("admin:flows_tree_changelist"),
        {"action": "deactivate", "_selected_action": [str(tree.pk)]},
        follow=True,
    )
    assert "1 flow deactivated." in response.content.decode()


def test_the_structure_is_formatted_and_every_error_is_listed_at_once(support_client, author):
    tree = TreeFactory(author=author, name="Keep me", tree_structure=procedural_structure(1))
    url = reverse("admin:flows_tree_change", args=[tree.pk])
    html = support_client.get(url).content.decode()
    assert "{\n  &quot;steps&quot;: [\n    {" in html
    bad = {"steps": [{"id": "a", "type": "procedure_step", "title": "x" * 300}, {"id": "a", "type": "nope"}]}
    response = support_client.post(
        url,
        tree_admin_form(tree, name="", description="", tree_structure=json.dumps(bad), status="draft"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["name"] == ["This field is required."]
    assert errors["tree_structure"] == [
        "steps[0].title: must be at most 255 characters",
        "steps[1].type: must be one of: section_header, procedure_step, procedure_end",
    ]
    assert Tree.objects.get(pk=tree.pk).name == "Keep me"


def test_the_add_page_still_opens(admin_client):
    response = admin_client.get(reverse("admin:steplibrary_librarystep_add"))
    assert response.status_code == 200
    assert 'name="forked_from_revision"' not in response.content.decode()
