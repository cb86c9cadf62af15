"""Library search quality: ranked full-text search and close matches on PostgreSQL, the
simpler search SQLite keeps, the case-insensitive section filter, highlighting input."""

import re

import pytest
from django.db import connection

from accounts.tests.clients import client_for
from flows.tests.factories import TreeFactory
from steplibrary.filtersets import LibraryStepFilterSet
from steplibrary.models import LibraryStep
from steplibrary.search import highlight_terms, parse_query
from steplibrary.selectors import steps_for_display
from steplibrary.tests.factories import LibraryStepFactory

ENTRIES = [
    # (title, instructions, commands, section, usage)
    (
        "Extract a tar archive",
        "Unpack the archive into the current directory.",
        ["tar -xzf backup.tar.gz"],
        "Restore",
        2,
    ),
    (
        "Create a tar archive",
        "Pack the data directory for the backup.",
        ["tar -czf backup.tar.gz /srv/data"],
        "Backup",
        40,
    ),
    ("Kill processes by name", "End every process whose name matches.", ["pkill -f worker"], "Processes", 1),
    ("Change a user's password", "Set a new password for the account.", ["passwd alice"], "Accounts", 0),
    ("Stop nginx", "Stop the web server before the change.", ["systemctl stop nginx"], "Preparation", 0),
    ("Restart the web service", "Restart it on the Linux host.", ["systemctl restart nginx"], "Web", 50),
    (
        "Restart the web service on Windows",
        "Use the services console on Windows.",
        ["iisreset /restart"],
        "Web",
        60,
    ),
    (
        "Remove a stale host key",
        "Forget the old key of a rebuilt server.",
        ["ssh-keygen -R db1 -f ~/.ssh/known_hosts"],
        "SSH",
        0,
    ),
    (
        "Preview a copy",
        "See what would be copied without copying.",
        ["rsync --dry-run -av /srv/ backup:/srv/"],
        "Backup",
        0,
    ),
    (
        "Check the certificate expiry",
        "Read the end date of the site certificate.",
        ["openssl x509 -enddate -noout -in /etc/ssl/certs/site.pem"],
        "TLS",
        0,
    ),
    (
        "Rotate the logs",
        "Service the log directory; the web proxy keeps writing.",
        ["logrotate -f /etc/logrotate.conf"],
        "Web",
        30,
    ),
]


@pytest.fixture
def library(author):
    """One public flow per entry (each one section and one step), as engineers publish them."""
    for index, (title, instructions, commands, section, usage) in enumerate(ENTRIES):
        TreeFactory(
            author=author,
            published=True,
            is_public=True,
            name=f"Flow {index}",
            tree_structure={
                "steps": [
                    {"id": "h", "type": "section_header", "title": section},
                    {
                        "id": "s",
                        "type": "procedure_step",
                        "title": title,
                        "description": instructions,
                        "commands": [{"code": code} for code in commands],
                    },
                ]
            },
        )
        LibraryStep.objects.filter(title=title).update(usage_count=usage)


@pytest.fixture
def reader(outsider):
    """Searches as an engineer of another team would."""
    return client_for(outsider)


def search(client, query, **params):
    response = client.get("/api/steps/", {"search": query, "page_size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()


def plan_of(queryset, cursor) -> str:
    # QuerySet.explain() cannot wrap the subquery that filtering on a window (duplicates
    # grouping) makes; EXPLAIN the statement itself.
    sql, params = queryset.query.sql_with_params()
    cursor.execute(f"EXPLAIN {sql}", params)
    return "\n".join(row[0] for row in cursor.fetchall())


def titles(client, query, **params):
    return [row["title"] for row in search(client, query, **params)["results"]]


@pytest.mark.postgresql
@pytest.mark.django_db
class TestRankedSearch:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ('"stale host key"', "Remove a stale host key"),  # a phrase
            ('"restart the web service" -windows', "Restart the web service"),  # phrase and negation
            ("extracting archives", "Extract a tar archive"),  # stem variants
            ("kill processes by name", "Kill processes by name"),  # stop word
            ("change a user's password", "Change a user's password"),  # stop word and apostrophe
            ("restart web service -windows", "Restart the web service"),  # negation
            ("pkill", "Kill processes by name"),  # a command name
            ("known_hosts", "Remove a stale host key"),  # a file name with an underscore
            ("--dry-run", "Preview a copy"),  # a flag, not a negation
            ("/etc/ssl/certs/site.pem", "Check the certificate expiry"),  # a whole path
            ("site.pem", "Check the certificate expiry"),  # part of a path
            ("ssh-keygen", "Remove a stale host key"),
            ("certficate expiry", "Check the certificate expiry"),  # a typo
            ("extrct tar", "Extract a tar archive"),  # a typo among right words
            ("stpo nginx", "Stop nginx"),  # a transposition trigrams miss: the other word helps
        ],
    )
    def test_the_expected_entry_comes_first(self, reader, library, query, expected):
        assert titles(reader, query)[0] == expected

    def test_a_phrase_needs_its_words_together(self, reader, library):
        # "Rotate the logs" has "service" and "web" too, but apart: never before the phrase.
        found = titles(reader, '"web service"')
        assert set(found[:2]) == {"Restart the web service", "Restart the web service on Windows"}

    def test_negation_excludes_the_word(self, reader, library):
        found = titles(reader, "restart web service -windows")
        assert "Restart the web service on Windows" not in found

    def test_relevance_beats_usage(self, reader, library):
        # "Create a tar archive" is used 20× more, but "extract" is in the other one's title.
        assert titles(reader, "extract tar")[0] == "Extract a tar archive"
        # The title outranks a word deep in the instructions of a far more used entry.
        found = titles(reader, "web")
        assert found.index("Restart the web service") < found.index("Rotate the logs")

    def test_usage_then_rating_break_ties(self, reader, author, library):
        content = {"instructions": "Flush it.", "help_text": None, "commands": [], "group_label": None}
        same = [
            LibraryStepFactory(created_by=author, public=True, title="Flush DNS", content=content)
            for _ in "abc"
        ]
        for entry, usage, rating in zip(same, [5, 5, 9], [4.0, 3.0, 1.0], strict=True):
            LibraryStep.objects.filter(pk=entry.pk).update(usage_count=usage, rating_avg=rating)
        # Identical entries: listed one by one only with collapse=false; collapsed, the most
        # used one stands for the group.
        found = [row["id"] for row in search(reader, "flush dns", collapse="false")["results"]]
        assert found == [str(same[2].pk), str(same[0].pk), str(same[1].pk)]
        collapsed = search(reader, "flush dns")["results"]
        assert [row["id"] for row in collapsed] == [str(same[2].pk)]
        assert collapsed[0]["duplicates"]["count"] == 2

    def test_an_explicit_order_still_wins(self, reader, library):
        assert titles(reader, "tar archive", ordering="title") == [
            "Create a tar archive",
            "Extract a tar archive",
        ]

    def test_a_full_text_answer_says_no_close_matches(self, reader, library):
        body = search(reader, "pkill")
        assert body["close_matches_for"] is None
        assert [row["title"] for row in body["results"]] == ["Kill processes by name"]

    def test_a_typo_says_it_shows_close_matches(self, reader, library):
        body = search(reader, "certficate")
        assert body["close_matches_for"] == "certficate"
        assert body["results"][0]["title"] == "Check the certificate expiry"

    def test_no_close_matches_when_enough_full_text_matches(self, reader, library):
        # "web" matches four entries by full text: nothing else is added.
        body = search(reader, "web")
        assert body["close_matches_for"] is None
        assert all("web" in str(row).lower() for row in body["results"])
        assert len(body["results"]) == 4

    def test_stop_words_alone_match_nothing_rather_than_everything(self, reader, library):
        assert titles(reader, "the of") == []

    def test_close_matches_respect_negation(self, reader, library):
        assert "Restart the web service on Windows" not in titles(reader, "restrat -windows")

    def test_close_matches_only_from_visible_entries(self, reader, author, library):
        LibraryStep.objects.filter(title="Check the certificate expiry").update(visibility="team")
        assert "Check the certificate expiry" not in titles(reader, "certficate")
        assert titles(client_for(author), "certficate")[0] == "Check the certificate expiry"

    @pytest.mark.parametrize("page_size", [5, 100])
    def test_ranked_search_query_budget(self, author, library, django_assert_max_num_queries, page_size):
        client = client_for(author, session=True)
        for query in ("web", "certficate"):
            with django_assert_max_num_queries(4):
                response = client.get("/api/steps/", {"search": query, "page_size": page_size})
            assert response.status_code == 200

    def test_the_vector_is_kept_by_the_database_on_every_write(self, author, library):
        entry = LibraryStep.objects.get(title="Stop nginx")
        entry.content = {**entry.content, "commands": [{"label": "", "command": "apachectl graceful-stop"}]}
        LibraryStep.objects.filter(pk=entry.pk).update(content=entry.content)  # no save(), no signal
        assert titles(client_for(author), "apachectl") == ["Stop nginx"]

    def test_the_gin_index_serves_the_search(self, author, library):
        queryset = LibraryStepFilterSet({"search": "nginx"}, queryset=LibraryStep.objects.all()).qs
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = plan_of(queryset, cursor)
        assert "librarystep_search_vector_idx" in plan


@pytest.mark.django_db
class TestHostileSearchInput:
    @pytest.mark.parametrize(
        "query", ['"', "-", "or", "--", '"unclosed', "!&|:*()<->", "a' or '1'='1", "x" * 200]
    )
    def test_odd_queries_answer_200(self, reader, library, query):
        response = reader.get("/api/steps/", {"search": query})
        assert response.status_code == 200
        assert "close_matches_for" in response.json()

    # NUL and an over-long query are refused naming `search`; undecodable bytes are dropped.
    @pytest.mark.parametrize(
        ("raw", "status"),
        [("%00", 400), ("a%00b", 400), ("%ED%A0%80", 200), ("%F0%9F", 200), ("x" * 201, 400)],
    )
    def test_hostile_bytes_are_refused_or_ignored_never_a_500(self, reader, library, raw, status):
        response = reader.get(f"/api/steps/?search={raw}")
        assert response.status_code == status
        if status == 400:
            assert "search" in response.json()

    def test_the_page_escapes_the_query(self, outsider, library, client):
        client.force_login(outsider)
        response = client.get("/library/", {"search": "<script>alert(1)</script> certficate"})
        assert response.status_code == 200
        assert b"<script>alert(1)</script>" not in response.content


@pytest.mark.django_db
class TestSimpleSearchEverywhere:
    """What both databases answer the same way."""

    @pytest.mark.parametrize(
        ("query", "expected"),
        [("pkill", "Kill processes by name"), ("nginx", "Stop nginx"), ("TAR", "Extract a tar archive")],
    )
    def test_words_are_found(self, reader, library, query, expected):
        assert expected in titles(reader, query)

    def test_every_word_must_match(self, reader, library):
        assert titles(reader, "stop nginx")[0] == "Stop nginx"


@pytest.mark.django_db
class TestSectionFilter:
    def test_is_case_insensitive(self, reader, library):
        assert titles(reader, "", group_label="backup") == ["Create a tar archive", "Preview a copy"]
        assert titles(reader, "", group_label="BACKUP") == ["Create a tar archive", "Preview a copy"]

    def test_the_page_offers_visible_sections_only(self, outsider, author, library, client):
        LibraryStep.objects.filter(title="Stop nginx").update(visibility="team")
        client.force_login(outsider)
        body = client.get("/library/").content.decode()
        assert '<datalist id="lib-sections">' in body
        assert '<option value="Backup">' in body
        assert '<option value="Preparation">' not in body

    @pytest.mark.postgresql
    def test_uses_the_index(self, library):
        queryset = LibraryStepFilterSet({"group_label": "web"}, queryset=LibraryStep.objects.all()).qs
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = plan_of(queryset, cursor)
        assert "librarystep_section_upper_idx" in plan


class TestQueryParsing:
    @pytest.mark.parametrize(
        ("typed", "websearch"),
        [
            ("known_hosts", '"known hosts"'),
            ("--dry-run", '"dry run"'),
            ("-windows", "-windows"),
            ("/etc/hosts", '"etc hosts"'),
            ('"restart the service" or reboot', '"restart the service" or reboot'),
            ("user's password", "user's password"),
        ],
    )
    def test_commands_become_phrases_of_their_parts(self, typed, websearch):
        assert parse_query(typed).websearch == websearch

    def test_highlight_terms_leave_out_excluded_words_and_operators(self):
        assert highlight_terms("restart -windows or nginx") == ["restart", "nginx"]

    def test_unsendable_characters_are_dropped(self):
        assert "\x00" not in parse_query("a\x00b\ud800c").websearch


@pytest.mark.django_db
def test_steps_for_display_with_search_keeps_annotations(author, library):
    queryset = LibraryStepFilterSet({"search": "nginx"}, queryset=steps_for_display(user=author)).qs
    assert all(row.source_tree_name for row in queryset)


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_judged_benchmark_holds_on_a_small_corpus():
    """bench/: the judged queries against 10 variants of every task (make bench uses 5,000)."""
    from bench import relevance
    from bench.corpus import TASKS

    reader, meta = relevance.build_corpus(10 * len(TASKS))
    figures = relevance.scores(relevance.evaluate(reader, meta))
    assert figures["queries"] >= 60
    assert figures["success_at_5"] >= 0.9
    assert figures["mrr_at_10"] >= 0.8
    assert figures["empty"] == 0


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_typo_fallback_is_skipped_when_full_text_found_enough(author):
    """The trigram comparison costs the most per row; it must come after the one-value test
    of "the full-text search found enough", so the database skips it on every other row."""
    queryset = LibraryStepFilterSet({"search": "restart nginx"}, queryset=steps_for_display(user=author)).qs
    sql = str(queryset.query)
    assert re.search(r"NOT \(?EXISTS", sql).start() < sql.index(" <% ")
