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

import uuid
from dataclasses import dataclass

from django.db import connection, transaction
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


# ---- the staff report: similar entries across the whole library ---------------------------

REPORT_PAGE_SIZE = 50


@dataclass(frozen=True)
class SimilarPair:
    """Two active library entries very like each other (similarity 1.0: identical text)."""

    first: LibraryStep
    second: LibraryStep
    similarity: float

    @property
    def steps(self) -> tuple[LibraryStep, LibraryStep]:
        return self.first, self.second


def similar_pairs_page(*, page: int, page_size: int = REPORT_PAGE_SIZE) -> tuple[list[SimilarPair], bool]:
    """One page of pairs of active entries across the library, most similar first, and whether
    another page follows. The same rules as for a publish (PostgreSQL: both thresholds, SQLite:
    equal titles); identical entries (one group) count as one. A fixed number of queries: the
    pairs, then their entries with their flows."""
    offset = (page - 1) * page_size
    if connection.vendor == "postgresql":
        rows = _pairs_postgresql(offset, page_size + 1)
    else:
        rows = _pairs_by_title(offset, page_size + 1)
    more, rows = len(rows) > page_size, rows[:page_size]
    rows = [(_uuid(first), _uuid(second), float(similarity)) for first, second, similarity in rows]
    steps = LibraryStep.objects.select_related("source_tree").in_bulk({pk for row in rows for pk in row[:2]})
    return [SimilarPair(steps[first], steps[second], similarity) for first, second, similarity in rows], more


def _uuid(value) -> uuid.UUID:
    # PostgreSQL hands back UUIDs; SQLite the 32 hex digits it stores.
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


# One entry per group of identical ones (the most used), so a step published in ten flows is
# not reported 45 times over; the groups themselves are what the library already collapses.
_REPRESENTATIVES = """
    SELECT DISTINCT ON (content_key) id, title, search_text, content_key, usage_count
    FROM steplibrary_librarystep WHERE is_active
    ORDER BY content_key, usage_count DESC, id
"""


def _pairs_postgresql(offset: int, limit: int) -> list[tuple]:
    # `b` comes from the table itself, so that `%` is served by the trigram index on
    # search_text; it must be a group's representative too, and `a.id < b.id` names each pair once.
    sql = f"""
        WITH e AS MATERIALIZED ({_REPRESENTATIVES})
        SELECT a.id, b.id, similarity(a.search_text, b.search_text) AS similarity
        FROM e AS a JOIN steplibrary_librarystep AS b
          ON b.is_active AND a.id < b.id AND b.search_text %% a.search_text
        WHERE b.id IN (SELECT id FROM e)
          AND similarity(lower(a.title), lower(b.title)) >= %s
          AND similarity(a.search_text, b.search_text) >= %s
        ORDER BY similarity DESC, a.usage_count + b.usage_count DESC, a.id, b.id
        LIMIT %s OFFSET %s
    """  # noqa: S608 (no value is interpolated)
    with transaction.atomic(), connection.cursor() as cursor:
        # `%` then fetches from the index only what can pass the text threshold (this transaction only).
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(TEXT_THRESHOLD)])
        cursor.execute(sql, [TITLE_THRESHOLD, TEXT_THRESHOLD, limit, offset])
        return cursor.fetchall()


def _pairs_by_title(offset: int, limit: int) -> list[tuple]:
    sql = """
        WITH e AS (
            SELECT id, title, usage_count FROM steplibrary_librarystep AS s
            WHERE is_active AND NOT EXISTS (
                SELECT 1 FROM steplibrary_librarystep AS better
                WHERE better.is_active AND better.content_key = s.content_key
                  AND (better.usage_count > s.usage_count
                       OR (better.usage_count = s.usage_count AND better.id < s.id))
            )
        )
        SELECT a.id, b.id, 1.0
        FROM e AS a JOIN e AS b ON a.id < b.id AND lower(trim(a.title)) = lower(trim(b.title))
        ORDER BY a.usage_count + b.usage_count DESC, a.id, b.id
        LIMIT %s OFFSET %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit, offset])
        return cursor.fetchall()
