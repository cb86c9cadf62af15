"""Library list benchmark: each case of `GET /api/steps/` next to the one SQL statement that
reads the same page (the limit), interleaved round by round.

Each round times every case once through the Django test client, once over real HTTP when a
server is given (gunicorn, one keep-alive connection) and once as the bare statement, in an
order that alternates between rounds; the figure reported for a case is the median of its
per-round ratios, next to the p50 of each side. Statistics are refreshed (ANALYZE) before
each phase: this machine's PostgreSQL runs without autovacuum."""

import http.client
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, User
from flows.models import Tree
from steplibrary.models import LibraryStep, build_search_text

WORDS = [
    "restart",
    "service",
    "check",
    "disk",
    "network",
    "printer",
    "vpn",
    "password",
    "reset",
    "cache",
    "dns",
    "certificate",
    "nginx",
    "database",
    "backup",
    "restore",
    "firewall",
    "port",
    "user",
    "account",
    "license",
    "update",
    "driver",
    "monitor",
    "queue",
    "mail",
    "proxy",
    "token",
    "session",
    "cluster",
    "node",
    "volume",
    "memory",
    "cpu",
    "kernel",
    "log",
]
COMMON_WORD = "restart"
RARE_WORD = "zeppelin"  # in one entry of every 2,000
TYPO_OF_COMMON_WORD = "restrat"
TYPO_OF_RARE_WORD = "zepelin"
SECTIONS = 40
ACCOUNTS = 8
TEAM_SIZE = 25
BATCH = 5000


DUPLICATE_EVERY = 10  # every 10th entry repeats the one before it (another flow publishing it)


def build_library(size: int, rng: random.Random) -> User:
    """`size` entries over several accounts and every visibility, a tenth of them copies of
    another entry; returns a mid-sized team's member. PostgreSQL builds the entries with one
    set-based INSERT (1,000,000 in minutes); SQLite through the ORM."""
    accounts = [Account.objects.create(name=f"Bench team {index}") for index in range(ACCOUNTS)]
    users = [
        User(username=f"bench-{index}-{member}", account=account)
        for index, account in enumerate(accounts)
        for member in range(TEAM_SIZE)
    ]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="bench-").order_by("id"))
    trees = [
        Tree(
            name=f"Bench flow {index}",
            tree_type="procedural",
            status="published",
            author=users[index % len(users)],
            account=users[index % len(users)].account,
            tree_structure={"steps": []},
        )
        for index in range(50)
    ]
    Tree.objects.bulk_create(trees)  # rows only; their entries are written below
    if connection.vendor == "postgresql" and not LibraryStep.objects.exists():
        _insert_entries_in_sql(size, users, trees, seed=rng.randrange(2**31))
    else:
        _create_entries(size, users, trees, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a live database would have
    return users[0]


def _entry_fields(index: int, synced: bool) -> dict:
    """What depends on the entry's number alone, as `_ENTRIES_SQL` computes it too."""
    return {
        "step_type": "solution" if index % 5 == 0 else "action",
        "visibility": ("team", "public")[index % 2]
        if synced
        else ("public", "team", "team", "private")[index % 4],
        "is_flow_synced": synced,
        "source_node_id": f"n{index}" if synced else None,
    }


def _create_entries(size: int, users: list[User], trees: list[Tree], rng: random.Random) -> None:
    now = timezone.now()
    batch: list[LibraryStep] = []
    title = content = None
    for index in range(size):
        creator = users[rng.randrange(len(users))]
        if index % DUPLICATE_EVERY != DUPLICATE_EVERY - 1 or title is None:
            words = rng.sample(WORDS, 4)
            title = " ".join(words).capitalize()
            content = {
                "instructions": f"{title}. " + " ".join(rng.sample(WORDS, 8)),
                "help_text": None,
                "commands": [{"label": "Run", "command": f"{words[0]} --{words[1]}", "command_type": "bash"}],
            }
        content = {**content, "group_label": f"Section {index % SECTIONS}"}  # not part of a copy's key
        shown = f"{title} {RARE_WORD}" if index % 2000 == 7 else title
        synced = index % 3 == 0
        batch.append(
            LibraryStep(
                id=uuid.uuid4(),
                title=shown,
                content=content,
                created_by=creator,
                account=creator.account,
                usage_count=rng.randrange(500),
                source_tree=trees[index % len(trees)] if synced else None,
                last_synced_at=now if synced else None,
                search_text=build_search_text(shown, content),
                **_entry_fields(index, synced),
            )
        )
        if len(batch) == BATCH:
            LibraryStep.objects.bulk_create(batch)
            batch = []
    LibraryStep.objects.bulk_create(batch)


def _insert_entries_in_sql(size: int, users: list[User], trees: list[Tree], seed: int) -> None:
    """The same library as `_create_entries`, in one statement: words are picked by a hash of
    the entry's number (a copy uses the number of the entry it repeats), the database fills
    `content_key` and `search_vector` itself, and `search_text` is built as
    `build_search_text` builds it."""
    table = LibraryStep._meta.db_table
    with connection.cursor() as cursor:
        # Into an empty table, building each index once afterwards is several times faster than
        # keeping the GIN indexes up to date row by row; the indexes are the same in the end.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        # Foreign-key checks still pending (inside a test's transaction) block CREATE INDEX.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            _ENTRIES_SQL,
            {
                "size": size,
                "seed": seed,
                "words": WORDS,
                "users": [user.pk for user in users],
                "accounts": [user.account_id for user in users],
                "trees": [str(tree.pk) for tree in trees],
                "sections": SECTIONS,
                "every": DUPLICATE_EVERY,
                "rare": RARE_WORD,
            },
        )
        for _, definition in indexes:
            cursor.execute(definition)


# n: the entry's number; c: the number whose words it takes (itself, or the entry it copies);
# words are drawn without repeats by sorting the list on a hash of c (a title's four, the
# instructions' eight); h3, a hash of n, picks the creator and the usage count.
_ENTRIES_SQL = """
WITH numbered AS (
    SELECT n, CASE WHEN n %% %(every)s = %(every)s - 1 AND n > 0 THEN n - 1 ELSE n END AS c,
        (n * 2246822519 + %(seed)s::bigint * 3) %% 4294967231 AS h3
    FROM generate_series(0::bigint, %(size)s - 1) AS n
), drawn AS (
    SELECT n, h3,
        ARRAY(SELECT w FROM unnest(%(words)s::text[]) WITH ORDINALITY AS u(w, i)
            ORDER BY hashint8(c * 97 + i + %(seed)s) LIMIT 4) AS title_words,
        ARRAY(SELECT w FROM unnest(%(words)s::text[]) WITH ORDINALITY AS u(w, i)
            ORDER BY hashint8(c * 89 + i * 7 + %(seed)s + 1) LIMIT 8) AS other_words
    FROM numbered
), texts AS (
    SELECT n, h3, title_words[1] AS w0, title_words[2] AS w1,
        array_to_string(title_words, ' ') AS words4, array_to_string(other_words, ' ') AS words8
    FROM drawn
), entries AS (
    SELECT n, h3, w0 || ' --' || w1 AS command,
        upper(left(words4, 1)) || substr(words4, 2) AS base_title,
        upper(left(words4, 1)) || substr(words4, 2) || '. ' || words8 AS instructions,
        'Section ' || (n %% %(sections)s) AS section,
        n %% 3 = 0 AS synced,
        (1 + h3 %% cardinality(%(users)s::bigint[]))::int AS who
    FROM texts
), shown AS (
    SELECT e.*, CASE WHEN n %% 2000 = 7 THEN base_title || ' ' || %(rare)s ELSE base_title END AS title
    FROM entries e
)
INSERT INTO steplibrary_librarystep (
    id, title, step_type, content, visibility, created_by_id, account_id, usage_count,
    rating_count, rating_avg, is_active, is_flow_synced, source_tree_id, source_node_id,
    last_synced_at, search_text, content_hash, created_at, updated_at)
SELECT gen_random_uuid(), title,
    CASE WHEN n %% 5 = 0 THEN 'solution' ELSE 'action' END,
    jsonb_build_object('instructions', instructions, 'help_text', NULL,
        'commands', jsonb_build_array(jsonb_build_object(
            'label', 'Run', 'command', command, 'command_type', 'bash')),
        'group_label', section),
    CASE WHEN synced THEN (ARRAY['team', 'public'])[(1 + n %% 2)::int]
        ELSE (ARRAY['public', 'team', 'team', 'private'])[(1 + n %% 4)::int] END,
    (%(users)s::bigint[])[who], (%(accounts)s::bigint[])[who], (h3 / 7 %% 500)::int,
    0, 0, TRUE, synced,
    CASE WHEN synced THEN (%(trees)s::uuid[])[(1 + n %% cardinality(%(trees)s::uuid[]))::int] END,
    CASE WHEN synced THEN 'n' || n END,
    CASE WHEN synced THEN now() END,
    lower(concat_ws(E'\n', title, instructions, section, 'Run', command)),
    md5(title || instructions || command),
    now() - make_interval(secs => n), now() - make_interval(secs => n)
FROM shown
"""


PAGE_SIZE = "50"
ORDERINGS = ["-usage_count", "usage_count", "-rating_avg", "rating_avg", "title", "-title"]
ORDERINGS += ["-updated_at", "updated_at", "-works_best", "works_best"]


def cases() -> dict[str, dict]:
    """name -> query parameters. `cursor` pages unless the name says `page`."""
    keyset = {"page_size": PAGE_SIZE, "cursor": ""}
    found = {
        "default": keyset,
        "default (page numbers)": {"page_size": PAGE_SIZE},
        "common word": {**keyset, "search": COMMON_WORD},
        "common word (page numbers)": {"page_size": PAGE_SIZE, "search": COMMON_WORD},
        "rare word": {**keyset, "search": RARE_WORD},
        "three words": {**keyset, "search": "restart nginx service"},
        "ranked search, filtered": {**keyset, "search": COMMON_WORD, "step_type": "action"},
        "section": {**keyset, "group_label": "section 7"},
        "page 20 (cursor)": {**keyset, "deep": 20},
        "page 20 (page numbers)": {"page_size": PAGE_SIZE, "page": "20"},
    }
    if connection.vendor == "postgresql":
        # Typos: too few full-text matches, so close matches by trigram similarity are ranked
        # (PostgreSQL only; SQLite's substring search has no close matches).
        found["typo of a common word"] = {**keyset, "search": TYPO_OF_COMMON_WORD}
        found["typo of a rare word"] = {**keyset, "search": TYPO_OF_RARE_WORD}
    for ordering in ORDERINGS:
        found[f"ordering {ordering}"] = {**keyset, "ordering": ordering}
    return found


@dataclass
class Case:
    name: str
    path: str  # the request, query string included
    sql: str = ""
    args: list = field(default_factory=list)
    api: list[float] = field(default_factory=list)
    http: list[float] = field(default_factory=list)
    limit: list[float] = field(default_factory=list)
    queries: int = 0
    rows: int = 0


def prepare(client: Client, name: str, params: dict) -> Case:
    """The request for the case (for a deep cursor page, the link followed to reach it) and
    the SQL statement that reads its rows, as the list sends it."""
    params = dict(params)
    deep = params.pop("deep", None)
    path = "/api/steps/?" + urlencode(params)
    for _ in range((deep or 1) - 1):
        link = client.get(path).json()["next"]
        parts = urlsplit(link)
        path = f"{parts.path}?{parts.query}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    page_sql = [
        query["sql"] for query in queries.captured_queries if "steplibrary_librarystep" in query["sql"]
    ]
    case = Case(name, path, queries=len(queries.captured_queries), rows=len(response.json()["results"]))
    # The statement that reads the page (not the capped count): the limit for this case.
    case.sql = next(sql for sql in page_sql if "COUNT(" not in sql.upper()[:40])
    return case


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _time_api(client: Client, case: Case) -> None:
    started = time.perf_counter()
    response = client.get(case.path)
    case.api.append(time.perf_counter() - started)
    assert response.status_code == 200


def _time_http(server, token: str, case: Case) -> None:
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    for attempt in (1, 2):
        started = time.perf_counter()
        try:
            server.request("GET", case.path, headers=headers)
            response = server.getresponse()
            response.read()
        except (http.client.RemoteDisconnected, ConnectionError):
            # gunicorn closes a connection idle for more than `keepalive` seconds (a slow
            # ANALYZE): reconnect, and time the request again on the fresh connection.
            server.close()
            if attempt == 2:
                raise
            continue
        case.http.append(time.perf_counter() - started)
        assert response.status == 200, response.status
        return


def _time_limit(case: Case) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(case.sql)
        cursor.fetchall()
    case.limit.append(time.perf_counter() - started)


def measure(
    user: User,
    rounds: int,
    server_port: int | None = None,
    token: str | None = None,
    only: tuple[str, ...] = (),
) -> list[dict]:
    """Every case (or those whose names start with one of `only`), interleaved over `rounds`
    rounds; one figure per case."""
    analyze()
    client = Client()
    client.force_login(user)
    client.get("/api/steps/")  # warm up caches and connections
    chosen = {name: params for name, params in cases().items() if not only or name.startswith(only)}
    prepared = [prepare(client, name, params) for name, params in chosen.items()]
    analyze()
    # Generous: a typo search at 1,000,000 entries can take many seconds.
    server = http.client.HTTPConnection("127.0.0.1", server_port, timeout=600) if server_port else None
    if server:
        _time_http(server, token, Case("warm-up", prepared[0].path))  # connect, warm the worker
    for round_number in range(rounds):
        for case in prepared:
            steps = [lambda case=case: _time_api(client, case), lambda case=case: _time_limit(case)]
            if server:
                steps.append(lambda case=case: _time_http(server, token, case))
            for step in steps if round_number % 2 else reversed(steps):
                step()
        reset_queries()
    if server:
        server.close()
    return [summary(case) for case in prepared]


def summary(case: Case) -> dict:
    median = statistics.median
    figures = {
        "case": case.name,
        "rows": case.rows,
        "queries": case.queries,
        "api_p50_ms": median(case.api) * 1000,
        "api_p95_ms": statistics.quantiles(case.api, n=20)[18] * 1000,
        "limit_p50_ms": median(case.limit) * 1000,
        "ratio": median([api / limit for api, limit in zip(case.api, case.limit, strict=True)]),
        "http_p50_ms": None,
        "http_ratio": None,
    }
    if case.http:
        figures["http_p50_ms"] = median(case.http) * 1000
        figures["http_ratio"] = median(
            [one / limit for one, limit in zip(case.http, case.limit, strict=True)]
        )
    return figures
