"""Content-Security-Policy on every page, no inline script anywhere, docs behind sign-in,
and no browsable API in production."""

import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.services import token_create
from flows.tests.factories import TreeFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/library/",
        "/flows/",
        "/flows/{tree}/edit/",
        "/flows/{tree}/",
        "/updates/",
        "/admin/",
        "/admin/accounts/user/",
        "/api/docs/",
        "/api/steps/",
        "/no-such-page/",
    ],
)
def test_every_page_has_a_strict_policy(client, author, staff, path):
    staff.is_superuser = True
    staff.save()
    if path != "/accounts/login/":
        client.force_login(staff)
    tree = TreeFactory(author=staff, published=True)
    response = client.get(path.format(tree=tree.pk))
    assert response.status_code in (200, 404), (path, response.status_code)
    directives = policy(response)
    assert directives["default-src"] == "default-src 'self'"
    assert directives["script-src"] == "script-src 'self'"
    assert directives["style-src"] == "style-src 'self'"
    assert directives["object-src"] == "object-src 'none'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: path.name)
def test_templates_have_no_inline_script_or_style(template):
    text = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script in {template}: {tag}"
    assert "<style" not in text.replace("inline <style>", ""), f"inline style in {template}"
    assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {template}"
    assert not re.search(r"\sstyle\s*=", text), f"style attribute in {template}"


@pytest.mark.django_db
class TestApiDocs:
    def test_signed_out_docs_redirect_to_sign_in(self, client):
        response = client.get("/api/docs/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/api/docs/"

    def test_signed_out_schema_is_401(self):
        response = APIClient().get("/api/schema/", {"format": "json"})
        assert response.status_code == 401
        assert "paths" not in response.json()

    def test_a_forged_token_gets_no_schema(self):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
        assert client.get("/api/schema/", {"format": "json"}).status_code == 401

    def test_a_token_client_gets_the_schema(self, loner):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=loner)[1]}")
        response = client.get("/api/schema/", {"format": "json"})
        assert response.status_code == 200
        assert "/api/steps/" in response.json()["paths"]

    def test_signed_in_docs_load_their_script_from_a_file(self, client, author):
        client.force_login(author)
        page = client.get("/api/docs/")
        html = page.content.decode()
        assert page.status_code == 200
        assert "/static/drf_spectacular_sidecar/" in html
        script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
        script = client.get(script_url)
        assert script.status_code == 200
        assert script["Content-Type"].startswith("application/javascript")
        assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_the_browsable_api_is_off_in_production(client, author, settings):
    assert not settings.DEBUG
    client.force_login(author)
    response = client.get("/api/steps/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406 or response["Content-Type"] == "application/json"
    assert b"<html" not in response.content.lower()
    json_response = client.get("/api/steps/", HTTP_ACCEPT="text/html,application/json;q=0.9")
    assert json_response["Content-Type"] == "application/json"
