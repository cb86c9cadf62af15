"""Load test: `python -m loadtest.run` (or `make loadtest`).

Creates a throwaway PostgreSQL database, starts the production server (gunicorn, several
workers, Redis cache) on a loopback port, drives a bounded mix of requests at it, prints
requests/s, p50/p95/p99 and errors per endpoint, then checks the database: every
successful use/ counted exactly once, one rating per user and step, no duplicate synced rows.
Exits non-zero if any check fails or any request got a 5xx.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

PROJECT = Path(__file__).resolve().parent.parent
MIX = [("list_search", 40), ("detail", 25), ("use", 15), ("rate", 10), ("fork", 10)]
SEARCH_WORDS = ["restart", "check", "network", "disk", "cache"]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (bounded)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="stop after this many requests")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--publish-every", type=float, default=3.0, help="seconds between publishes")
    parser.add_argument("--flow-steps", type=int, default=500)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/15")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--keep-database", action="store_true")
    return parser.parse_args(argv)


# ---- the throwaway database and the server ------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, cache_url: str, port: int, workers: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "THROTTLE_WRITE_RATE": "1000000/min",
        "THROTTLE_TOKEN_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }


def start_server(env: dict, port: int) -> subprocess.Popen:
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT, env=env, check=True
    )
    gunicorn = str(Path(python).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "config.wsgi", "--config", "config/gunicorn.conf.py"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the server did not answer /healthz: {server.stderr.read().decode()[-2000:]}")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


# ---- data (written through the ORM, pointed at the throwaway database) ---------------------


def seed(flow_steps: int) -> dict:
    from accounts.models import Account, User
    from accounts.services import token_create
    from flows.models import Tree
    from flows.samples import procedural_structure
    from flows.services import tree_publish
    from steplibrary.models import LibraryStep

    account = Account.objects.create(name="Load test team")
    users = [User.objects.create(username=f"load-{index}", account=account) for index in range(20)]
    tokens = [token_create(user=user)[1] for user in users]
    steps = [
        LibraryStep.objects.create(
            title=f"{random.choice(SEARCH_WORDS)} step {index}",
            content={"instructions": f"Do {index}", "help_text": None, "commands": [], "group_label": None},
            visibility="public",
            created_by=users[index % len(users)],
            account=account,
        )
        for index in range(100)
    ]
    tree = Tree.objects.create(
        name="Load test flow",
        tree_type="procedural",
        tree_structure=procedural_structure(flow_steps, sections=10),
        author=users[0],
        account=account,
    )
    tree_publish(tree=tree)
    return {"tokens": tokens, "step_ids": [str(step.pk) for step in steps], "tree_id": str(tree.pk)}


# ---- the load ------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.uses: Counter = Counter()
        self.ratings: set[tuple[int, str]] = set()
        self.total = 0

    def record(self, endpoint: str, status: int, seconds: float) -> None:
        with self.lock:
            self.samples[endpoint].append(seconds)
            self.statuses[endpoint][status] += 1
            self.total += 1


def call(connection, method: str, path: str, token: str, body=None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def client_loop(
    port: int, data: dict, recorder: Recorder, deadline: float, max_requests: int, seed_value: int
):
    rng = random.Random(seed_value)
    user_index = seed_value % len(data["tokens"])
    token = data["tokens"][user_index]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    operations, weights = zip(*MIX, strict=True)
    while time.monotonic() < deadline and recorder.total < max_requests:
        operation = rng.choices(operations, weights)[0]
        step = rng.choice(data["step_ids"])
        started = time.perf_counter()
        try:
            if operation == "list_search":
                query = urlencode({"search": rng.choice(SEARCH_WORDS), "page_size": 25})
                status, _ = call(connection, "GET", f"/api/steps/?{query}", token)
            elif operation == "detail":
                status, _ = call(connection, "GET", f"/api/steps/{step}/", token)
            elif operation == "use":
                status, _ = call(connection, "POST", f"/api/steps/{step}/use/", token)
                if status == 200:
                    with recorder.lock:
                        recorder.uses[step] += 1
            elif operation == "rate":
                status, _ = call(
                    connection, "POST", f"/api/steps/{step}/rate/", token, {"score": rng.randint(1, 5)}
                )
                if status == 200:
                    with recorder.lock:
                        recorder.ratings.add((user_index, step))
            else:
                status, _ = call(connection, "POST", f"/api/steps/{step}/fork/", token, {})
        except (OSError, http.client.HTTPException):
            status = 599  # connection failure: counted as an error
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        recorder.record(operation, status, time.perf_counter() - started)
    connection.close()


def publisher_loop(port: int, data: dict, recorder: Recorder, deadline: float, every: float, flow_steps: int):
    from flows.samples import procedural_structure

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    round_number = 0
    while time.monotonic() < deadline:
        round_number += 1
        structure = procedural_structure(flow_steps, sections=10)
        for node in structure["steps"][1::10]:
            node["title"] += f" (revision {round_number})"
        started = time.perf_counter()
        try:
            status, _ = call(
                connection,
                "PATCH",
                f"/api/trees/{data['tree_id']}/",
                data["tokens"][0],
                {"tree_structure": structure},
            )
        except (OSError, http.client.HTTPException):
            status = 599
        recorder.record("publish_500", status, time.perf_counter() - started)
        time.sleep(max(0.0, every - (time.perf_counter() - started)))
    connection.close()


# ---- report and checks ------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def report(recorder: Recorder, elapsed: float) -> dict:
    rows = {}
    print(
        f"\n{'endpoint':<12} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'4xx':>5} {'5xx':>5}"
    )
    for endpoint in [name for name, _ in MIX] + ["publish_500"]:
        samples = recorder.samples.get(endpoint, [])
        if not samples:
            continue
        statuses = recorder.statuses[endpoint]
        row = {
            "requests": len(samples),
            "rps": len(samples) / elapsed,
            "p50_ms": statistics.median(samples) * 1000,
            "p95_ms": percentile(samples, 0.95),
            "p99_ms": percentile(samples, 0.99),
            "client_errors": sum(count for status, count in statuses.items() if 400 <= status < 500),
            "server_errors": sum(count for status, count in statuses.items() if status >= 500),
        }
        rows[endpoint] = row
        print(
            f"{endpoint:<12} {row['requests']:>8} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['p99_ms']:>8.1f} {row['client_errors']:>5} {row['server_errors']:>5}"
        )
    print(f"total {recorder.total} requests in {elapsed:.1f} s: {recorder.total / elapsed:.1f} req/s")
    return rows


def check_database(recorder: Recorder, data: dict) -> list[str]:
    from django.db.models import Avg, Count

    from flows.models import Tree
    from steplibrary.models import LibraryStep, StepRating

    problems = []
    usage = dict(LibraryStep.objects.filter(pk__in=data["step_ids"]).values_list("id", "usage_count"))
    for step_id in data["step_ids"]:
        counted, expected = usage[uuid.UUID(step_id)], recorder.uses.get(step_id, 0)
        if counted != expected:
            problems.append(f"step {step_id}: usage_count {counted}, successful use/ calls {expected}")
    pairs = StepRating.objects.values("user_id", "step_id").annotate(n=Count("id")).filter(n__gt=1)
    if pairs.exists():
        problems.append(f"{pairs.count()} user/step pairs have more than one rating")
    if StepRating.objects.count() != len(recorder.ratings):
        problems.append(
            f"{StepRating.objects.count()} ratings stored, {len(recorder.ratings)} user/step pairs rated"
        )
    for step in LibraryStep.objects.filter(rating_count__gt=0):
        stats = step.ratings.aggregate(n=Count("id"), avg=Avg("score"))
        if stats["n"] != step.rating_count or abs(stats["avg"] - step.rating_avg) > 1e-6:
            problems.append(
                f"step {step.pk}: rating_count/avg {step.rating_count}/{step.rating_avg} vs {stats}"
            )
    duplicates = (
        LibraryStep.objects.filter(is_flow_synced=True)
        .values("source_tree_id", "source_node_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    if duplicates.exists():
        problems.append(f"{duplicates.count()} duplicate synced rows")
    tree = Tree.objects.get(pk=data["tree_id"])
    published = {node["id"] for node in tree.tree_structure["steps"] if node["type"] == "procedure_step"}
    active = set(
        LibraryStep.objects.filter(source_tree=tree, is_active=True).values_list("source_node_id", flat=True)
    )
    if active != published:
        problems.append(
            f"library has {len(active)} active entries for the flow, it publishes {len(published)}"
        )
    return problems


def main(argv) -> int:
    args = parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("The load test runs on PostgreSQL: set DATABASE_URL or --database-url.")
    name = f"flows_loadtest_{os.getpid()}"
    database_url = _with_database(args.database_url, name)
    port = free_port()
    env = server_env(database_url, args.cache_url, port, args.workers)
    create_database(args.database_url, name)
    server = None
    try:
        os.environ.update(
            {
                key: env[key]
                for key in (
                    "DATABASE_URL",
                    "CACHE_URL",
                    "SECRET_KEY",
                    "DEBUG",
                    "ALLOWED_HOSTS",
                    "SECURE_SSL_REDIRECT",
                    "LOG_LEVEL",
                )
            }
        )
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        server = start_server(env, port)
        import django

        django.setup()
        from django.core.cache import cache
        from django.db import connections

        cache.clear()
        data = seed(args.flow_steps)
        connections.close_all()
        print(
            f"Load: {args.clients} clients for {args.duration:g} s against gunicorn ({args.workers} workers) on "
            f"127.0.0.1:{port}, PostgreSQL and {args.cache_url}; a {args.flow_steps}-step publish every "
            f"{args.publish_every:g} s"
        )
        recorder = Recorder()
        deadline = time.monotonic() + args.duration
        started = time.perf_counter()
        threads = [
            threading.Thread(
                target=client_loop, args=(port, data, recorder, deadline, args.max_requests, index)
            )
            for index in range(args.clients)
        ]
        threads.append(
            threading.Thread(
                target=publisher_loop,
                args=(port, data, recorder, deadline, args.publish_every, args.flow_steps),
            )
        )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + 120)
        elapsed = time.perf_counter() - started
        stop_server(server)
        server = None
        rows = report(recorder, elapsed)
        problems = check_database(recorder, data)
        server_errors = sum(row["server_errors"] for row in rows.values())
        if server_errors:
            problems.append(f"{server_errors} requests failed with a 5xx or a broken connection")
        print("database checks: " + ("ok" if not problems else "FAILED"))
        for problem in problems:
            print(f"  - {problem}")
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps({"endpoints": rows, "problems": problems}, indent=2))
        connections.close_all()
        return 1 if problems else 0
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep_database:
            drop_database(args.database_url, name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
