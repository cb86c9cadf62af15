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
SECTIONS = 40
ACCOUNTS = 8
TEAM_SIZE = 25
BATCH = 5000


def build_library(size: int, rng: random.Random) -> User:
    """`size` entries over several accounts and every visibility; returns a mid-sized team's member."""
    accounts = [Account.objects.create(name=f"Bench team {index}") for index in range(ACCOUNTS)]
    users = [
        User(username=f"bench-{index}-{member}", account=account)
        for index, account in enumerate(accounts)
        for member in range(TEAM_SIZE)
    ]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="bench-"))
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
    now = timezone.now()
    batch: list[LibraryStep] = []
    for index in range(size):
        creator = users[rng.randrange(len(users))]
        words = rng.sample(WORDS, 4)
        title = " ".join(words).capitalize()
        content = {
            "instructions": f"{title}. " + " ".join(rng.sample(WORDS, 8)),
            "help_text": None,
            "commands": [{"label": "Run", "command": f"{words[0]} --{words[1]}", "command_type": "bash"}],
            "group_label": f"Section {index % SECTIONS}",
        }
        if index % 2000 == 7:
            title = f"{title} {RARE_WORD}"
        synced = index % 3 == 0
        batch.append(
            LibraryStep(
                id=uuid.uuid4(),
                title=title,
                content=content,
                step_type="solution" if index % 5 == 0 else "action",
                visibility=("public", "team", "team", "private")[index % 4]
                if not synced
                else ("team", "public")[index % 2],
                created_by=creator,
                account=creator.account,
                usage_count=rng.randrange(500),
                is_flow_synced=synced,
                source_tree=trees[index % len(trees)] if synced else None,
                source_node_id=f"n{index}" if synced else None,
                last_synced_at=now if synced else None,
                search_text=build_search_text(title, content),
            )
        )
        if len(batch) == BATCH:
            LibraryStep.objects.bulk_create(batch)
            batch = []
    LibraryStep.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a live database would have
    return users[0]


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


def measure(user: User, rounds: int, server_port: int | None = None, token: str | None = None) -> list[dict]:
    """Every case, interleaved over `rounds` rounds; one figure per case."""
    analyze()
    client = Client()
    client.force_login(user)
    client.get("/api/steps/")  # warm up caches and connections
    prepared = [prepare(client, name, params) for name, params in cases().items()]
    analyze()
    server = http.client.HTTPConnection("127.0.0.1", server_port, timeout=30) if server_port else None
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
