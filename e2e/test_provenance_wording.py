"""Provenance in words: a fork says what it was forked from (linked, with the revision), its
first revision is "forked", and its edit dialog edits commands and the section too."""

import pytest
from playwright.sync_api import expect

from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.services import step_fork

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_fork_says_where_it_came_from_and_edits_commands_and_section(open_session, author, outsider):
    tree = TreeFactory(
        author=author, published=True, public=True, name="Certs", tree_structure=procedural_structure(1)
    )
    source = LibraryStep.objects.get(source_tree=tree, source_node_id="s1")
    fork = step_fork(step=source, user=outsider, title="Carol's copy")

    carol = open_session("carol")
    page = carol.page
    carol.goto(f"/library/?mine=true#{fork.pk}")
    detail = page.locator("#step-detail")
    line = detail.locator(".forked-from")
    expect(line).to_have_text("Forked from: Step 1 (revision 1)")
    expect(detail.locator(".history .revisions li").first).to_contain_text("· forked")
    expect(detail).to_contain_text("Used in 0 runs")
    expect(detail.locator(".usage-line")).to_have_text("In 0 other flows · 0 forks")

    detail.get_by_role("button", name="Edit").click()
    dialog = page.locator("#edit-dialog")
    expect(dialog.get_by_label("Section")).to_have_value("Section 1")
    expect(dialog.get_by_label("Command", exact=True)).to_have_value("run --step 1")
    dialog.get_by_label("Section").fill("Rotation")
    dialog.get_by_label("Command", exact=True).fill("systemctl reload nginx")
    dialog.get_by_role("button", name="Add command").click()
    dialog.get_by_role("button", name="Add command").click()
    dialog.locator(".command-editor").nth(2).get_by_role("button", name="Remove command").click()
    expect(dialog.locator(".command-editor legend")).to_have_text(["Command 1", "Command 2"])
    dialog.get_by_label("Command", exact=True).nth(1).fill("nginx -t")
    dialog.locator(".command-editor").nth(1).get_by_label("Label").fill("Check")
    carol.screenshot("fork-edit-dialog-commands")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator(".toast")).to_have_text("Saved.")
    fork.refresh_from_db()
    assert fork.content["group_label"] == "Rotation"
    assert [(c["label"], c["command"]) for c in fork.content["commands"]] == [
        ("Run", "systemctl reload nginx"),
        ("Check", "nginx -t"),
    ]
    expect(detail.locator(".history .revisions li").first).to_contain_text("· edited")

    line.get_by_role("link", name="Step 1").click()
    expect(detail.locator("h2")).to_have_text("Step 1")
    expect(detail.locator(".sourced", has_text="Sourced from")).to_contain_text("Certs")
