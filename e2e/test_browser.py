"""End-to-end stories in a real Chromium: authoring, the library, forking, navigating, escaping."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import public_flow
from flows.models import Tree
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, SecretAllowance
from steplibrary.tests.factories import LibraryStepFactory
from steplibrary.ui_strings import MANAGED_BY_FLOW as MANAGED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<img src=x onerror=alert(1)>"


def add_node(page, button: str, label: str, title: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.locator("#step-list .node").last.get_by_label(label, exact=True).fill(title)


def test_author_builds_publishes_and_the_library_shows_it(open_session, author, outsider):
    alice = open_session("alice")
    page = alice.page
    alice.goto("/flows/")
    page.locator("summary", has_text="New flow").click()
    page.get_by_label("Name", exact=True).fill("Web tier certificates")
    page.get_by_label("Type", exact=True).select_option("procedural")
    page.get_by_role("button", name="Create and edit").click()
    page.wait_for_url(re.compile(r"/edit/$"))

    add_node(page, "Add section", "Section title", "Preparation")
    add_node(page, "Add step", "Title", "Check the expiry date")
    add_node(page, "Add step", "Title", "Stop nginx")
    add_node(page, "Add section", "Section title", "Rotation")
    add_node(page, "Add step", "Title", "Install the certificate")
    stop = page.locator("#step-list .node").nth(2)
    stop.get_by_text("More Options").click()
    stop.get_by_label("Library Visibility").select_option(label="Public")
    alice.screenshot("editor-more-options")

    page.get_by_role("button", name="Publish").click()
    impact = page.get_by_role("dialog", name="Publish “Web tier certificates”?")
    expect(impact.locator(".impact-added .impact-item")).to_have_text(
        ["Check the expiry date", "Stop nginx", "Install the certificate"]
    )
    impact.get_by_role("button", name="Publish").click()
    expect(page.locator(".toast")).to_contain_text("3 steps added to the library, 0 updated, 0 removed")
    expect(page.locator("#status-badge")).to_have_text("Published")

    alice.goto("/library/")
    chips = page.locator(".step-item .chip-flow")
    expect(chips).to_have_count(3)
    expect(chips.first).to_have_text("From Flow · Web tier certificates")
    page.locator(".step-item", has_text="Stop nginx").click()
    detail = page.locator("#step-detail")
    expect(detail.get_by_text("Sourced from:")).to_be_visible()
    expect(detail.get_by_role("link", name="Web tier certificates")).to_be_visible()
    lock = detail.locator(".lock")
    expect(lock).to_have_attribute("title", MANAGED)
    expect(detail.get_by_role("button", name="Edit")).to_have_count(0)
    alice.screenshot("library")

    carol = open_session("carol")
    carol.goto("/library/")
    items = carol.page.locator(".step-item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Stop nginx")
    # A public step of a team-only flow: another team sees the chip without the flow's name.
    expect(items.first.locator(".chip-flow")).to_have_text("From Flow")
    items.first.click()
    carol_detail = carol.page.locator("#step-detail")
    expect(carol_detail.locator(".chip-flow")).to_have_text("From Flow")
    expect(carol_detail.get_by_text("Sourced from:")).to_have_count(0)
    expect(carol_detail.get_by_text("Web tier certificates")).to_have_count(0)


def test_another_team_forks_a_public_step_and_edits_the_copy(open_session, author, outsider):
    structure = procedural_structure(2)
    structure["steps"][1]["library_visibility"] = "public"
    TreeFactory(author=author, published=True, name="Shared flow", tree_structure=structure)
    original = LibraryStep.objects.get(source_node_id="s1")

    carol = open_session("carol")
    page = carol.page
    carol.goto("/library/")
    page.locator(".step-item").first.focus()
    page.keyboard.press("Enter")  # the list is usable from the keyboard
    expect(page.locator("#step-detail h2")).to_have_text("Step 1")
    page.get_by_role("button", name="Fork (Save to Library)").click()
    dialog = page.locator("#edit-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Title").fill("My own stop step")
    dialog.get_by_label("Instructions").fill("Stop it our way.")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator(".toast")).to_have_text("Saved.")
    expect(page.locator("#step-detail h2")).to_have_text("My own stop step")
    expect(page.locator("#step-detail").get_by_role("button", name="Edit")).to_be_visible()

    fork = LibraryStep.objects.get(forked_from=original)
    assert fork.created_by == outsider
    assert (fork.title, fork.content["instructions"]) == ("My own stop step", "Stop it our way.")
    assert fork.is_flow_synced is False and fork.source_tree is None
    original.refresh_from_db()
    assert original.title == "Step 1"


def test_library_visibility_select_only_on_steps_and_inherit_removes_the_key(open_session, author):
    structure = procedural_structure(2, sections=2)
    structure["steps"][1]["library_visibility"] = "team"
    tree = TreeFactory(author=author, tree_structure=structure)
    troubleshooting = TreeFactory(author=author, troubleshooting=True)

    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    # More Options (and the select inside) are built when opened.
    expect(page.locator("[data-node-type=procedure_step] .more-options")).to_have_count(2)
    expect(page.locator("[data-node-type=section_header] .more-options")).to_have_count(0)
    expect(page.locator("[data-node-type=procedure_end] .more-options")).to_have_count(0)
    for step in page.locator("[data-node-type=procedure_step]").all():
        step.get_by_text("More Options").click()
    expect(page.locator("[data-node-type=procedure_step] .library-visibility")).to_have_count(2)
    expect(page.locator(".library-visibility")).to_have_count(2)
    first_step = page.locator("[data-node-type=procedure_step]").first
    expect(first_step.get_by_label("Library Visibility")).to_have_value("team")
    expect(first_step.locator("option:checked")).to_have_text("Team only")

    first_step.get_by_label("Library Visibility").select_option(label="Inherit from flow")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".toast")).to_have_text("Draft saved.")
    saved = page.request.get(f"{alice.base}/api/trees/{tree.pk}/").json()
    node = next(step for step in saved["tree_structure"]["steps"] if step["id"] == "s1")
    assert "library_visibility" not in node

    alice.goto(f"/flows/{troubleshooting.pk}/edit/")
    expect(page.locator(".node")).to_have_count(6)
    expect(page.get_by_text("Library Visibility")).to_have_count(0)
    expect(page.get_by_text("More Options")).to_have_count(0)


def test_validation_errors_show_next_to_their_node(open_session, author):
    tree = TreeFactory(author=author, tree_structure=procedural_structure(2))
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    second = page.locator("[data-node-type=procedure_step]").nth(1)
    second.get_by_label("Title", exact=True).fill("")
    page.get_by_role("button", name="Publish").click()
    expect(second.locator(".node-errors")).to_contain_text("a title is required to publish")
    assert Tree.objects.get(pk=tree.pk).status == "draft"


def test_a_troubleshooting_tree_is_walked_to_a_solution(open_session, author):
    tree = TreeFactory(author=author, troubleshooting=True, published=True, name="VPN help")
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/")
    expect(page.locator(".current h3")).to_have_text("Does the VPN client connect?")
    page.get_by_role("button", name="No").click()
    expect(page.locator(".current h3")).to_have_text("Restart the VPN service")
    page.get_by_role("button", name="Done, continue").click()
    expect(page.locator(".current h3")).to_have_text("Does it connect now?")
    page.get_by_role("button", name="← Back").click()
    expect(page.locator(".current h3")).to_have_text("Restart the VPN service")
    page.get_by_role("button", name="Done, continue").click()
    page.get_by_role("button", name="Yes").click()
    expect(page.locator(".current h3")).to_have_text("Connection restored")
    expect(page.get_by_text("Solved.")).to_be_visible()
    alice.screenshot("navigate-troubleshooting")


def test_a_procedural_run_checks_off_steps_and_takes_an_ad_hoc_step(open_session, author):
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
    extra = LibraryStepFactory(created_by=author, title="Drain the load balancer", public=True)
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/")
    page.get_by_label("Step 1").check()
    expect(page.locator("#progress")).to_have_text("1 of 2 steps done")
    uses = []  # this walk-through is not saved: only a live session's insert counts as a use
    page.on("request", lambda request: request.url.endswith("/use/") and uses.append(request.url))
    page.get_by_role("button", name="Insert ad-hoc step from library").click()
    page.get_by_label("Search the library").fill("drain")
    page.locator("#picker-form").get_by_role("button", name="Search").click()
    page.locator(".picker-row", has_text="Drain the load balancer").get_by_role(
        "button", name="Insert"
    ).click()
    expect(page.get_by_label("Drain the load balancer")).to_be_visible()
    expect(page.locator("#progress")).to_have_text("1 of 3 steps done")
    alice.screenshot("navigate-procedural")
    page.wait_for_load_state("networkidle")
    extra.refresh_from_db()
    assert uses == [] and extra.usage_count == 0


def test_inserting_from_the_library_in_the_editor_copies_the_entry(open_session, author):
    tree = TreeFactory(author=author, tree_structure=procedural_structure(1))
    LibraryStepFactory(
        created_by=author,
        title="Flush DNS",
        content={
            "instructions": "Flush the resolver cache.",
            "help_text": "No output",
            "commands": [{"label": "Flush", "command": "resolvectl flush-caches", "command_type": "bash"}],
            "group_label": None,
        },
    )
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    page.get_by_role("button", name="Insert from library").click()
    page.get_by_label("Search the library").fill("flush")
    page.locator("#picker-form").get_by_role("button", name="Search").click()
    page.locator(".picker-row", has_text="Flush DNS").get_by_role("button", name="Insert").click()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".toast")).to_have_text("Draft saved.")
    steps = Tree.objects.get(pk=tree.pk).tree_structure["steps"]
    inserted = steps[-2]  # before the end node
    assert inserted["title"] == "Flush DNS"
    assert inserted["description"] == "Flush the resolver cache."
    assert inserted["expected_outcome"] == "No output"
    assert inserted["commands"] == [{"code": "resolvectl flush-caches", "language": "bash", "label": "Flush"}]
    assert steps[-1]["type"] == "procedure_end"


def test_user_content_renders_as_text_everywhere(open_session, author):
    structure = {"steps": [{"id": "x", "type": "procedure_step", "title": XSS, "description": XSS}]}
    tree = TreeFactory(author=author, published=True, name=XSS, tree_structure=structure)
    alice = open_session("alice")
    page = alice.page
    for path in ("/library/", "/flows/", f"/flows/{tree.pk}/", f"/flows/{tree.pk}/edit/"):
        alice.goto(path)
        if path == "/library/":
            page.locator(".step-item").first.click()
            expect(page.locator("#step-detail h2")).to_have_text(XSS)
        expect(page.get_by_text(XSS).first).to_be_visible()
        assert page.locator("img[src=x]").count() == 0
    assert alice.dialogs == []


@pytest.mark.parametrize("width", [375, 1440])
def test_pages_fit_small_and_large_screens(open_session, author, width):
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(3))
    alice = open_session("alice", width=width)
    for path in ("/library/", "/flows/", f"/flows/{tree.pk}/", f"/flows/{tree.pk}/edit/"):
        alice.goto(path)
        overflow = alice.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        expect(alice.page.locator("h1")).to_be_visible()


def test_source_changed_view_diff_accept(open_session, author, outsider):
    public_flow(author, name="Shared runbook", tree_structure=procedural_structure(1))
    source = LibraryStep.objects.get(source_node_id="s1")
    from steplibrary.services import step_fork

    fork = step_fork(step=source, user=outsider, title="Carol's copy")

    alice = open_session("alice")
    alice.goto(f"/flows/{source.source_tree_id}/edit/")
    alice.page.locator("[data-node-type=procedure_step]").first.get_by_label("Title", exact=True).fill(
        "Step 1, safer"
    )
    alice.page.get_by_role("button", name="Save changes").click()
    expect(alice.page.locator("#working-copy-banner")).to_contain_text("Unpublished changes")
    alice.page.locator("#working-copy-banner").get_by_role("button", name="Publish").click()
    impact = alice.page.locator("dialog.impact-dialog")
    expect(impact.locator(".impact-summary")).to_have_text("1 step changes; 1 fork will be told.")
    impact.get_by_role("button", name="Publish").click()
    expect(alice.page.locator(".toast")).to_contain_text("Published: 0 steps added to the library, 1 updated")

    carol = open_session("carol")
    page = carol.page
    expect(page.locator(".count-badge")).to_have_text("1")
    carol.goto("/library/?mine=true")
    item = page.locator(".step-item", has_text="Carol's copy")
    expect(item.locator(".upstream-badge")).to_have_text("Source changed")
    item.click()
    banner = page.locator(".upstream")
    banner.get_by_role("button", name="Accept").click()  # a conflict needs a choice first
    expect(page.locator(".toast")).to_have_text("Choose mine or theirs for: Title.")
    banner.get_by_role("button", name="View changes").click()
    expect(banner.locator(".changes")).to_contain_text("Step 1, safer")
    # Both changed the title: the three columns, then the owner's choice.
    row = banner.locator(".merge-table tr[data-field=title]")
    expect(row.locator("td")).to_have_text(
        [re.compile("^Step 1$"), re.compile("Carol's copy"), re.compile("Step 1, safer")]
    )
    expect(banner.locator(".merge-table tbody tr")).to_have_count(1)
    carol.screenshot("fork-upstream-merge")
    row.get_by_label("Take theirs").check()
    banner.get_by_role("button", name="Accept").click()
    expect(page.locator(".toast")).to_have_text("Source changes taken.")
    expect(page.locator("#step-detail h2")).to_have_text("Step 1, safer")
    expect(page.locator(".upstream")).to_have_count(0)
    expect(page.locator(".usage-line")).to_have_text("In 0 other flows · 0 forks")
    expect(page.locator(".history .revisions li")).to_have_count(2)
    fork.refresh_from_db()
    assert fork.title == "Step 1, safer" and fork.forked_from_revision == 2

    carol.goto("/updates/")
    expect(page.get_by_text('"Step 1, safer" changed (flow "Shared runbook")')).to_be_visible()


def test_a_fork_keeps_its_own_change_and_restores_an_earlier_revision(open_session, author, outsider):
    tree = TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(1))
    source = LibraryStep.objects.get(source_tree=tree, source_node_id="s1")
    from steplibrary.services import step_fork, step_update

    fork = step_fork(step=source, user=outsider)
    step_update(step=fork, user=outsider, title="Carol's wording")
    tree.tree_structure["steps"][1]["description"] = "Source's better instructions"
    tree.save()

    carol = open_session("carol")
    page = carol.page
    carol.goto(f"/library/?mine=true#{fork.pk}")
    banner = page.locator(".upstream")
    banner.get_by_role("button", name="View changes").click()
    expect(banner).to_contain_text("No conflicts")
    banner.get_by_role("button", name="Accept").click()
    expect(page.locator(".toast")).to_have_text("Source changes taken.")
    detail = page.locator("#step-detail")
    expect(detail.locator("h2")).to_have_text("Carol's wording")  # mine only: kept
    expect(detail).to_contain_text("Source's better instructions")  # theirs only: taken
    expect(detail.locator(".history .revisions li")).to_have_count(3)

    detail.get_by_role("button", name="Restore revision 1").click()
    expect(page.locator(".toast")).to_have_text("Revision 1 restored as revision 4.")
    expect(detail.locator("h2")).to_have_text("Step 1")
    expect(detail).to_contain_text("Do the thing number 1.")
    expect(detail.locator(".history .revisions li")).to_have_count(4)
    assert any("Restore revision 1?" in dialog for dialog in carol.dialogs)
    fork.refresh_from_db()
    assert (fork.title, fork.revisions.count()) == ("Step 1", 4)


def test_the_editor_marks_a_step_taken_down_by_support_staff(open_session, author, staff):
    from steplibrary.services import steps_take_down

    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(2))
    dangerous = LibraryStep.objects.get(source_tree=tree, source_node_id="s2")
    steps_take_down(steps=LibraryStep.objects.filter(pk=dangerous.pk), reason="Wipes the disk", user=staff)

    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    marked = page.locator('[data-node-id="s2"]')
    expect(marked.locator(".badge.takedown")).to_have_text("Taken down by support staff")
    expect(marked.locator(".takedown-note")).to_contain_text("Reason: Wipes the disk")
    expect(page.locator(".badge.takedown")).to_have_count(1)
    alice.screenshot("editor-takedown")
    page.locator('[data-node-id="s1"]').get_by_label("Title", exact=True).fill("Step 1, edited")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#working-copy-publish").click()
    page.locator("dialog.impact-dialog").get_by_role("button", name="Publish").click()  # the impact dialog
    expect(page.locator(".toast")).to_contain_text("1 held by support staff")
    dangerous.refresh_from_db()
    assert not dangerous.is_active


def test_editor_shows_secret_findings_and_marks_a_false_positive(open_session, author):
    structure = procedural_structure(2)
    structure["steps"][2]["commands"] = [
        {
            "language": "bash",
            "code": "aws configure set aws_access_key_id AKIAZ3MHXQ7V4PDLNS2K",
            "label": "Key",
        }
    ]
    tree = TreeFactory(author=author, name="Rotate keys", tree_structure=structure)
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    page.get_by_role("button", name="Publish", exact=True).click()

    card = page.locator('[data-node-id="s2"]')
    finding = card.locator(".secret-finding")
    expect(finding).to_contain_text("AWS Access Key in the command 1 code, line 1: AK********2K")
    expect(page.locator("#form-errors")).to_contain_text("1 suspected secret below")
    expect(page.locator('[data-node-id="s1"] .secret-finding')).to_have_count(0)
    alice.screenshot("editor-secret-finding")
    assert Tree.objects.get(pk=tree.pk).status == "draft"

    finding.get_by_role("button", name="Mark as false positive").click()
    expect(finding).to_contain_text("Marked false positive")
    assert any("Publish this AWS Access Key (AK********2K" in dialog for dialog in alice.dialogs)
    allowance = SecretAllowance.objects.get(tree=tree)
    assert (allowance.path, allowance.created_by) == ("steps[2].commands[0].code", author)

    page.get_by_role("button", name="Publish", exact=True).click()
    page.locator("dialog.impact-dialog").get_by_role("button", name="Publish").click()
    expect(page.locator(".toast")).to_contain_text("Published: 2 steps added to the library")
    assert Tree.objects.get(pk=tree.pk).status == "published"
    assert page.locator(".secret-finding").count() == 0
