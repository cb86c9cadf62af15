"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.services import step_fork

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Session:
    """A signed-in browser page with helpers for the pages under test."""

    def __init__(self, browser, live_server, width: int = 1280):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.base = live_server.url
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # Anything the Content-Security-Policy refused is reported on the console: every
        # browser test then proves its pages work under the policy.
        self.page.on("console", self._on_console)
        self.page.on("dialog", self._on_dialog)

    def _on_console(self, message):
        if "Content Security Policy" in message.text:
            self.errors.append(f"CSP: {message.text}")

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    def sign_in(self, username: str, password: str = "password") -> "Session":
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"{self.base}/library/")
        return self

    def goto(self, path: str):
        self.page.goto(f"{self.base}{path}")
        self.page.wait_for_load_state("networkidle")

    def start_run(self, tree) -> None:
        """Starts a run of `tree` from its page, with the start dialog as it opens."""
        self.goto(f"/flows/{tree.pk}/")
        self.page.get_by_role("button", name="Start run").click()
        self.page.locator("#start-run-form").get_by_role("button", name="Start run").click()
        self.page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}/$"))

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def open_session(browser, live_server):
    sessions: list[Session] = []

    def factory(username: str, width: int = 1280) -> Session:
        session = Session(browser, live_server, width).sign_in(username)
        sessions.append(session)
        return session

    yield factory
    for session in sessions:
        assert session.errors == [], f"JavaScript errors: {session.errors}"
        session.context.close()


def public_flow(author, *, name: str, tree_structure: dict, forked_by=None, **fields):
    """A published public flow of `author`; with `forked_by`, that user has forked its step
    s1, so the flow's changes reach someone else's copy."""
    tree = TreeFactory(
        author=author, published=True, public=True, name=name, tree_structure=tree_structure, **fields
    )
    if forked_by is not None:
        step_fork(step=LibraryStep.objects.get(source_tree=tree, source_node_id="s1"), user=forked_by)
    return tree
