"""The admin and the Swagger UI work under the Content-Security-Policy, in a real browser."""

import re

import pytest

from e2e.conftest import Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_api_under_the_policy(open_session, author):
    session = open_session("alice")
    response = session.page.goto(f"{session.base}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    session.page.wait_for_selector(".opblock", timeout=30_000)
    assert session.page.locator(".opblock-summary-path", has_text="/api/steps/{id}/fork/").count() == 1
    assert session.errors == []


def test_signed_out_docs_go_to_sign_in(browser, live_server):
    session = Session(browser, live_server)
    session.page.goto(f"{live_server.url}/api/docs/")
    assert re.search(r"/accounts/login/\?next=/api/docs/$", session.page.url)
    session.context.close()


def test_admin_works_under_the_policy(browser, live_server, staff, author):
    staff.is_superuser = True
    staff.save()
    session = Session(browser, live_server)
    page = session.page
    response = page.goto(f"{live_server.url}/admin/login/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", "sam")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.wait_for_load_state("networkidle")
    # The changelist's select-all box is wired by the admin's own scripts (actions.js).
    page.check("#action-toggle")
    assert page.locator("input.action-select:checked").count() >= 2
    page.goto(f"{live_server.url}/admin/accounts/user/{author.pk}/change/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#user_form").count() == 1
    assert session.errors == [], session.errors
    session.context.close()
