"""The editor's Variables panel in Chromium: undeclared {{name}} placeholders are listed (other
braces are not), one click declares one, and the declarations are saved with the flow and
recorded in its history. (Runs with variables: e2e/test_runs.py.)"""

import re

import pytest
from playwright.sync_api import expect

from flows.models import Tree, TreeRevision
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMAND = "docker ps --format '{{.Names}}' | grep {{service}}; ansible -m debug -a '{{ item }}' {{host}}"


def test_undeclared_placeholders_are_listed_and_declared_in_one_click(open_session, author):
    structure = procedural_structure(2)
    structure["steps"][1]["commands"] = [{"code": COMMAND}]
    structure["variables"] = [{"name": "host", "label": "Host", "kind": "hostname"}]
    tree = TreeFactory(author=author, published=True, name="Restart service", tree_structure=structure)
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/flows/{tree.pk}/edit/")
    panel = page.locator(".variables-panel")
    expect(panel.locator(".variable-editor")).to_have_count(1)
    expect(panel.locator(".undeclared-list li code")).to_have_text(["{{service}}"])

    # Typing a new placeholder into a command lists it at once.
    code = page.locator('[data-node-id="s2"]').get_by_label("Code")
    code.fill("systemctl restart {{unit}}")
    expect(panel.locator(".undeclared-list li code")).to_have_text(["{{service}}", "{{unit}}"])
    code.fill("systemctl restart {{service}}")

    panel.get_by_role("button", name="Declare service").click()
    expect(panel.locator(".undeclared-list li")).to_have_count(0)
    expect(panel.locator(".variable-editor")).to_have_count(2)
    panel.locator("#var-1-label").fill("Service")
    panel.locator("#var-1-kind").select_option("choice")
    panel.get_by_label("Choices (comma-separated)").fill("nginx, postgres")
    panel.get_by_label("Default").nth(1).fill("nginx")
    panel.locator("#var-1-required").check()
    alice.screenshot("editor-variables")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".toast")).to_have_text("Changes saved, not yet published.")

    revision = TreeRevision.objects.filter(tree=tree).order_by("-number").first()
    assert revision.tree_structure["variables"][1] == {
        "name": "service",
        "label": "Service",
        "kind": "choice",
        "choices": ["nginx", "postgres"],
        "default": "nginx",
        "required": True,
    }
    assert [v["name"] for v in revision.changes["variables"]["to"]] == ["host", "service"]
    page.locator("#history-panel summary").first.click()
    expect(page.locator("#history-list li").first).to_contain_text("variables changed")

    # A bad declaration is refused by the server with its path, shown to the author.
    panel.get_by_role("button", name="Add variable").click()
    panel.locator("#var-2-name").fill("2fast")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#form-errors")).to_contain_text("variables[2].name: must be a letter or _")

    # Publishing the working copy makes the declarations live; the start form offers them.
    panel.get_by_role("button", name="Remove variable 2fast").click()
    page.locator("#working-copy-banner").get_by_role("button", name="Publish").click()
    page.locator("dialog.impact-dialog").get_by_role("button", name="Publish").click()
    expect(page.locator("#working-copy-banner")).to_be_hidden()
    assert [v["name"] for v in Tree.objects.get(pk=tree.pk).tree_structure["variables"]] == [
        "host",
        "service",
    ]
    alice.goto(f"/flows/{tree.pk}/")
    page.get_by_role("button", name="Start run").click()
    expect(page.locator("#run-var-service")).to_have_value("nginx")
    expect(page.locator("#run-var-host")).to_have_attribute("pattern", re.compile("A-Za-z0-9"))
