"""Large flows in the editor: sections collapse and the outline jumps to one; an edit, an
added step and a move keep every other step's card (its DOM element) as it was; steps far
down a long flow (drawn only when near the screen) behave as those near the top."""

import pytest
from playwright.sync_api import expect

from flows.models import Tree
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = "[...document.querySelectorAll('#step-list .node')]"
TAG_EVERY_CARD = f"() => {CARDS}.forEach((item) => {{ item.keptCard = true; }})"
UNTAGGED_IDS = f"() => {CARDS}.filter((item) => !item.keptCard).map((item) => item.dataset.nodeId)"


def open_long_flow(open_session, author):
    """A 300-step flow in 12 sections of 25 (h1 s1…s25 | h2 s26…s50 | … | end) open in the
    editor, every card drawn: the flow, the session and the step list's cards."""
    tree = TreeFactory(author=author, tree_structure=procedural_structure(300, sections=12))
    alice = open_session("alice")
    alice.goto(f"/flows/{tree.pk}/edit/")
    cards = alice.page.locator("#step-list .node")
    expect(cards).to_have_count(313)
    return tree, alice, cards


def test_a_section_collapses_and_the_outline_jumps_to_a_section(open_session, author):
    # h1 s1 s2 | h2 s3 s4 | h3 s5 s6 | end
    tree = TreeFactory(author=author, tree_structure=procedural_structure(6, sections=3))
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    outline = page.get_by_role("navigation", name="Sections")
    expect(outline.get_by_role("link")).to_have_text(["Section 1", "Section 2", "Section 3"])

    page.get_by_role("button", name="Collapse section Section 2").click()
    expect(page.locator('[data-node-id="s3"]')).to_be_hidden()
    expect(page.locator('[data-node-id="s4"]')).to_be_hidden()
    expect(page.locator('[data-node-id="s5"]')).to_be_visible()
    expect(page.locator('[data-node-id="end"]')).to_be_visible()
    expect(page.locator('[data-node-id="h2"] .section-count')).to_have_text("2 hidden")
    expand = page.get_by_role("button", name="Expand section Section 2")
    expect(expand).to_have_attribute("aria-expanded", "false")
    alice.screenshot("editor-section-collapsed")

    # The outline opens a collapsed section and puts the cursor in its title.
    outline.get_by_role("link", name="Section 2").click()
    expect(page.locator('[data-node-id="s3"]')).to_be_visible()
    expect(page.locator("#h2-title")).to_be_focused()
    page.get_by_role("button", name="Collapse section Section 3").click()
    expect(page.locator('[data-node-id="s6"]')).to_be_hidden()

    # Renaming a section renames its outline entry; collapsed steps are still saved.
    page.locator("#h3-title").fill("Clean up")
    expect(outline.get_by_role("link")).to_have_text(["Section 1", "Section 2", "Clean up"])
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".toast")).to_have_text("Draft saved.")
    saved = [node["id"] for node in Tree.objects.get(pk=tree.pk).tree_structure["steps"]]
    assert saved == ["h1", "s1", "s2", "h2", "s3", "s4", "h3", "s5", "s6", "end"]

    # The section stays collapsed through the save; a step added to it opens it, with the
    # cursor in the new step.
    expect(page.get_by_role("button", name="Expand section Clean up")).to_have_count(1)
    expect(page.locator('[data-node-id="s6"]')).to_be_hidden()
    page.get_by_role("button", name="Add step", exact=True).click()
    expect(page.locator('[data-node-id="s6"]')).to_be_visible()
    expect(page.locator("#step-list .node").nth(-2).get_by_label("Title", exact=True)).to_be_focused()
    assert alice.errors == []


def test_editing_a_step_in_a_300_step_flow_keeps_the_other_cards(open_session, author):
    tree, alice, cards = open_long_flow(open_session, author)
    page = alice.page
    page.evaluate(TAG_EVERY_CARD)

    page.locator("#s150-title").fill("Step 150, edited")
    assert page.evaluate(UNTAGGED_IDS) == []
    card = page.locator('[data-node-id="s150"]')
    expect(card.get_by_role("button", name="Remove step Step 150, edited")).to_have_count(1)

    # A move moves one card; an added step is the only new card; a removal drops only its own.
    page.locator('[data-node-id="s150"] .move-down').click()
    expect(cards.nth(156)).to_have_attribute("data-node-id", "s150")
    assert page.evaluate(UNTAGGED_IDS) == []
    # Page-wide role queries compute the names of every card's buttons: in a 300-step flow
    # they take seconds, so the page's own buttons are found by id here.
    page.locator(".add-bar").get_by_role("button", name="Add step", exact=True).click()
    expect(cards).to_have_count(314)
    new_ids = page.evaluate(UNTAGGED_IDS)
    assert len(new_ids) == 1 and new_ids[0].startswith("s-")
    page.locator('[data-node-id="s10"]').get_by_role("button", name="Remove step Step 10").click()
    expect(cards).to_have_count(313)
    assert page.evaluate(UNTAGGED_IDS) == new_ids

    # The save of 313 nodes may take longer than an expectation's 5 s on a busy machine.
    with page.expect_response(lambda response: response.request.method == "PATCH", timeout=30_000):
        page.locator("#save-button").click()
    expect(page.locator(".toast")).to_have_text("Draft saved.")
    steps = Tree.objects.get(pk=tree.pk).tree_structure["steps"]
    assert len(steps) == 313 and "s10" not in [node["id"] for node in steps]
    assert next(node for node in steps if node["id"] == "s150")["title"] == "Step 150, edited"
    assert alice.errors == []


def test_steps_far_down_a_long_flow_behave_as_near_the_top(open_session, author):
    # 300 steps in 12 sections of 25: h1 s1…s25 | h2 s26…s50 | … | h12 s276…s300 | end.
    _, alice, cards = open_long_flow(open_session, author)
    page = alice.page
    # Assistive technology still meets one list of every section, step and end.
    expect(page.locator("#step-list")).to_have_attribute("role", "list")
    expect(page.locator("#step-list > * > [role=listitem]")).to_have_count(313)

    # The outline reaches the last section; its title takes the cursor, on screen.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Section 12").click()
    title = page.locator("#h12-title")
    expect(title).to_be_focused()
    expect(title).to_be_in_viewport()

    # The last step of a section moved down passes the next header and joins that section:
    # collapsing that section hides it, and the cursor stays on its Move down button.
    page.locator('[data-node-id="s275"] .move-down').click()
    expect(cards.nth(285)).to_have_attribute("data-node-id", "h12")
    expect(cards.nth(286)).to_have_attribute("data-node-id", "s275")
    expect(page.locator('[data-node-id="s275"] .move-down')).to_be_focused()
    page.locator('[data-node-id="h12"]').get_by_role("button", name="Collapse section Section 12").click()
    expect(page.locator('[data-node-id="s275"]')).to_be_hidden()
    expect(page.locator('[data-node-id="s274"]')).to_be_visible()
    expect(page.locator('[data-node-id="h12"] .section-count')).to_have_text("26 hidden")

    # Removing a header gives its steps to the section before it.
    page.locator('[data-node-id="h2"]').get_by_role("button", name="Remove section Section 2").click()
    expect(cards).to_have_count(312)
    page.locator('[data-node-id="h1"]').get_by_role("button", name="Collapse section Section 1").click()
    expect(page.locator('[data-node-id="s26"]')).to_be_hidden()
    expect(page.locator('[data-node-id="h1"] .section-count')).to_have_text("50 hidden")

    # A step added at the end of the flow is on screen with the cursor in its title.
    page.locator(".add-bar").get_by_role("button", name="Add step", exact=True).click()
    expect(cards).to_have_count(313)
    new_title = cards.nth(-2).get_by_label("Title", exact=True)
    expect(new_title).to_be_focused()
    expect(new_title).to_be_in_viewport()
    assert alice.errors == []
