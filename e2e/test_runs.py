"""Live sessions in a real Chromium: start a run with variables (one text, one secret), see
and copy the filled command, tick, fail with a note, insert an ad-hoc step, reload and resume,
a teammate sees the ticks and joins (entering the secret in their own tab), finish resolved."""

import logging
import re

import pytest
from playwright.sync_api import expect

from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from runs.models import Session, SessionEvent
from runs.tests.factories import text_in_database
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Teammates' ticks arrive by polling every 2.5 s; allow a few polls.
POLLED = 8000


def step_card(page, title: str):
    return page.locator(".run-step", has=page.locator(".step-title", has_text=re.compile(f"^{title}$")))


SECRET = "tok-9f8e7d6c5b4a"
# A value that would run script if it were ever inserted as markup.
HOSTILE_HOST = "<img src=x onerror=alert(1)>"
COMMAND = "ssh {{host}} \"docker ps --format '{{.Names}}'\" --token {{token}} {{ item }}"
# The browser's clipboard is recorded here, so the test reads exactly what Copy copied.
RECORD_CLIPBOARD = "navigator.clipboard.writeText = async (text) => { window.copiedText = text; };"


def flow_with_variables(author):
    structure = procedural_structure(3)
    structure["steps"][1]["commands"] = [{"code": COMMAND, "language": "bash", "label": "Connect"}]
    structure["variables"] = [
        {"name": "host", "label": "Host", "kind": "text", "required": True},
        {"name": "token", "label": "API token", "kind": "secret", "required": True},
    ]
    return TreeFactory(author=author, published=True, name="Rotate certificates", tree_structure=structure)


def command_code(page, title: str):
    return step_card(page, title).locator(".command code").first


def test_a_run_is_saved_shared_resumed_and_finished(open_session, author, teammate, outsider, caplog):
    caplog.set_level(logging.DEBUG)
    tree = flow_with_variables(author)
    extra = LibraryStepFactory(created_by=author, title="Flush DNS", public=True)
    # Both sign in first: later, alice's run page polls while bob opens the run.
    alice = open_session("alice")
    bob = open_session("bob")
    page = alice.page
    alice.context.add_init_script(RECORD_CLIPBOARD)

    # Start a run from the flow's page: the form asks for the flow's variables.
    alice.goto(f"/flows/{tree.pk}/")
    page.get_by_role("button", name="Start run").click()
    page.get_by_label("Title or ticket").fill("INC-42")
    page.get_by_label("Host").fill(HOSTILE_HOST)
    expect(page.get_by_label("API token")).to_have_attribute("type", "password")
    page.get_by_label("API token").fill(SECRET)
    page.locator("#start-run-form").get_by_role("button", name="Start run").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}/$"))
    run_url = page.url
    session = Session.objects.get()
    assert (session.title, session.started_by) == ("INC-42", author)
    assert session.variables == {"host": HOSTILE_HOST}  # the secret stayed in the browser
    expect(page.get_by_role("heading", name="INC-42")).to_be_visible()

    # The command is shown filled in: the value as text in a mark naming the variable, the
    # secret masked, other braces as written; Copy copies the real filled command.
    code = command_code(page, "Step 1")
    filled = COMMAND.replace("{{host}}", HOSTILE_HOST).replace("{{token}}", SECRET)
    expect(code).to_have_text(filled.replace(SECRET, "••••••"))
    expect(code.locator("mark.var-filled").first).to_have_text(HOSTILE_HOST)
    expect(code.locator("mark.var-filled").first).to_have_attribute("title", re.compile("Host"))
    expect(code.locator("mark.var-secret")).to_have_text("••••••")
    expect(page.locator(".command img")).to_have_count(0)
    assert SECRET not in page.content()
    step_card(page, "Step 1").get_by_role("button", name="Copy command Connect").click()
    assert page.evaluate("window.copiedText") == filled
    alice.screenshot("run-variables")

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

    # Reload: everything is still there, the secret too (this tab kept it).
    page.reload()
    expect(page.locator("#progress")).to_have_text("2 of 4 steps done")
    expect(command_code(page, "Step 1").locator("mark.var-secret")).to_have_text("••••••")
    expect(page.locator("#run-secrets")).to_be_hidden()
    expect(step_card(page, "Step 2")).to_contain_text("Disk is full")
    expect(step_card(page, "Flush DNS").locator(".badge.outcome-done")).to_be_visible()
    expect(page.locator("#timeline li")).to_have_count(4)

    # A teammate opens the same URL, sees the ticks, joins, and sees alice's next tick. The
    # secret never reached the server: their tab asks for it before filling it in.
    bob.page.goto(run_url)
    expect(step_card(bob.page, "Step 1").locator(".badge.outcome-done")).to_be_visible()
    expect(command_code(bob.page, "Step 1").locator("mark.var-missing")).to_have_text("{{token}}")
    bob.page.locator("#run-secrets").get_by_label("API token").fill(SECRET)
    bob.page.get_by_role("button", name="Use these values").click()
    expect(command_code(bob.page, "Step 1").locator("mark.var-secret")).to_have_text("••••••")
    expect(bob.page.locator("#run-secrets")).to_be_hidden()
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
    # The library entry keeps its placeholders, highlighted.
    page.locator(".step-item", has_text="Step 1").first.click()
    expect(page.locator("#step-detail .command code")).to_have_text(COMMAND)
    expect(page.locator("#step-detail mark.placeholder")).to_have_text(["{{host}}", "{{token}}"])

    # The secret was typed in two tabs and used for the whole run: it is nowhere on the server.
    assert text_in_database(HOSTILE_HOST)  # the search finds what is stored…
    assert text_in_database(SECRET) == []  # …and not the secret
    assert "/api/sessions/" in caplog.text and SECRET not in caplog.text
    assert alice.dialogs == [] and bob.dialogs == []  # the hostile value never ran

    response = bob.page.context.request.get(run_url)
    assert response.status == 200
    carol = open_session("carol")
    response = carol.page.goto(run_url)
    assert response.status == 404


def test_a_troubleshooting_run_follows_the_answers(open_session, author):
    tree = TreeFactory(author=author, published=True, troubleshooting=True)
    alice = open_session("alice")
    page = alice.page
    alice.start_run(tree)
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
