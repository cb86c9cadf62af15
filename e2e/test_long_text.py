"""Real IT text: 255-character names without spaces, long paths, URLs and commands stay inside
the viewport on every page, at phone and desktop widths."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import public_flow
from flows.tests.factories import TreeFactory
from runs.services import session_add_adhoc, session_start
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Rotate-" + "x" * 248  # 255 characters, no space anywhere
PATH = "/etc/ssl/private/" + "very-long-directory-name/" * 12 + "certificate.pem"
URL = "https://status.example.com/incidents/" + "a1b2c3d4" * 25
COMMAND = "openssl x509 -in " + PATH + " -noout -enddate && curl -fsS " + URL + " | jq ." * 10


def long_structure() -> dict:
    step = {
        "type": "procedure_step",
        "title": "Check-" + "y" * 249,
        "description": f"Read {PATH} then open {URL}",
        "expected_outcome": "notAfter=" + "z" * 240,
        "commands": [{"language": "bash", "code": COMMAND, "label": "Label-" + "q" * 200}],
        "library_visibility": "public",
    }
    return {
        "steps": [
            {"id": "h1", "type": "section_header", "title": "Section-" + "s" * 247},
            {"id": "s1", **step},
            {"id": "s2", **step, "title": "Other-" + "w" * 249},
            {"id": "end", "type": "procedure_end", "title": "Done-" + "d" * 250},
        ]
    }


@pytest.fixture
def long_world(author, outsider):
    tree = public_flow(author, name=NAME, description=URL, tree_structure=long_structure(), forked_by=author)
    LibraryStepFactory(
        created_by=author,
        title="Manual-" + "m" * 248,
        public=True,
        content={
            "instructions": f"Copy {PATH} to {URL}",
            "help_text": URL,
            "commands": [{"label": "L" * 120, "command": COMMAND, "command_type": "bash"}],
            "group_label": "Group-" + "g" * 249,
        },
    )
    session = session_start(tree=tree, user=author, title="INC-" + "9" * 251)
    session_add_adhoc(session=session, user=author, step=LibraryStep.objects.get(title__startswith="Manual-"))
    # An update for the fork's owner: the source step changes.
    tree.tree_structure["steps"][1]["description"] = f"Now read {PATH} twice"
    tree.save()
    return tree, session


def assert_fits(session, path: str | None, width: int, name: str) -> None:
    """The page at `path` (None: the page as it is now) has no horizontal scroll."""
    if path is not None:
        session.goto(path)
    overflow = session.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    session.screenshot(f"long-text-{name}-{width}")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px: {widest(session.page)}"


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-3)
  .map((node) => `${node.tagName}.${node.className} ${Math.round(node.getBoundingClientRect().right)}`)"""


def widest(page) -> list[str]:
    """The innermost elements that stick out on the right, to say where the overflow is."""
    return page.evaluate(WIDEST)


@pytest.mark.parametrize("width", [375, 1440])
def test_every_page_with_long_text_stays_in_the_viewport(open_session, long_world, width):
    tree, run = long_world
    alice = open_session("alice", width=width)
    page = alice.page
    assert_fits(alice, "/library/", width, "library")
    page.locator(".step-item", has_text="Manual-").click()
    expect(page.locator("#step-detail h2")).to_be_visible()
    assert_fits(
        alice,
        f"/library/#{page.locator('.step-item').first.get_attribute('data-step-id')}",
        width,
        "library-detail",
    )
    page.locator(".step-item", has_text="Check-").first.click()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    alice.screenshot(f"long-text-library-synced-{width}")
    assert overflow <= 0, f"library detail of a synced entry scrolls sideways by {overflow}px"
    # The command scrolls inside its own block instead of widening the page.
    block = page.locator("#step-detail .command pre").first
    assert block.evaluate("node => node.scrollWidth > node.clientWidth")
    assert block.evaluate("node => getComputedStyle(node).overflowX") == "auto"

    for path, name in [
        ("/flows/", "flows"),
        (f"/flows/{tree.pk}/", "navigate"),
        (f"/flows/{tree.pk}/edit/", "editor"),
        (f"/runs/{run.pk}/", "run"),
        (f"/runs/?tree={tree.pk}", "runs"),
        ("/runs/?mine=true", "my-runs"),
        ("/updates/", "updates"),
    ]:
        assert_fits(alice, path, width, name)


def test_an_ellipsised_chip_shows_its_full_text_on_hover_and_focus(open_session, long_world):
    alice = open_session("alice", width=375)
    page = alice.page
    alice.goto("/library/")
    item = page.locator(".step-item", has=page.locator(".chip-flow"), has_text="Check-")
    chip = item.locator(".chip-flow")
    expect(chip).to_have_attribute("title", f"From flow: {NAME}")
    clipped = "node => node.scrollWidth > node.clientWidth"
    assert chip.evaluate(clipped), "the chip is cut with an ellipsis at rest"
    item.focus()
    assert not chip.evaluate(clipped), "focus shows the whole flow name"
    page.mouse.move(0, 0)
    page.locator("h1").click()
    assert chip.evaluate(clipped)
    item.hover()
    assert not chip.evaluate(clipped), "hover shows the whole flow name"


@pytest.mark.parametrize("width", [375, 1440])
def test_a_troubleshooting_tree_with_long_text_stays_in_the_viewport(open_session, author, width):
    from flows.samples import troubleshooting_structure

    structure = troubleshooting_structure()
    root = structure["root"]
    root["title"] = "Is-" + "v" * 252
    root["children"][0]["answer"] = "No-" + "n" * 252
    root["children"][0]["description"] = f"Check {URL}"
    tree = TreeFactory(
        author=author, troubleshooting=True, published=True, name=NAME, tree_structure=structure
    )
    alice = open_session("alice", width=width)
    assert_fits(alice, f"/flows/{tree.pk}/", width, "navigate-tree")
    alice.page.get_by_role("button", name=root["children"][0]["answer"]).click()
    expect(alice.page.locator(".current h3")).to_have_text("Restart the VPN service")
    assert_fits(alice, None, width, "navigate-tree-answered")
    assert_fits(alice, f"/flows/{tree.pk}/edit/", width, "editor-tree")
    assert_fits(alice, "/accounts/login/", width, "login")
