"""Near-duplicates in Chromium: publishing a step very like a library entry says so first; the
step says what it looks like, and "Insert that instead" links it to that entry. The library
then shows the two copies as one card that is also in the other flow."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import public_flow
from flows.models import Tree
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STOP_NGINX = {
    "id": "stop",
    "type": "procedure_step",
    "title": "Stop nginx",
    "description": "Stop nginx on web-01 before the change.",
    "expected_outcome": "nginx reports inactive",
    "commands": [{"language": "bash", "code": "sudo systemctl stop nginx"}],
}
PARAPHRASE = {
    **STOP_NGINX,
    "id": "s1",
    "title": "Stop the nginx service",
    "description": "Stop nginx on web-02 before the change.",
}


@pytest.mark.postgresql  # "very similar" is pg_trgm similarity; SQLite only matches equal titles
def test_insert_the_suggested_entry_instead_of_publishing_a_copy(open_session, author, teammate):
    public_flow(author, name="Rotate certs", tree_structure={"steps": [STOP_NGINX]})
    entry = LibraryStep.objects.get(title="Stop nginx")
    LibraryStep.objects.filter(pk=entry.pk).update(usage_count=40, rating_avg=4.6, rating_count=5)
    draft = TreeFactory(author=teammate, name="Web maintenance", tree_structure={"steps": [PARAPHRASE]})

    bob = open_session("bob")
    page = bob.page
    bob.goto(f"/flows/{draft.pk}/edit/")
    # The publish dialog says a step looks like an entry already in the library; Cancel.
    page.get_by_role("button", name="Publish").click()
    dialog = page.locator("dialog.impact-dialog")
    warning = dialog.locator(".impact-note")
    expect(warning).to_contain_text("1 step looks like an entry already in the library")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    note = page.locator('.node-similar[data-node-id="s1"]')
    expect(note).to_contain_text("looks like 'Stop nginx' (used 40×, ★4.6) — insert that instead?")
    assert Tree.objects.get(pk=draft.pk).status == "draft"
    bob.screenshot("editor-similar-step")

    note.get_by_role("button", name="Insert that instead").click()
    expect(note).to_have_count(0)
    step = page.locator('[data-node-id="s1"]')
    expect(step.get_by_label("Title", exact=True)).to_have_value("Stop nginx")
    expect(step.get_by_label("Description")).to_have_value("Stop nginx on web-01 before the change.")

    page.get_by_role("button", name="Publish").click()
    dialog.get_by_role("button", name="Publish").click()  # the impact dialog: one step added
    expect(page.locator(".toast").last).to_contain_text("Published")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.tree_structure["steps"][0]["library_step_id"] == str(entry.pk)

    # The copy the publish made is one card with its twin, and the panel names the other flow.
    bob.goto("/library/?search=nginx")
    cards = page.locator(".step-item")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Also in 1 other flow")
    cards.first.click()
    expect(page.locator("#step-detail .also-in")).to_contain_text("Web maintenance")
    bob.screenshot("library-also-in")
