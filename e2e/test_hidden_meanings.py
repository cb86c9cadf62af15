"""Meanings hover alone used to show: the lock's text on keyboard focus and on tap, a step's
overridden library visibility on its card, and More Options that stays open across redraws."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import ARTIFACTS
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.ui_strings import MANAGED_BY_FLOW as MANAGED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def synced_entry(author):
    tree = TreeFactory(
        author=author, published=True, name="Certificates", tree_structure=procedural_structure(1)
    )
    return tree.library_steps.get()


def test_the_lock_text_is_reachable_by_keyboard_focus(open_session, synced_entry):
    alice = open_session("alice")
    page = alice.page
    alice.goto("/library/")
    page.locator(".step-item").first.click()
    lock = page.locator("#step-detail .lock")
    expect(lock).to_contain_text("Managed by flow")  # a visible short label
    bubble = page.locator("#step-detail .toggletip-bubble")
    expect(bubble).to_be_hidden()
    page.locator("#step-detail .sourced a").focus()
    page.keyboard.press("Tab")
    expect(lock).to_be_focused()
    expect(bubble).to_have_text(MANAGED)
    expect(bubble).to_be_visible()
    expect(lock).to_have_attribute("aria-expanded", "true")
    alice.screenshot("lock-toggletip-focus")
    page.keyboard.press("Escape")
    expect(bubble).to_be_hidden()
    page.keyboard.press("Tab")
    expect(bubble).to_be_hidden()


def test_the_lock_text_opens_on_tap(browser, live_server, synced_entry):
    context = browser.new_context(viewport={"width": 375, "height": 800}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/library/")
        page.locator(".step-item").first.tap()
        lock = page.locator("#step-detail .lock")
        lock.tap()
        bubble = page.locator("#step-detail .toggletip-bubble")
        expect(bubble).to_have_text(MANAGED)
        expect(bubble).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lock-toggletip-tap.png"))
        # Inside the viewport on a phone.
        box = bubble.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    finally:
        context.close()


def test_an_overridden_visibility_shows_on_the_card_and_more_options_stays_open(open_session, author):
    structure = procedural_structure(2)
    structure["steps"][1]["library_visibility"] = "public"
    tree = TreeFactory(author=author, tree_structure=structure)
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    first, second = page.locator('[data-node-id="s1"]'), page.locator('[data-node-id="s2"]')
    expect(first.locator(".visibility-chip")).to_have_text("Library visibility: Public")
    expect(first.locator(".visibility-chip")).to_be_visible()
    expect(second.locator(".visibility-chip")).to_have_count(0)

    second.get_by_text("More Options").click()
    second.get_by_role("button", name="Add command").click()  # a redraw
    options = page.locator('[data-node-id="s2"]').get_by_role("button", name="More Options")
    expect(options).to_have_attribute("aria-expanded", "true")
    select = page.locator('[data-node-id="s2"]').get_by_label("Library Visibility")
    select.select_option(label="Team only")
    expect(page.locator('[data-node-id="s2"] .visibility-chip')).to_have_text("Library visibility: Team only")
    expect(options).to_have_attribute("aria-expanded", "true")
    expect(select).to_be_visible()
    expect(select).to_be_focused()
    alice.screenshot("editor-visibility-chip")
    select.select_option(label="Inherit from flow")
    expect(page.locator('[data-node-id="s2"] .visibility-chip')).to_have_count(0)

    # The same button closes the options, from the keyboard as well.
    options.focus()
    page.keyboard.press("Enter")
    expect(options).to_have_attribute("aria-expanded", "false")
    expect(select).to_be_hidden()
    assert alice.errors == []
