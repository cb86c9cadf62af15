"""Live sessions in a real Chromium: start a run, tick, fail with a note, insert an ad-hoc
step, reload and resume, a teammate sees the ticks and joins, finish resolved."""

import re

import pytest
from playwright.sync_api import expect

from flows.tests.factories import TreeFactory, procedural_structure
from runs.models import Session, SessionEvent
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Teammates' ticks arrive by polling every 2.5 s; allow a few polls.
POLLED = 8000


def step_card(page, title: str):
    return page.locator(".run-step", has=page.locator(".step-title", has_text=re.compile(f"^{title}$")))


def test_a_run_is_saved_shared_resumed_and_finished(open_session, author, teammate, outsider):
    tree = TreeFactory(
        author=author, published=True, name="Rotate certificates", tree_structure=procedural_structure(3)
    )
    extra = LibraryStepFactory(created_by=author, title="Flush DNS", public=True)
    # Both sign in first: later, alice's run page polls while bob opens the run.
    alice = open_session("alice")
    bob = open_session("bob")
    page = alice.page

    # Start a run from the flow's page.
    alice.goto(f"/flows/{tree.pk}/")
    page.get_by_role("button", name="Start run").click()
    page.get_by_label("Title or ticket").fill("INC-42")
    page.locator("#start-run-form").get_by_role("button", name="Start run").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}/$"))
    run_url = page.url
    session = Session.objects.get()
    assert (session.title, session.started_by) == ("INC-42", author)
    expect(page.get_by_role("heading", name="INC-42")).to_be_visible()

    # Tick, fail with a note, insert an ad-hoc step.
    page.get_by_role("button", name="Done: Step 1").click()
    expect(step_card(page, "Step 1").locator(".badge.outcome-done")).to_have_text("Done")
    expect(page.locator("#progress")).to_have_text("1 of 3 steps done")
    page.get_by_role("button", name="Failed: Step 2").click()
    page.get_by_label("What went wrong?").fill("Disk is full")
    page.get_by_role("button", name="Record failure").click()
    expect(step_card(page, "Step 2").locator(".badge.outcome-failed")).to_have_text("Failed")
    expect(step_card(page, "Step 2")).to_contain_text("Disk is full")
    page.get_by_role("button", name="Insert ad-hoc step from library").click()
    page.get_by_label("Search the library").fill("flush")
    page.locator("#picker-form").get_by_role("button", name="Search").click()
    page.locator(".picker-row", has_text="Flush DNS").get_by_role("button", name="Insert").click()
    expect(step_card(page, "Flush DNS").locator(".chip-adhoc")).to_have_text("Ad-hoc")
    page.get_by_role("button", name="Done: Flush DNS").click()
    expect(step_card(page, "Flush DNS").locator(".badge.outcome-done")).to_be_visible()
    assert LibraryStep.objects.get(pk=extra.pk).usage_count == 1

    # Reload: everything is still there.
    page.reload()
    expect(page.locator("#progress")).to_have_text("2 of 4 steps done")
    expect(step_card(page, "Step 2")).to_contain_text("Disk is full")
    expect(step_card(page, "Flush DNS").locator(".badge.outcome-done")).to_be_visible()
    expect(page.locator("#timeline li")).to_have_count(4)

    # A teammate opens the same URL, sees the ticks, joins, and sees alice's next tick.
    bob.page.goto(run_url)
    expect(step_card(bob.page, "Step 1").locator(".badge.outcome-done")).to_be_visible()
    expect(bob.page.get_by_role("button", name="Done: Step 3")).to_have_count(0)
    bob.page.get_by_role("button", name="Join this run").click()
    expect(bob.page.locator("#participants")).to_have_text("Participants: alice, bob")
    page.get_by_role("button", name="Done: Step 3").click()
    expect(step_card(bob.page, "Step 3").locator(".badge.outcome-done")).to_be_visible(timeout=POLLED)
    bob.page.get_by_role("button", name="Skip: Step 2").click()
    expect(step_card(page, "Step 2").locator(".badge.outcome-skipped")).to_be_visible(timeout=POLLED)
    assert SessionEvent.objects.filter(session=session).count() == 5

    # Finish resolved: read-only for both.
    page.get_by_role("button", name="Finish run").click()
    page.get_by_label("Resolved", exact=True).check()
    page.get_by_label("Summary").fill("Certificates rotated.")
    page.locator("#finish-form").get_by_role("button", name="Finish run").click()
    expect(page.locator("#finished-banner")).to_contain_text("This run is resolved: Certificates rotated.")
    expect(page.get_by_role("button", name="Done: Step 1")).to_have_count(0)
    expect(bob.page.locator("#finished-banner")).to_be_visible(timeout=POLLED)
    expect(bob.page.get_by_role("button", name="Skip: Step 1")).to_have_count(0)
    session.refresh_from_db()
    assert (session.status, session.summary) == ("resolved", "Certificates rotated.")
    alice.screenshot("run-finished")

    # "My runs" and the flow's "Runs" list it; another team cannot open it.
    page.get_by_role("link", name="My runs").click()
    expect(page.get_by_role("link", name="INC-42")).to_be_visible()
    alice.goto(f"/flows/{tree.pk}/")
    page.get_by_role("link", name="Runs", exact=True).click()
    expect(page.get_by_role("heading", name="Runs of Rotate certificates")).to_be_visible()
    expect(page.get_by_role("link", name="INC-42")).to_be_visible()
    # The library learned from the run: the steps that were done worked in 1 of 1 runs.
    alice.goto("/library/")
    page.locator(".step-item", has_text="Step 1").first.click()
    expect(page.locator("#step-detail .outcome-line")).to_have_text("Worked in 1 of 1 runs")
    page.locator(".step-item", has_text="Flush DNS").first.click()
    expect(page.locator("#step-detail .outcome-line")).to_have_text("Worked in 1 of 1 runs")
    step_two = LibraryStep.objects.get(source_tree=tree, source_node_id="s2")
    assert (step_two.run_count, step_two.usage_count) == (0, 1)  # failed, then skipped: no run
    page.locator(".step-item", has_text="Step 2").first.click()
    expect(page.locator("#step-detail .outcome-line")).to_have_count(0)

    response = bob.page.context.request.get(run_url)
    assert response.status == 200
    carol = open_session("carol")
    response = carol.page.goto(run_url)
    assert response.status == 404


def test_a_troubleshooting_run_follows_the_answers(open_session, author):
    tree = TreeFactory(author=author, published=True, troubleshooting=True)
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/")
    page.get_by_role("button", name="Start run").click()
    page.locator("#start-run-form").get_by_role("button", name="Start run").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}/$"))
    page.get_by_role("group", name="Answers").get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", name="Restart the VPN service")).to_be_visible()
    page.get_by_role("button", name="Done, continue").click()
    page.get_by_role("group", name="Answers").get_by_role("button", name="Yes").click()
    expect(page.get_by_role("heading", name="Connection restored")).to_be_visible()
    page.get_by_role("button", name="Mark solved").click()
    expect(page.locator(".current .badge.outcome-done")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Connection restored")).to_be_visible()
    expect(page.locator(".trail li")).to_have_count(3)
    events = list(SessionEvent.objects.values_list("node_id", "next_node_id"))
    assert events == [("q1", "a1"), ("a1", "q2"), ("q2", "z1"), ("z1", None)]
