"""What a reload would lose is asked about first, and ad-hoc steps look unlike flow steps."""

import pytest
from playwright.sync_api import expect

from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.tests.factories import LibraryStepFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Asks the page what the browser would do on reload: True when it would ask to stay.
WOULD_WARN = """() => {
  const event = new Event("beforeunload", { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""


def test_navigate_warns_once_something_is_ticked(open_session, author):
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/")
    assert page.evaluate(WOULD_WARN) is False
    page.get_by_label("Step 1").check()
    assert page.evaluate(WOULD_WARN) is True
    page.get_by_role("button", name="Start over").click()
    assert page.evaluate(WOULD_WARN) is False


def test_a_saved_run_warns_only_about_what_is_not_saved(open_session, author):
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
    LibraryStepFactory(created_by=author, title="Flush DNS", public=True)
    alice = open_session("alice")
    page = alice.page
    alice.start_run(tree)
    page.get_by_role("button", name="Done: Step 1").click()
    expect(page.locator("#progress")).to_have_text("1 of 2 steps done")
    assert page.evaluate(WOULD_WARN) is False  # the tick is saved

    page.get_by_role("button", name="Failed: Step 2").click()
    assert page.evaluate(WOULD_WARN) is False  # nothing typed yet
    page.get_by_label("What went wrong?").fill("Disk is full")
    assert page.evaluate(WOULD_WARN) is True
    page.get_by_role("button", name="Record failure").click()
    expect(page.locator(".badge.outcome-failed")).to_have_text("Failed")
    assert page.evaluate(WOULD_WARN) is False

    page.get_by_role("button", name="Insert ad-hoc step from library").click()
    page.get_by_label("Search the library").fill("flush")
    page.locator("#picker-form").get_by_role("button", name="Search").click()
    page.locator(".picker-row", has_text="Flush DNS").get_by_role("button", name="Insert").click()
    adhoc = page.locator(".chip-adhoc")
    expect(adhoc).to_have_text("Ad-hoc")
    style = "node => { const s = getComputedStyle(node); return [s.backgroundColor, s.borderStyle]; }"
    # A From Flow chip drawn the same way, for comparison.
    flow_like = page.evaluate(
        """() => {
          const probe = document.createElement("span");
          probe.className = "badge chip-flow";
          document.body.append(probe);
          const s = getComputedStyle(probe);
          const out = [s.backgroundColor, s.borderStyle];
          probe.remove();
          return out;
        }"""
    )
    assert adhoc.evaluate(style) != flow_like
    alice.screenshot("run-adhoc-chip")

    page.get_by_role("button", name="Finish run").click()
    page.get_by_label("Summary").fill("Half done")
    assert page.evaluate(WOULD_WARN) is True
