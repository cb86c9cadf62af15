"""Limits said, not silently applied: counters near the limit, a pasted over-long value kept
and reported, and every error of a save listed on the first try."""

import pytest
from playwright.sync_api import expect

from flows.models import Tree
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def paste(page, locator, text: str) -> None:
    """Puts text into the field the way a paste does (one input event, no per-key limits)."""
    locator.focus()
    page.keyboard.insert_text(text)


def test_the_name_counter_appears_near_the_limit_and_a_paste_is_not_cut(open_session, author):
    tree = TreeFactory(author=author, name="Short", tree_structure=procedural_structure(1))
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    name = page.get_by_label("Name", exact=True)
    counter = page.locator("#flow-name + .limit-counter")
    expect(counter).to_be_hidden()
    name.fill("n" * 243)
    expect(counter).to_have_text("243/255")
    expect(counter).to_be_visible()
    name.fill("")
    paste(page, name, "p" * 5000)
    assert len(name.input_value()) == 5000
    expect(counter).to_have_text("5,000/255 — 4,745 characters too many")
    expect(name).to_have_attribute("aria-invalid", "true")
    alice.screenshot("limits-name-counter")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#form-errors")).to_contain_text(
        "name: Ensure this field has no more than 255 characters."
    )
    assert Tree.objects.get(pk=tree.pk).name == "Short"


def test_a_blank_name_and_an_over_long_step_title_are_listed_together(open_session, author):
    tree = TreeFactory(author=author, name="Keep me", tree_structure=procedural_structure(2))
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    page.get_by_label("Name", exact=True).fill("")
    step = page.locator('[data-node-id="s2"]')
    title = step.get_by_label("Title", exact=True)
    title.fill("")
    paste(page, title, "t" * 5000)
    page.get_by_role("button", name="Publish", exact=True).click()
    errors = page.locator("#form-errors")
    expect(errors).to_contain_text("name: This field may not be blank.")
    expect(step.locator(".node-errors li")).to_have_text(["steps[2].title: must be at most 255 characters"])
    expect(errors).to_contain_text("1 problem in the steps below.")
    alice.screenshot("limits-all-errors-at-once")
    tree.refresh_from_db()
    assert (tree.name, tree.status) == ("Keep me", "draft")


def test_the_library_edit_dialog_counts_the_title(open_session, author):
    from steplibrary.tests.factories import LibraryStepFactory

    entry = LibraryStepFactory(created_by=author, title="Mine")
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/library/#{entry.pk}")
    page.locator("#step-detail").get_by_role("button", name="Edit").click()
    dialog = page.locator("#edit-dialog")
    dialog.get_by_label("Title").fill("e" * 250)
    expect(dialog.locator("#edit-title + .limit-counter")).to_have_text("250/255")
