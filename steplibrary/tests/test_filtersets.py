"""Search and every filter on /api/steps/, alone and combined."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.clients import client_for
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory


def titles(client: APIClient, **params) -> list[str]:
    response = client.get("/api/steps/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.fixture
def library(author, teammate):
    tree = TreeFactory(
        author=author,
        published=True,
        name="Certificates",
        tree_structure={
            "steps": [
                {"id": "h", "type": "section_header", "title": "Prep"},
                {
                    "id": "a",
                    "type": "procedure_step",
                    "title": "Stop NGINX",
                    "commands": [{"code": "systemctl stop nginx", "label": "Stop"}],
                },
                {
                    "id": "b",
                    "type": "procedure_step",
                    "title": "Check expiry",
                    "expected_outcome": "Expires soon",
                },
            ]
        },
    )
    LibraryStepFactory(
        created_by=author,
        title="Restart Apache",
        public=True,
        content={
            "instructions": "Restart the httpd service",
            "help_text": None,
            "commands": [],
            "group_label": None,
        },
    )
    LibraryStepFactory(created_by=teammate, title="Team solution", team=True, step_type="solution")
    LibraryStepFactory(created_by=author, title="Rarely used", usage_count=0)
    LibraryStep.objects.filter(title="Restart Apache").update(usage_count=9, rating_avg=4.5, rating_count=2)
    LibraryStep.objects.filter(title="Stop NGINX").update(usage_count=3)
    return tree


@pytest.fixture
def client(author):
    return client_for(author)


@pytest.mark.django_db
class TestSearch:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("nginx", ["Stop NGINX"]),  # title, case-insensitive
            ("httpd", ["Restart Apache"]),  # instructions
            ("expires", ["Check expiry"]),  # help text
            ("systemctl", ["Stop NGINX"]),  # commands
            ("stop nginx", ["Stop NGINX"]),  # every word must match
            ("", None),
        ],
    )
    def test_search_matches_title_instructions_help_and_commands(self, client, library, query, expected):
        found = titles(client, search=query)
        if expected is None:
            assert len(found) == 5
        else:
            assert found == expected

    def test_not_every_word_matches_no_full_text_result(self, client, library):
        # SQLite answers nothing; PostgreSQL offers close matches and says so.
        body = client.get("/api/steps/", {"search": "stop apache"}).json()
        if connection.vendor == "postgresql":
            assert body["close_matches_for"] == "stop apache"
        else:
            assert body["results"] == []
            assert body["close_matches_for"] is None

    def test_search_ignores_invisible_entries(self, outsider, library):
        client = APIClient()
        client.force_authenticate(outsider)
        assert titles(client, search="team") == []


@pytest.mark.django_db
class TestFilters:
    def test_step_type(self, client, library):
        assert titles(client, step_type="solution") == ["Team solution"]

    def test_visibility(self, client, library):
        assert sorted(titles(client, visibility="public")) == ["Restart Apache"]
        assert sorted(titles(client, visibility="private")) == ["Rarely used"]

    def test_is_flow_synced(self, client, library):
        assert sorted(titles(client, is_flow_synced="true")) == ["Check expiry", "Stop NGINX"]
        assert len(titles(client, is_flow_synced="false")) == 3

    def test_source_tree(self, client, library):
        assert sorted(titles(client, source_tree=str(library.pk))) == ["Check expiry", "Stop NGINX"]

    def test_group_label(self, client, library):
        assert sorted(titles(client, group_label="Prep")) == ["Check expiry", "Stop NGINX"]

    def test_mine(self, client, library):
        assert "Team solution" not in titles(client, mine="true")
        assert titles(client, mine="false") == ["Team solution"]

    def test_ordering(self, client, library):
        assert titles(client, ordering="-usage_count")[:2] == ["Restart Apache", "Stop NGINX"]
        assert titles(client, ordering="title")[0] == "Check expiry"
        assert titles(client, ordering="-rating_avg")[0] == "Restart Apache"
        assert len(titles(client, ordering="-updated_at")) == 5

    def test_combined(self, client, library):
        assert titles(client, is_flow_synced="true", search="stop", group_label="Prep") == ["Stop NGINX"]
        assert titles(client, mine="true", step_type="action", visibility="public") == ["Restart Apache"]

    @pytest.mark.parametrize(
        "params",
        [{"step_type": "nope"}, {"source_tree": "not-a-uuid"}, {"ordering": "password"}, {"visibility": "x"}],
    )
    def test_bad_filter_values_are_400s_naming_the_field(self, client, library, params):
        response = client.get("/api/steps/", params)
        assert response.status_code == 400
        assert set(response.json()) == set(params)

    # Empty terms between commas are ignored; a lone "-" names no field and is refused.
    @pytest.mark.parametrize(("ordering", "status"), [(",,", 200), (",title", 200), ("-", 400)])
    def test_empty_ordering_terms_are_ignored_or_refused_not_a_500(self, client, library, ordering, status):
        response = client.get("/api/steps/", {"ordering": ordering})
        assert response.status_code == status

    def test_pages_do_not_repeat_rows(self, client, author):
        LibraryStepFactory.create_batch(9, created_by=author, usage_count=1)
        seen = []
        for page in (1, 2, 3):
            response = client.get("/api/steps/", {"page_size": 3, "page": page, "ordering": "usage_count"})
            seen += [row["id"] for row in response.json()["results"]]
        assert len(seen) == len(set(seen)) == 9
