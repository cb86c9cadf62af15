"""Editing a published flow in Chromium: the working copy, history with restore, and two
authors saving the same flow (the conflict dialog, both choices)."""

import pytest
from playwright.sync_api import expect

from flows.models import TreeRevision, TreeWorkingCopy
from flows.samples import procedural_structure
from flows.services import tree_update
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def title_of(page, node_id: str):
    return page.locator(f'[data-node-id="{node_id}"]').get_by_label("Title", exact=True)


def save_title(page, node_id: str, title: str) -> None:
    """Types a step's title in the editor and saves the flow."""
    title_of(page, node_id).fill(title)
    page.get_by_role("button", name="Save changes").click()


def library_title(tree, node_id: str) -> str:
    return LibraryStep.objects.get(source_tree=tree, source_node_id=node_id).title


@pytest.fixture
def flow(author):
    return TreeFactory(
        author=author, published=True, name="Rotate certs", tree_structure=procedural_structure(2)
    )


def test_changes_wait_in_a_working_copy_until_published(open_session, flow):
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{flow.pk}/edit/")
    banner = page.locator("#working-copy-banner")
    expect(banner).to_be_hidden()

    save_title(page, "s1", "Step 1, safer")
    expect(page.locator(".toast")).to_have_text("Changes saved, not yet published.")
    expect(banner).to_contain_text("Unpublished changes")
    alice.screenshot("editor-working-copy")
    assert library_title(flow, "s1") == "Step 1"

    # Navigate still shows the published version; the editor comes back to the working copy.
    alice.goto(f"/flows/{flow.pk}/")
    expect(page.get_by_text("Step 1", exact=True).first).to_be_visible()
    expect(page.get_by_text("Step 1, safer")).to_have_count(0)
    alice.goto(f"/flows/{flow.pk}/edit/")
    expect(title_of(page, "s1")).to_have_value("Step 1, safer")

    banner.get_by_role("button", name="Publish").click()
    page.locator("dialog.impact-dialog").get_by_role("button", name="Publish").click()  # the impact dialog
    expect(page.locator(".toast")).to_contain_text("Published: 0 steps added to the library, 1 updated")
    expect(banner).to_be_hidden()
    assert library_title(flow, "s1") == "Step 1, safer"
    assert not TreeWorkingCopy.objects.exists()

    # Discard drops a new working copy and shows the published flow again.
    save_title(page, "s2", "Not this")
    expect(banner).to_be_visible()
    banner.get_by_role("button", name="Discard").click()
    expect(page.locator(".toast")).to_have_text("Unpublished changes discarded.")
    expect(banner).to_be_hidden()
    expect(title_of(page, "s2")).to_have_value("Step 2")
    assert not TreeWorkingCopy.objects.exists()
    assert library_title(flow, "s2") == "Step 2"


def test_history_restore_then_publish(open_session, author, flow):
    broken = procedural_structure(2)
    broken["steps"][1]["title"] = "Broken step"
    tree_update(tree=flow, user=author, tree_structure=broken)
    assert library_title(flow, "s1") == "Broken step"

    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{flow.pk}/edit/")
    page.locator("#history-panel summary").click()
    revisions = page.locator("#history-list .revision")
    expect(revisions).to_have_count(2)
    expect(revisions.first).to_contain_text("#2 Published")
    revisions.first.locator("summary").click()
    expect(revisions.first.locator(".changes")).to_contain_text("Broken step")
    alice.screenshot("editor-history")

    page.get_by_role("button", name="Restore revision 1").click()
    expect(page.locator(".toast")).to_contain_text("Revision 1 restored")
    expect(title_of(page, "s1")).to_have_value("Step 1")
    expect(revisions.first).to_contain_text("#3 Restored (from revision 1)")
    assert library_title(flow, "s1") == "Broken step"  # not live until published

    page.locator("#working-copy-banner").get_by_role("button", name="Publish").click()
    page.locator("dialog.impact-dialog").get_by_role("button", name="Publish").click()  # the impact dialog
    expect(page.locator(".toast")).to_contain_text("Published:")
    assert library_title(flow, "s1") == "Step 1"
    assert list(flow.revisions.order_by("number").values_list("kind", flat=True)) == [
        "published",
        "published",
        "restored",
        "published",
    ]


def test_two_authors_the_second_save_asks_and_both_choices_work(open_session, flow, teammate):
    alice = open_session("alice")
    bob = open_session("bob")
    for session in (alice, bob):
        session.goto(f"/flows/{flow.pk}/edit/")

    save_title(alice.page, "s1", "Alice's title")
    expect(alice.page.locator(".toast")).to_have_text("Changes saved, not yet published.")

    # Bob saves on top of the version he loaded: he is shown Alice's change, and reloads hers.
    save_title(bob.page, "s2", "Bob's title")
    dialog = bob.page.locator("#conflict-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("alice saved this flow after you opened it.")
    expect(dialog.locator(".changes")).to_contain_text("Alice's title")
    expect(title_of(bob.page, "s2")).to_have_value("Bob's title")  # his work is still there
    bob.screenshot("editor-conflict")
    dialog.get_by_role("button", name="Reload theirs").click()
    expect(dialog).to_be_hidden()
    expect(title_of(bob.page, "s1")).to_have_value("Alice's title")
    expect(title_of(bob.page, "s2")).to_have_value("Step 2")
    assert TreeWorkingCopy.objects.get(tree=flow).tree_structure["steps"][2]["title"] == "Step 2"

    # Bob saves a change of his own; Alice, still on her version, chooses to keep hers.
    save_title(bob.page, "s2", "Bob's second try")
    expect(bob.page.locator(".toast")).to_have_text("Changes saved, not yet published.")

    save_title(alice.page, "s1", "Alice again")
    dialog = alice.page.locator("#conflict-dialog")
    expect(dialog.locator(".changes")).to_contain_text("Bob's second try")
    dialog.get_by_role("button", name="Keep mine and save over it").click()
    expect(alice.page.locator(".toast")).to_have_text(
        "Your version was saved over theirs (recorded in the history)."
    )
    copy = TreeWorkingCopy.objects.get(tree=flow)
    assert [copy.tree_structure["steps"][index]["title"] for index in (1, 2)] == ["Alice again", "Step 2"]
    latest = TreeRevision.objects.filter(tree=flow).order_by("-number").first()
    assert (latest.kind, latest.created_by.username) == ("conflict_overwrite", "alice")
    assert library_title(flow, "s1") == "Step 1"  # nothing published by any of it

    # Alice's page is current again: her next save needs no choice.
    save_title(alice.page, "s2", "Agreed")
    expect(alice.page.locator(".toast")).to_have_text("Changes saved, not yet published.")
    expect(alice.page.locator("#conflict-dialog")).to_be_hidden()
