"""Decisions in a real dialog: publishing, deactivating and reactivating a flow show the impact
on the library step by step (added, changed with their diffs, retired; forks and flows told)."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import public_flow
from flows.models import Tree
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def used_flow(author, outsider):
    """A public flow of three steps; step 1 has a fork, step 3 is used by another flow."""
    tree = public_flow(
        author, name="Rotate certificates", tree_structure=procedural_structure(3), forked_by=outsider
    )
    third = LibraryStep.objects.get(source_tree=tree, source_node_id="s3")
    other = procedural_structure(1)
    other["steps"][1]["library_step_id"] = str(third.pk)
    TreeFactory(author=author, name="Other flow", tree_structure=other)
    return tree


def test_the_publish_dialog_shows_the_impact_step_by_step(open_session, used_flow):
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{used_flow.pk}/edit/")
    page.locator('[data-node-id="s1"]').get_by_label("Title", exact=True).fill("Step 1, safer")
    page.locator('[data-node-id="s3"]').get_by_role("button", name="Remove step Step 3").click()
    page.get_by_role("button", name="Add step").click()
    page.locator("#step-list .node").nth(-2).get_by_label("Title", exact=True).fill("Brand new step")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#working-copy-publish").click()

    dialog = page.get_by_role("dialog", name="Publish “Rotate certificates”?")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".impact-summary")).to_have_text(
        "1 step added; 1 step changes; 1 step retired; 1 fork will be told; "
        "1 step used in 1 other flow is retired."
    )
    expect(dialog.locator(".impact-added .impact-item")).to_have_text(["Brand new step"])
    changed = dialog.locator(".impact-changed .impact-item")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("Step 1, safer — 1 fork told")
    expect(changed.locator("del")).to_have_text("Step 1")
    expect(changed.locator("ins")).to_have_text("Step 1, safer")
    expect(dialog.locator(".impact-retired .impact-item")).to_have_text(["Step 3 — in 1 other flow"])
    alice.screenshot("impact-dialog-publish")

    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert LibraryStep.objects.get(source_tree=used_flow, source_node_id="s1").title == "Step 1"

    page.locator("#working-copy-publish").click()
    page.get_by_role("dialog").get_by_role("button", name="Publish").click()
    expect(page.locator(".toast")).to_contain_text(
        "Published: 1 step added to the library, 1 updated, 1 removed"
    )
    assert LibraryStep.objects.get(source_tree=used_flow, source_node_id="s1").title == "Step 1, safer"
    assert alice.dialogs == []  # no window.confirm anywhere


def test_deactivate_and_reactivate_say_what_leaves_and_what_comes_back(open_session, used_flow):
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{used_flow.pk}/edit/")
    page.get_by_role("button", name="Deactivate").click()
    dialog = page.get_by_role("dialog", name="Deactivate “Rotate certificates”?")
    expect(dialog.locator(".impact-retired .impact-item")).to_have_count(3)
    expect(dialog.locator(".impact-summary")).to_contain_text("3 steps retired; 1 fork will be told")
    alice.screenshot("impact-dialog-deactivate")
    dialog.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".toast")).to_have_text("Flow deactivated; its library steps are retired.")
    assert not LibraryStep.objects.filter(source_tree=used_flow, is_active=True).exists()

    page.get_by_role("button", name="Reactivate").click()
    dialog = page.get_by_role("dialog", name="Reactivate “Rotate certificates”?")
    expect(dialog).to_contain_text("3 library entries come back, with their counts and ratings.")
    expect(dialog.locator(".impact-returning .impact-item")).to_have_count(3)
    alice.screenshot("impact-dialog-reactivate")
    dialog.get_by_role("button", name="Reactivate").click()
    expect(page.locator(".toast")).to_have_text("Flow reactivated.")
    assert LibraryStep.objects.filter(source_tree=used_flow, is_active=True).count() == 3
    assert Tree.objects.get(pk=used_flow.pk).is_active
    assert alice.dialogs == []
