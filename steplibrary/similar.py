"""Near-duplicates: library entries very like a step an author is about to publish, so that
they can insert the existing entry instead of adding one more copy.

PostgreSQL: an entry is "very similar" when pg_trgm's similarity of the lower-cased titles is
at least TITLE_THRESHOLD and that of the whole search texts (title, instructions, help,
section, commands: what the library stores as `search_text`) at least TEXT_THRESHOLD. Titles
alone cannot tell "Add a new user account" for bob from the one for alice; the whole text
alone finds "Restart redis" for "Restart nginx" on the same host. Both thresholds were
calibrated on the judged corpus with `python -m bench.similar` (see README, Performance):
precision 0.905, recall 0.822 over pairs of generated steps. Candidates come from the
trigram index on `search_text` (`%`), all steps in one statement (a LATERAL join).

SQLite (no pg_trgm): an entry is suggested when its title equals the step's once both are
trimmed and lower-cased (similarity 1.0).

Either way only entries the reader may see, not the flow's own, one per group of identical
entries (the most used), at most MAX_PER_STEP per step, for the first MAX_STEPS steps.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models.functions import Lower, Trim

from flows.models import Tree
from flows.tree_structure import FlowNode
from steplibrary.models import LibraryStep, build_search_text

TITLE_THRESHOLD = 0.5
TEXT_THRESHOLD = 0.85
MAX_PER_STEP = 3
MAX_STEPS = 50


@dataclass(frozen=True)
class Candidate:
    """A step about to be published, as the library would store it."""

    node_id: str
    title: str
    search_text: str
    linked_step_id: str | None  # an entry the node was inserted from is not suggested again


def candidate_for(node: FlowNode) -> Candidate:
    content = {
        "instructions": node.description or node.title,
        "help_text": node.expected_outcome,
        "commands": [{"label": command.label or "", "command": command.code} for command in node.commands],
        "group_label": node.group_label,
    }
    return Candidate(
        node_id=node.id,
        title=node.title.strip().lower(),
        search_text=build_search_text(node.title, content),
        linked_step_id=node.library_step_id,
    )


def similar_entries(*, user, tree: Tree, candidates: list[Candidate]) -> dict[str, list[dict]]:
    """node id → the visible entries very like it, most similar first (nodes with none left out)."""
    candidates = [candidate for candidate in candidates if candidate.title][:MAX_STEPS]
    if not candidates:
        return {}
    entries = LibraryStep.objects.visible_to(user).exclude(source_tree=tree)
    if connection.vendor == "postgresql":
        rows = _similar_postgresql(entries, candidates)
    else:
        rows = _similar_by_title(entries, candidates)
    found: dict[str, list[dict]] = {}
    for node_id, match in rows:
        matches = found.setdefault(node_id, [])
        if len(matches) < MAX_PER_STEP:
            matches.append(match)
    return found


def _match(step_id, title, usage_count, rating_avg, rating_count, similarity) -> dict:
    return {
        "step_id": str(step_id),
        "title": title,
        "usage_count": usage_count,
        "rating_avg": rating_avg,
        "rating_count": rating_count,
        "similarity": round(float(similarity), 3),
    }


_COLUMNS = ("id", "title", "usage_count", "rating_avg", "rating_count", "search_text", "content_key")


def _similar_postgresql(entries, candidates: list[Candidate]) -> list[tuple[str, dict]]:
    visible_sql, visible_params = entries.values(*_COLUMNS).query.sql_with_params()
    # `%%` is pg_trgm's similarity operator (served by the trigram index on search_text, at
    # pg_trgm's default 0.3): it fetches candidates; the two thresholds then decide.
    sql = f"""
        SELECT q.node_id, m.id, m.title, m.usage_count, m.rating_avg, m.rating_count, m.similarity
        FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS q(node_id, title, body, linked)
        CROSS JOIN LATERAL (
            SELECT DISTINCT ON (e.content_key) e.id, e.title, e.usage_count, e.rating_avg,
                   e.rating_count, similarity(e.search_text, q.body) AS similarity
            FROM ({visible_sql}) AS e
            WHERE e.search_text %% q.body
              AND similarity(lower(e.title), q.title) >= %s
              AND similarity(e.search_text, q.body) >= %s
              AND e.id::text IS DISTINCT FROM q.linked
            ORDER BY e.content_key, e.usage_count DESC, e.rating_avg DESC, e.id
        ) AS m
        ORDER BY q.node_id, m.similarity DESC, m.usage_count DESC, m.id
    """  # noqa: S608 (only the ORM's own SQL is interpolated; values are parameters)
    params = [
        [candidate.node_id for candidate in candidates],
        [candidate.title for candidate in candidates],
        [candidate.search_text for candidate in candidates],
        [candidate.linked_step_id for candidate in candidates],
        *visible_params,
        TITLE_THRESHOLD,
        TEXT_THRESHOLD,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(node_id, _match(*rest)) for node_id, *rest in cursor.fetchall()]


def _similar_by_title(entries, candidates: list[Candidate]) -> list[tuple[str, dict]]:
    by_title: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_title.setdefault(candidate.title, []).append(candidate)
    rows = (
        entries.annotate(normalised_title=Lower(Trim("title")))
        .filter(normalised_title__in=list(by_title))
        .order_by("-usage_count", "-rating_avg", "id")
        .values_list(
            "id", "title", "usage_count", "rating_avg", "rating_count", "content_key", "normalised_title"
        )
    )
    found, seen = [], set()
    for step_id, title, usage, rating, ratings, key, normalised in rows:
        for candidate in by_title.get(normalised, []):
            if (candidate.node_id, key) in seen or str(step_id) == candidate.linked_step_id:
                continue
            seen.add((candidate.node_id, key))
            found.append((candidate.node_id, _match(step_id, title, usage, rating, ratings, 1.0)))
    return found
