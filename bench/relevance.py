"""The judged relevance benchmark: success@5 and MRR@10 of the library search as shipped.

Publishes the generated corpus (`bench/corpus.py`) as public flows of several teams, then
sends every judged query (`bench/judged.py`) to `GET /api/steps/?search=…` as an engineer of
another team, and scores where the first right answer lands.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.test import Client

from accounts.models import Account, User
from bench.corpus import generate, section_of
from bench.judged import QUERIES, Judged
from flows.models import Tree
from steplibrary.models import LibraryStep

FLOW_SIZE = 100
TEAMS = 4


@dataclass
class Outcome:
    judged: Judged
    rank: int | None  # 1-based rank of the first right answer in the top 10
    found: int
    top: list[str]


def build_corpus(size: int) -> tuple[User, dict]:
    """Publishes `size` steps; returns the reader (another team) and entry id -> (task, param)."""
    steps = generate(size)
    authors = [
        User.objects.create(username=f"rel-author-{n}", account=Account.objects.create(name=f"Team {n}"))
        for n in range(TEAMS)
    ]
    reader = User.objects.create(username="rel-reader", account=Account.objects.create(name="Readers"))
    meta_by_node = {}
    for start in range(0, len(steps), FLOW_SIZE):
        chunk = steps[start : start + FLOW_SIZE]
        structure, section = [], None
        for step in chunk:
            if section_of(step.task) != section:
                section = section_of(step.task)
                structure.append({"id": f"h{step.node['id']}", "type": "section_header", "title": section})
            structure.append(step.node)
        author = authors[(start // FLOW_SIZE) % TEAMS]
        with transaction.atomic():
            tree = Tree.objects.create(
                name=f"Runbook {start // FLOW_SIZE + 1}",
                tree_type="procedural",
                tree_structure={"steps": structure},
                status="published",
                is_public=True,
                account=author.account,
                author=author,
            )
        for step in chunk:
            meta_by_node[(tree.pk, step.node["id"])] = (step.task, step.param)
    meta = {
        pk: meta_by_node[(tree_id, node_id)]
        for pk, tree_id, node_id in LibraryStep.objects.values_list("pk", "source_tree_id", "source_node_id")
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE steplibrary_librarystep")  # autovacuum is off on this machine
    return reader, meta


def is_right(judged: Judged, meta: tuple[str, str | None]) -> bool:
    task, param = meta
    tasks = judged.task if isinstance(judged.task, tuple) else (judged.task,)
    return task in tasks and (judged.param is None or param == judged.param)


def evaluate(reader: User, meta: dict, queries: list[Judged] = QUERIES) -> list[Outcome]:
    client = Client()
    client.force_login(reader)
    outcomes = []
    for judged in queries:
        response = client.get("/api/steps/", {"search": judged.query, "page_size": 10})
        assert response.status_code == 200, (judged.query, response.status_code)
        body = response.json()
        rows = body["results"]
        rank = next(
            (index for index, row in enumerate(rows, 1) if is_right(judged, meta[_uuid(row["id"])])),
            None,
        )
        outcomes.append(Outcome(judged, rank, body["count"], [row["title"] for row in rows[:3]]))
    return outcomes


def _uuid(value):
    import uuid

    return uuid.UUID(value)


def scores(outcomes: list[Outcome]) -> dict:
    total = len(outcomes) or 1
    return {
        "queries": len(outcomes),
        "success_at_5": sum(1 for o in outcomes if o.rank and o.rank <= 5) / total,
        "mrr_at_10": sum(1 / o.rank for o in outcomes if o.rank) / total,
        "empty": sum(1 for o in outcomes if o.found == 0),
    }


def run(size: int) -> dict:
    reader, meta = build_corpus(size)
    outcomes = evaluate(reader, meta)
    overall = scores(outcomes)
    kinds = sorted({o.judged.kind for o in outcomes})
    print(
        f"corpus: {len(meta)} entries · {overall['queries']} judged queries · database: {connection.vendor}"
    )
    print(f"{'kind':<12}{'queries':>8}{'success@5':>11}{'MRR@10':>8}{'empty':>7}")
    by_kind = {}
    for kind in kinds:
        figures = scores([o for o in outcomes if o.judged.kind == kind])
        by_kind[kind] = figures
        print(
            f"{kind:<12}{figures['queries']:>8}{figures['success_at_5']:>11.3f}"
            f"{figures['mrr_at_10']:>8.3f}{figures['empty']:>7}"
        )
    print(
        f"{'all':<12}{overall['queries']:>8}{overall['success_at_5']:>11.3f}"
        f"{overall['mrr_at_10']:>8.3f}{overall['empty']:>7}"
    )
    misses = [o for o in outcomes if not o.rank or o.rank > 5]
    if misses:
        print("not in the top 5:")
        for o in misses:
            print(
                f"  {o.judged.query!r} ({o.judged.kind}): rank {o.rank or '-'}, {o.found} found, top: {o.top}"
            )
    return {
        "entries": len(meta),
        **overall,
        "by_kind": by_kind,
        "misses": [{"query": o.judged.query, "rank": o.rank, "found": o.found} for o in misses],
    }
