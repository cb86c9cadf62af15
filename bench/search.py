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


def _limit_sql() -> str:
    # Visibility rule, search, filter, default order and page, in one statement.
    return (
        "SELECT s.id, s.title, s.step_type, s.content, s.visibility, s.created_by_id, s.account_id, "
        "s.usage_count, s.rating_count, s.rating_avg, s.is_active, s.is_flow_synced, s.source_tree_id, "
        "s.source_node_id, s.last_synced_at, s.forked_from_id, s.created_at, s.updated_at, t.name "
        "FROM steplibrary_librarystep s LEFT JOIN flows_tree t ON t.id = s.source_tree_id "
        "WHERE s.is_active AND (s.visibility = 'public' OR s.created_by_id = %s "
        "OR (s.visibility = 'team' AND s.account_id = %s)) "
        "AND s.search_text LIKE %s AND s.step_type = 'action' "
        "ORDER BY s.usage_count DESC, s.id LIMIT 50"
    )


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
    args = [user.pk, user.account_id, f"%{COMMON_WORD}%"]
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
