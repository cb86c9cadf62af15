"""The library search in a real Chromium: highlighted words stay text, close matches are announced."""

import pytest
from playwright.sync_api import expect

from steplibrary.tests.factories import LibraryStepFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<img src=x onerror=alert(1)>"


def renew_certificate_entry(author):
    content = {
        "instructions": f"Renew the certificate {XSS}",
        "help_text": None,
        "commands": [{"label": "", "command": "certbot renew", "command_type": None}],
        "group_label": "TLS",
    }
    LibraryStepFactory(created_by=author, public=True, title=f"Renew the certificate {XSS}", content=content)


def test_search_marks_matched_words_as_text(open_session, author):
    renew_certificate_entry(author)
    alice = open_session("alice")
    page = alice.page
    alice.goto("/library/?search=certificate")
    title = page.locator(".step-item .step-title").first
    expect(title.locator("mark")).to_have_text("certificate")
    expect(title).to_contain_text(XSS)  # the entry's text stays text around the mark
    expect(page.locator("#step-detail h2 mark")).to_have_text("certificate")
    assert page.locator("img[src=x]").count() == 0
    expect(page.locator(".close-matches")).to_have_count(0)

    alice.goto(f"/library/?search=certficate {XSS}")
    assert page.locator("img[src=x]").count() == 0


@pytest.mark.postgresql  # close matches come from pg_trgm; SQLite keeps the substring search
def test_a_typo_shows_close_matches_and_says_so(open_session, author):
    renew_certificate_entry(author)
    alice = open_session("alice")
    page = alice.page
    alice.goto(f"/library/?search=certficate {XSS}")
    expect(page.locator(".close-matches")).to_contain_text("showing close matches for")
    expect(page.locator(".step-item")).to_have_count(1)
    assert page.locator("img[src=x]").count() == 0
