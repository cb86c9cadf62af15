"""The library list's pages: page numbers without a count per request, keyset (cursor) pages
that never repeat or skip a row, a fixed number of queries, and no way around visibility."""

import base64
import json
import random

import pytest

from accounts.tests.clients import client_for
from steplibrary.models import LibraryStep
from steplibrary.tests.factories import LibraryStepFactory

ORDERINGS = ["", "usage_count", "-usage_count", "rating_avg", "-rating_avg", "title", "-title"]
ORDERINGS += ["updated_at", "-updated_at", "works_best", "-works_best"]


def page_client(user):
    """The API as the library page calls it: signed in by a session."""
    return client_for(user, session=True)


def walk(client, params: dict, *, direction: str = "next", start: str | None = None) -> list[dict]:
    """Every page of the list by following its links; the pages' bodies."""
    url = start or "/api/steps/"
    pages = []
    first = start is None
    while url:
        response = client.get(url, params if first else None)
        assert response.status_code == 200, response.content
        first = False
        pages.append(response.json())
        url = pages[-1][direction]
        assert len(pages) < 100
    return pages


def ids_of(pages: list[dict]) -> list[str]:
    return [row["id"] for page in pages for row in page["results"]]


@pytest.fixture
def library(author, teammate, outsider):
    """Entries with many ties (ten share each usage count and rating), groups of identical
    copies, and entries the author's team may not see."""
    rng = random.Random(15)
    for index in range(30):
        LibraryStepFactory(
            created_by=teammate if index % 2 else author,
            visibility=("public", "team", "private")[index % 3] if index % 2 == 0 else "team",
            title=f"Restart service {index % 7}" if index < 21 else f"Check disk {index}",
            usage_count=index % 3,
            rating_avg=float(index % 2),
            works_best=rng.choice([0.0, 0.5]),
        )
    for index in range(6):
        LibraryStepFactory(
            created_by=outsider, visibility=("team", "private")[index % 2], title=f"Hidden {index}"
        )
    return LibraryStep.objects.visible_to(author)


def expected_ids(author, params: dict) -> list[str]:
    """The whole list in one page-numbered request (at most 100 rows)."""
    body = page_client(author).get("/api/steps/", {**params, "page_size": 100}).json()
    assert body["next"] is None
    return [row["id"] for row in body["results"]]


@pytest.mark.django_db
class TestCursorPages:
    @pytest.mark.parametrize("ordering", ORDERINGS)
    @pytest.mark.parametrize("collapse", ["true", "false"])
    def test_cursor_pages_walk_every_row_once_in_order_both_ways(self, author, library, ordering, collapse):
        params = {"ordering": ordering, "collapse": collapse}
        expected = expected_ids(author, params)
        assert len(expected) > 9  # several pages below
        client = page_client(author)
        forward = walk(client, {**params, "cursor": "", "page_size": 4})
        assert ids_of(forward) == expected
        assert forward[0]["previous"] is None and forward[-1]["next"] is None
        assert all(len(page["results"]) == 4 for page in forward[:-1])
        # Back from the last page to the first, by the previous links.
        backward = walk(client, {}, direction="previous", start=forward[-1]["previous"])
        assert ids_of(list(reversed(backward))) == expected[: -len(forward[-1]["results"])]
        assert backward[-1]["previous"] is None

    def test_cursor_pages_of_a_search_follow_its_relevance(self, author, library):
        params = {"search": "restart service"}
        expected = expected_ids(author, params)
        assert expected
        pages = walk(page_client(author), {**params, "cursor": "", "page_size": 2})
        assert ids_of(pages) == expected

    def test_rows_written_meanwhile_do_not_shift_a_page(self, author, library):
        client = page_client(author)
        first = client.get("/api/steps/", {"cursor": "", "page_size": 5}).json()
        LibraryStepFactory(created_by=author, public=True, usage_count=999)  # sorts first
        second = client.get(first["next"]).json()
        expected = expected_ids(author, {})
        assert [row["id"] for row in second["results"]] == expected[6:11]

    def test_no_count_unless_asked_for(self, author, library):
        client = page_client(author)
        body = client.get("/api/steps/", {"cursor": "", "page_size": 4}).json()
        assert body["count"] is None and body["count_capped"] is False
        counted = client.get("/api/steps/", {"cursor": "", "page_size": 4, "count": "true"}).json()
        assert counted["count"] == len(expected_ids(author, {}))
        whole = client.get("/api/steps/", {"cursor": "", "page_size": 100}).json()
        assert whole["count"] == len(whole["results"]) and whole["next"] is None

    def test_page_numbers_keep_working_and_count_only_when_there_is_more(self, author, library):
        client = page_client(author)
        expected = expected_ids(author, {})
        first = client.get("/api/steps/", {"page_size": 4}).json()
        assert (first["count"], first["previous"]) == (len(expected), None)
        assert "page=2" in first["next"]
        pages = walk(client, {"page_size": 4})
        assert ids_of(pages) == expected
        assert all(page["count"] == len(expected) for page in pages)
        assert "page=" not in pages[1]["previous"]
        assert client.get("/api/steps/", {"page_size": 4, "page": "last"}).json()["next"] is None


def forged(values: list, keys: list[str]) -> str:
    raw = json.dumps({"k": keys, "v": values}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.django_db
class TestOutsiders:
    def test_another_team_never_sees_hidden_entries_on_any_page(self, outsider, author, library):
        hidden = set(
            LibraryStep.objects.exclude(pk__in=LibraryStep.objects.visible_to(outsider)).values_list(
                "pk", flat=True
            )
        )
        assert hidden
        client = page_client(outsider)
        seen = set()
        for params in (
            {"cursor": "", "page_size": 3},
            {"cursor": "", "page_size": 3, "collapse": "false", "ordering": "title"},
            {"cursor": "", "page_size": 3, "search": "restart", "count": "true"},
            {"page_size": 3},
            {"page_size": 3, "collapse": "false"},
        ):
            for page in walk(client, params):
                seen |= {row["id"] for row in page["results"]}
                for row in page["results"]:
                    seen |= set(row["duplicates"]["ids"])
                if page["count"] is not None:
                    assert page["count"] <= LibraryStep.objects.visible_to(outsider).count()
        assert not seen & {str(pk) for pk in hidden}

    def test_a_cursor_forged_from_a_hidden_entry_shows_only_visible_ones(self, outsider, library):
        hidden = LibraryStep.objects.exclude(pk__in=LibraryStep.objects.visible_to(outsider)).first()
        cursor = forged([hidden.usage_count, str(hidden.pk)], ["-usage_count", "id"])
        body = page_client(outsider).get("/api/steps/", {"cursor": cursor, "page_size": 100}).json()
        visible = {str(pk) for pk in LibraryStep.objects.visible_to(outsider).values_list("pk", flat=True)}
        assert body["results"] and {row["id"] for row in body["results"]} <= visible

    def test_anonymous_callers_get_no_page(self, library):
        assert client_for().get("/api/steps/", {"cursor": ""}).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "%%%",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        forged([1], ["-usage_count", "id"]),
        forged([1, "not-a-uuid"], ["-usage_count", "id"]),
        forged(["1", "00000000-0000-0000-0000-000000000000"], ["-usage_count", "id"]),
        forged([2**70, "00000000-0000-0000-0000-000000000000"], ["-usage_count", "id"]),
        forged([True, "00000000-0000-0000-0000-000000000000"], ["-usage_count", "id"]),
        forged([1, "00000000-0000-0000-0000-000000000000"], ["title", "id"]),
        forged([None, None], ["-usage_count", "id"]),
        forged([{"a": 1}, []], ["-usage_count", "id"]),
        "eyJrIjpbIi11c2FnZV9jb3VudCIsImlkIl0sInYiOlsxLCIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAiXX0"
        + "x" * 5000,
    ],
)
def test_a_hostile_cursor_is_a_400_naming_it(author, library, cursor):
    response = page_client(author).get("/api/steps/", {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "value"),
    [("title", "a\x00b"), ("title", "\ud800"), ("-updated_at", "2026-01-01T00:00:00"), ("works_best", "x")],
)
def test_a_cursor_value_the_database_would_refuse_is_a_400(author, library, ordering, value):
    cursor = forged([value, "00000000-0000-0000-0000-000000000000"], [ordering, "id"])
    response = page_client(author).get("/api/steps/", {"ordering": ordering, "cursor": cursor})
    assert response.status_code == 400


@pytest.mark.django_db
def test_page_and_cursor_together_are_a_400(author, library):
    response = page_client(author).get("/api/steps/", {"cursor": "", "page": 2})
    assert response.status_code == 400 and "cursor" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", [5, 100])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"search": "restart"},
        {"collapse": "false"},
        *({"ordering": ordering} for ordering in ORDERINGS[1:]),
    ],
)
def test_the_list_runs_a_fixed_number_of_queries(
    author, teammate, django_assert_max_num_queries, page_size, params
):
    for index in range(110):
        LibraryStepFactory(
            created_by=teammate, team=True, title=f"Restart service {index % 60}", usage_count=index % 4
        )
    client = page_client(author)
    # Session and user, the page with one row more, and the capped count (only while a next page exists).
    with django_assert_max_num_queries(4):
        numbered = client.get("/api/steps/", {"page_size": page_size, **params}).json()
    # Session and user, the page with one row more: no count.
    with django_assert_max_num_queries(3):
        first = client.get("/api/steps/", {"page_size": page_size, "cursor": "", **params}).json()
    assert len(first["results"]) == len(numbered["results"]) > 0
    if first["next"]:
        with django_assert_max_num_queries(3):
            second = client.get(first["next"]).json()
        assert second["results"] and second["previous"]
        with django_assert_max_num_queries(3):
            assert client.get(second["previous"]).json()["results"] == first["results"]


@pytest.mark.django_db
def test_the_list_benchmark_times_every_case_against_the_statement_that_reads_its_page():
    """bench/search.py: each case answers a full page through the API, and its limit is the
    statement that read that page (so a ratio compares the same rows)."""
    from bench import search

    user = search.build_library(4000, random.Random(15))
    figures = {row["case"]: row for row in search.measure(user, rounds=2)}
    assert set(figures) == set(search.cases())
    assert all(row["rows"] >= 1 for row in figures.values())
    full = ["default", "page 20 (cursor)", "page 20 (page numbers)", "common word", "ordering title"]
    assert all(figures[name]["rows"] == 50 for name in full)
    assert all(row["queries"] <= 4 for row in figures.values())
