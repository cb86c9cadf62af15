"""Benchmarks: `python -m bench.run [--json PATH] [--parts relevance,sync,search]` (or `make bench`).

Builds its own data in a throwaway database (Django's test database for DATABASE_URL),
prints tables and writes the same figures as JSON: the judged relevance of the library
search (success@5, MRR@10), then sync and search timings.
"""

import argparse
import json
import logging
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", default="bench-results/latest.json", help="where to write the figures")
    parser.add_argument("--parts", default="relevance,sync,search", help="which benchmarks to run")
    parser.add_argument("--relevance-size", type=int, default=5000, help="entries in the judged corpus")
    parser.add_argument("--sync-sizes", default="1000,10000", help="flow sizes (steps)")
    parser.add_argument("--naive-max", type=int, default=1000, help="largest size the naive peer runs at")
    parser.add_argument(
        "--scale-flows", type=int, default=100_000, help="other flows in the scale case (0: skip)"
    )
    parser.add_argument("--scale-steps", type=int, default=1000, help="flow size published in the scale case")
    parser.add_argument("--search-sizes", default="1000,10000,100000", help="library sizes (entries)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per sync figure")
    parser.add_argument("--search-repeats", type=int, default=40, help="interleaved rounds per search figure")
    parser.add_argument(
        "--search-cases",
        default="",
        help="only the search cases whose names start with one of these (comma-separated): "
        "'default,page 20,ordering' times a 1,000,000-entry library in minutes, not hours",
    )
    parser.add_argument(
        "--search-http", action="store_true", help="also time search over real HTTP (gunicorn; PostgreSQL)"
    )
    return parser.parse_args(argv)


def setup_database():
    import django
    from django.conf import settings

    django.setup()
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        # A file, not memory: what a real SQLite deployment would do.
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    else:
        # Its own throwaway database, so a benchmark never collides with a test run.
        database.setdefault("TEST", {})["NAME"] = f"bench_{database['NAME']}_{os.getpid()}"
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    return setup_databases(verbosity=0, interactive=False)


def run_sync(args) -> dict:
    """Interleaved rounds per size and phase (see bench.rounds), then the scale case."""
    from accounts.models import Account, User
    from bench import rounds

    author = User.objects.create(username="bench-author", account=Account.objects.create(name="Bench"))
    figures: dict = {"phases": [], "unchanged": [], "scale": None}
    for size in [int(n) for n in args.sync_sizes.split(",") if n]:
        count = args.rounds if size <= 1000 else max(3, args.rounds // 2)
        for phase in ("first", "changed"):
            row = rounds.phase_figures(author, size, phase, count, with_naive=size <= args.naive_max)
            figures["phases"].append(row)
            print_phase(row)
        row = rounds.unchanged_figures(author, size, count)
        figures["unchanged"].append(row)
        print(
            f"{size:>6}  unchanged  first {row['first_ms']:.1f} ms; publish unchanged {row['unchanged_ms']:.1f} ms "
            f"({row['unchanged_queries']} queries), ratio {_ratio(row['unchanged_over_first'])}; "
            f"resync {row['resync_ms']:.1f} ms ({row['resync_queries']} queries), "
            f"ratio {_ratio(row['resync_over_first'])}",
            flush=True,
        )
    if args.scale_flows and connection_vendor() == "postgresql":
        row = rounds.scale_figures(author, args.scale_steps, args.rounds, args.scale_flows)
        figures["scale"] = row
        print(f"\nScale: {args.scale_flows:,} other flows built in {row['build_s']:.1f} s")
        for name in ("publish", "changed", "preview"):
            part = row[name]
            print(
                f"  {name:<8} empty {part['empty_ms']:.1f} ms, with others {part['full_ms']:.1f} ms: "
                f"wall x{part['wall_ratio']:.2f}, cpu x{part['cpu_ratio']:.2f}, queries {part['queries']}",
                flush=True,
            )
    return figures


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


def _ratio(summary: dict | None) -> str:
    if summary is None:
        return "-"
    cpu = f"{summary['cpu']:.2f}" if summary["cpu"] is not None else "-"
    return f"{summary['wall']:.2f} (cpu {cpu}, {summary['min']:.2f}-{summary['max']:.2f})"


def print_phase(row: dict) -> None:
    naive = f"{row['naive_ms']:>9.1f}" if "naive_ms" in row else f"{'-':>9}"
    print(
        f"{row['steps']:>6}  {row['phase']:<9} {row['ours_ms']:>9.1f} {row['limit_ms']:>9.1f} {naive}  "
        f"ours/limit {_ratio(row['ours_over_limit'])}  naive/ours {_ratio(row.get('naive_over_ours'))}  "
        f"queries {row['ours_queries']}",
        flush=True,
    )


def run_search(sizes: list[int], rounds: int, over_http: bool, only: tuple[str, ...] = ()) -> list[dict]:
    from accounts.models import Account, User
    from accounts.services import token_create
    from bench.rounds import reset_library
    from bench.search import build_library, measure

    results = []
    rng = random.Random(2026)
    server = port = None
    try:
        for size in sizes:
            # Each size starts from an empty database (emptied in one statement: deleting a
            # million entries through the ORM would take longer than building them).
            reset_library()
            User.objects.all().delete()
            Account.objects.all().delete()
            started = time.monotonic()
            user = build_library(size, rng)
            print(f"  ({size:,} entries built in {time.monotonic() - started:.0f} s)", flush=True)
            token = token_create(user=user)[1]
            if over_http and server is None:
                server, port = start_search_server()
            for figures in measure(user, rounds, server_port=port, token=token, only=only):
                figures["entries"] = size
                results.append(figures)
                print_row(figures, SEARCH_COLUMNS)
    finally:
        if server is not None:
            from loadtest.run import stop_server

            stop_server(server)
    return results


def start_search_server():
    """gunicorn as `make serve` runs it (one worker, keep-alive), on the benchmark's database,
    with persistent connections as production has them."""
    from django.db import connection

    from loadtest.run import _with_database, free_port, server_env, start_server

    port = free_port()
    url = _with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    env = server_env(url, os.environ.get("CACHE_URL", "locmem://"), port, workers=1)
    env["DATABASE_CONN_MAX_AGE"] = "60"
    env["GUNICORN_TIMEOUT"] = "600"  # the slowest cases at 1,000,000 entries outlast the default
    return start_server(env, port), port


SEARCH_COLUMNS = [
    ("entries", "{:>7}"),
    ("case", "{:<27}"),
    ("rows", "{:>4}"),
    ("api_p50_ms", "{:>10.2f}"),
    ("api_p95_ms", "{:>10.2f}"),
    ("limit_p50_ms", "{:>12.2f}"),
    ("ratio", "{:>6.2f}"),
    ("http_p50_ms", "{:>11}"),
    ("http_ratio", "{:>10}"),
    ("queries", "{:>7}"),
]


def print_row(row: dict, columns) -> None:
    print("  ".join(_cell(row[name], fmt) for name, fmt in columns), flush=True)


def _cell(value, fmt: str) -> str:
    if value is None:
        return fmt.format("-")
    if isinstance(value, float) and "f" not in fmt:
        return fmt.format(f"{value:.2f}")
    return fmt.format(value)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.disable(logging.INFO)  # one log line per sync would drown the table
    old_config = setup_database()
    from django.db import connection
    from django.test.utils import teardown_databases

    try:
        print(
            f"Database: {connection.vendor} {connection.Database.__name__} · Python {platform.python_version()}"
        )
        parts = set(args.parts.split(","))
        relevance_results = None
        if "relevance" in parts:
            from bench import relevance

            print("\nRelevance: judged queries against GET /api/steps/?search=… as another team's engineer")
            relevance_results = relevance.run(args.relevance_size)
            clear_library()
        sync_results: dict | list = []
        search_results: list = []
        if "sync" in parts:
            sync_results = run_sync_table(args)
        if "search" in parts:
            search_results = run_search_table(args)
        report = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "relevance": relevance_results,
            "sync": sync_results,
            "search": search_results,
        }
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2))
        print(f"\nFigures written to {path}")
    finally:
        teardown_databases(old_config, verbosity=0)
    return 0


def clear_library() -> None:
    from accounts.models import Account, User
    from flows.models import Tree
    from steplibrary.models import LibraryStep

    LibraryStep.objects.all().delete()
    Tree.objects.all().delete()
    User.objects.all().delete()
    Account.objects.all().delete()


def run_sync_table(args) -> dict:
    print("\nSync: publishing an N-step flow, ours / the limit / naive interleaved per round (ms, median);")
    print("ratios are medians of per-round ratios, wall (cpu = this process + the database backend).")
    print("limit = one hand-written upsert + one set-based revision INSERT (first), or the upsert of")
    print("every row + one retiring UPDATE (changed: 10% of steps edited, 5% removed);")
    print("naive = the same writes row by row: update_or_create of each entry, then its revision (latest")
    print("read, next one added when the hash differs), removed nodes retired one save() each;")
    print("unchanged = Publish and a resync of an unchanged published flow, against a first publish")
    print(" steps  phase       ours_ms  limit_ms  naive_ms")
    return run_sync(args)


def run_search_table(args) -> list[dict]:
    print("\nLibrary list: GET /api/steps/ cases as a team member (page_size=50), median of per-round ratios")
    print(
        "entries  case                         rows  api_p50_ms  api_p95_ms  limit_p50_ms  ratio  http_p50_ms  http_ratio  queries"
    )
    sizes = [int(n) for n in args.search_sizes.split(",") if n]
    only = tuple(name.strip() for name in args.search_cases.split(",") if name.strip())
    results = run_search(sizes, args.search_repeats, args.search_http, only)
    default = [row for row in results if row["case"] == "default"]
    if len(default) >= 2:
        growth = default[-1]["api_p50_ms"] / default[0]["api_p50_ms"]
        print(
            f"default page p50 growth from {default[0]['entries']} to {default[-1]['entries']} entries: {growth:.2f}x"
        )
    return results


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
