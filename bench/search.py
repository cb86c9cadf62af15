"""Library search benchmark: the step list API next to one hand-written SQL query for the same page."""

import random
import statistics
import time
import uuid

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
            "group_label": None,
        }
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


PARAMS = {"search": COMMON_WORD, "step_type": "action", "page_size": "50"}


_LIMIT_COLUMNS = (
    "s.id, s.title, s.step_type, s.content, s.visibility, s.created_by_id, s.account_id, "
    "s.usage_count, s.rating_count, s.rating_avg, s.is_active, s.is_flow_synced, s.source_tree_id, "
    "s.source_node_id, s.last_synced_at, s.forked_from_id, s.created_at, s.updated_at, t.name"
)
_LIMIT_VISIBLE = (
    "s.is_active AND (s.visibility = 'public' OR s.created_by_id = %s "
    "OR (s.visibility = 'team' AND s.account_id = %s)) AND s.step_type = 'action'"
)
# One result per group of identical entries: the most used (then best rated) copy.
_LIMIT_GROUP = "ROW_NUMBER() OVER (PARTITION BY s.content_key ORDER BY s.usage_count DESC, s.rating_avg DESC, s.id) AS rn"


def _limit_sql() -> str:
    """Visibility rule, search, filter, grouping of duplicates, order and page in one statement:
    on PostgreSQL ranked full-text search (relevance, then use and rating), on SQLite the
    substring search in the default order (most used first)."""
    if connection.vendor == "postgresql":
        return (
            f"SELECT * FROM (SELECT {_LIMIT_COLUMNS}, ts_rank_cd(s.search_vector, q) AS rank, {_LIMIT_GROUP} "
            "FROM steplibrary_librarystep s LEFT JOIN flows_tree t ON t.id = s.source_tree_id, "
            "websearch_to_tsquery('english', %s) AS q "
            f"WHERE {_LIMIT_VISIBLE} AND s.search_vector @@ q) AS x "
            "WHERE rn = 1 ORDER BY rank DESC, usage_count DESC, rating_avg DESC, id LIMIT 50"
        )
    return (
        f"SELECT * FROM (SELECT {_LIMIT_COLUMNS}, {_LIMIT_GROUP} "
        "FROM steplibrary_librarystep s LEFT JOIN flows_tree t ON t.id = s.source_tree_id "
        f"WHERE {_LIMIT_VISIBLE} AND s.search_text LIKE %s) AS x "
        "WHERE rn = 1 ORDER BY usage_count DESC, id LIMIT 50"
    )


def _limit_args(user: User) -> list:
    if connection.vendor == "postgresql":
        return [COMMON_WORD, user.pk, user.account_id]
    return [user.pk, user.account_id, f"%{COMMON_WORD}%"]


def measure(user: User, repeats: int) -> dict:
    client = Client()
    client.force_login(user)
    client.get("/api/steps/", PARAMS)  # warm up caches and connections
    api_times, limit_times = [], []
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/steps/", PARAMS)
    query_count = len(queries)
    assert response.status_code == 200, response.content
    api_rows = [row["id"] for row in response.json()["results"]]
    sql = _limit_sql()
    args = _limit_args(user)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        limit_rows = [str(uuid.UUID(str(row[0]))) for row in cursor.fetchall()]
    assert api_rows == limit_rows, "the hand-written query must return the same page"
    for _ in range(repeats):
        started = time.perf_counter()
        client.get("/api/steps/", PARAMS)
        api_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            cursor.fetchall()
        limit_times.append(time.perf_counter() - started)
        reset_queries()
    quantiles = statistics.quantiles(api_times, n=20)
    return {
        "api_p50_ms": statistics.median(api_times) * 1000,
        "api_p95_ms": quantiles[18] * 1000,
        "limit_p50_ms": statistics.median(limit_times) * 1000,
        "queries": query_count,
        "matches": response.json()["count"],
    }
