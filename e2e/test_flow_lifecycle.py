"""Deleting and archiving flows from the flows list and the editor, with the impact preview and
a confirmation that names the flow."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import public_flow
from flows.models import Tree, TreeStatus
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from runs.services import session_start
from steplibrary.models import LibraryStep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live(author, outsider):
    tree = public_flow(
        author, name="Rotate certificates", tree_structure=procedural_structure(2), forked_by=outsider
    )
    session_start(tree=tree, user=author)
    return tree


def test_delete_from_the_flows_list_shows_the_preview_and_names_the_flow(open_session, live, author):
    TreeFactory(author=author, name="Keep this one")
    alice = open_session("alice")
    page = alice.page
    alice.goto("/flows/")
    page.get_by_role("button", name="Delete Rotate certificates").click()
    dialog = page.get_by_role("dialog", name="Delete “Rotate certificates”?")
    expect(dialog).to_contain_text(
        "“Rotate certificates” is deleted for everyone, with its history and 1 run"
    )
    retired = dialog.locator(".impact-retired .impact-item")
    expect(retired).to_have_count(2)
    expect(retired.filter(has_text="Step 1")).to_have_text("Step 1 — 1 fork told")
    expect(retired.filter(has_text="Step 2")).to_have_text("Step 2")
    expect(dialog.locator(".impact-summary")).to_have_text("2 steps retired; 1 fork will be told.")
    alice.screenshot("flow-delete-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    assert Tree.objects.filter(pk=live.pk).exists()

    page.get_by_role("button", name="Delete Rotate certificates").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete flow").click()
    expect(page.locator(".toast")).to_have_text("Flow “Rotate certificates” deleted.")
    expect(page.get_by_role("link", name="Rotate certificates")).to_have_count(0)
    expect(page.get_by_role("link", name="Keep this one")).to_be_visible()
    assert not Tree.objects.filter(pk=live.pk).exists()
    assert not LibraryStep.objects.filter(is_flow_synced=True, is_active=True).exists()
    assert alice.dialogs == []


def test_delete_from_the_editor(open_session, live):
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{live.pk}/edit/")
    page.get_by_role("button", name="Delete Rotate certificates").click()
    dialog = page.get_by_role("dialog", name="Delete “Rotate certificates”?")
    expect(dialog.locator(".impact-retired .impact-item")).to_have_count(2)
    dialog.get_by_role("button", name="Delete flow").click()
    page.wait_for_url(re.compile(r"/flows/$"))
    expect(page.locator(".toast")).to_have_text("Flow “Rotate certificates” deleted.")
    assert not Tree.objects.filter(pk=live.pk).exists()


def test_archive_and_unarchive_from_the_flows_list(open_session, live):
    alice = open_session("alice")
    page = alice.page
    alice.goto("/flows/")
    page.get_by_role("button", name="Archive Rotate certificates", exact=True).click()
    dialog = page.get_by_role("dialog", name="Archive “Rotate certificates”?")
    expect(dialog.locator(".impact-retired .impact-item")).to_have_count(2)
    dialog.get_by_role("button", name="Archive").click()
    expect(page.get_by_role("button", name="Unarchive Rotate certificates", exact=True)).to_be_visible()
    expect(
        page.locator(".flow-row", has_text="Rotate certificates").locator(".status-archived")
    ).to_have_text("Archived")
    live.refresh_from_db()
    assert live.status == TreeStatus.ARCHIVED
    assert not LibraryStep.objects.filter(source_tree=live, is_active=True).exists()

    page.get_by_role("button", name="Unarchive Rotate certificates", exact=True).click()
    page.get_by_role("dialog", name="Unarchive “Rotate certificates”?").get_by_role(
        "button", name="Unarchive"
    ).click()
    expect(page.get_by_role("button", name="Archive Rotate certificates", exact=True)).to_be_visible()
    live.refresh_from_db()
    assert live.status == TreeStatus.DRAFT
