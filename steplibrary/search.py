"""Library search: ranked full-text search on PostgreSQL, close matches for typos, and the
simpler substring search that SQLite keeps.

PostgreSQL: the stored, weighted `search_vector` (migration 0010) is matched with
`websearch_to_tsquery('english', …)` (quoted phrases, `-word`, `or`) and ranked with
`ts_rank_cd`. When the ranked search finds fewer than CLOSE_MATCH_BELOW entries, close
matches are added after them: entries whose search text is close to the words typed
(pg_trgm word similarity, served by the trigram index on `search_text`) or that hold any of
the words, ranked by how many words they hold and how similar they are. Whether that
happened is decided inside the same SQL statement (an uncorrelated EXISTS, computed once),
so a search costs no extra query.

SQLite: every word must occur as a substring of the lower-cased `search_text`; results keep
the default order (most used first).
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower

MAX_SEARCH_WORDS = 8
CLOSE_MATCH_BELOW = 3
CONFIG = "english"

# Characters PostgreSQL refuses in text (NUL) or that cannot be encoded (lone surrogates).
_UNSENDABLE = re.compile("[\x00\ud800-\udfff]")
_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
# A token with these inside is command-like (a path, a file name, a flag, key_with_underscore):
# it is searched as the phrase of its parts, which the punctuation-split copy of the commands
# in the document holds in the same order.
_COMMANDISH = re.compile(r"\w[/._:=~@\\+-]+\w|^[/~.]")
_PUNCTUATION = re.compile(r"[^\w']+|_")
# English stop words (a subset of PostgreSQL's list) carry no meaning for similarity either:
# a query of only stop words must not "closely match" every entry.
_STOP_WORDS_TEXT = (
    "a an and are as at be by for from has have how i in is it its my of on or our that the "
    "their them then there these this to was we what when where which who why will with you your"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class ParsedQuery:
    websearch: str  # handed to websearch_to_tsquery
    words: str  # the plain words, for trigram similarity
    negated: str  # excluded words, also kept out of close matches


def parse_query(value: str) -> ParsedQuery:
    """Rewrites what the user typed into websearch syntax that meets the stored document."""
    value = _UNSENDABLE.sub(" ", value)
    terms, words, negated = [], [], []
    for token in _TOKEN.findall(value)[: MAX_SEARCH_WORDS * 2]:
        negate = ""
        if token.startswith("--"):
            token = token.lstrip("-")  # a flag such as --dry-run, not a negation
        elif token.startswith("-") and len(token) > 1:
            negate, token = "-", token[1:]
        if token.startswith('"'):
            text = token.strip('"')
        elif token.lower() == "or":
            terms.append("or")
            continue
        else:
            text = token
        if _COMMANDISH.search(text) or token.startswith('"'):
            parts = _PUNCTUATION.sub(" ", text).split()
            term = f'"{" ".join(parts)}"' if parts else ""
        else:
            parts = [text]
            term = text
        if not term:
            continue
        terms.append(negate + term)
        (negated if negate else words).extend(parts)
    words = [word for word in (part.lower() for part in words) if word not in STOP_WORDS]
    return ParsedQuery(" ".join(terms), " ".join(words), " or ".join(negated))


class SearchVectorColumn(Expression):
    """The PostgreSQL-only `search_vector` column of whichever alias the query gives the table
    (a subquery renames it), which the model does not declare because SQLite has none."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.search_vector", []


class Matches(Func):
    template = "(%(expressions)s)"
    arg_joiner = " @@ "
    output_field = BooleanField()


class WordSimilar(Func):
    """`words <% text`: pg_trgm word similarity above its threshold; uses the trigram index."""

    template = "(%(expressions)s)"
    arg_joiner = " <%% "
    output_field = BooleanField()


class WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


def is_ranked(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def search_substring(queryset: QuerySet, value: str) -> QuerySet:
    # search_text is stored lower-cased, so a plain LIKE is case-insensitive.
    for word in _UNSENDABLE.sub(" ", value).lower().split()[:MAX_SEARCH_WORDS]:
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def search_ranked(queryset: QuerySet, value: str) -> QuerySet:
    """Matching entries annotated with `search_exact` (a full-text match, not a close one) and
    `search_rank`; `order_ranked` puts them in order."""
    parsed = parse_query(value)
    if not parsed.websearch.strip():
        return queryset.none()
    query = SearchQuery(parsed.websearch, search_type="websearch", config=CONFIG)
    matches = Matches(SearchVectorColumn(), query)
    condition = Q(matches)
    rank = SearchRank(SearchVectorColumn(), query, cover_density=True)
    if parsed.words:
        words = Value(parsed.words)
        # Any of the words, for a query whose words do not all occur together ("flsuh dns").
        any_word = SearchQuery(" or ".join(parsed.words.split()), search_type="websearch", config=CONFIG)
        # "Found enough" reads the full-text index. The match is stated twice on purpose: for
        # a word it has no statistics on (a typo, a rare word) PostgreSQL guesses 0.5% of the
        # rows, expects three within the first pages and scans the whole table when there are
        # none; stated twice, the guess falls below three rows and the index is used (a common
        # word, which it has statistics on, is still found within the first pages).
        found = queryset.filter(matches).filter(Matches(SearchVectorColumn(), query))
        plenty = Exists(found.order_by()[CLOSE_MATCH_BELOW - 1 : CLOSE_MATCH_BELOW])
        # `~plenty` first: it is one value for the whole query, so when the full-text search
        # found enough, the database skips the trigram comparison on every other row.
        close = ~Q(plenty) & (
            Q(WordSimilar(words, F("search_text"))) | Q(Matches(SearchVectorColumn(), any_word))
        )
        if parsed.negated:
            negated = SearchQuery(parsed.negated, search_type="websearch", config=CONFIG)
            close &= ~Q(Matches(SearchVectorColumn(), negated))
        condition |= close
        # Close matches: the words it has (rank scaled into 0..1: normalization 32), similarity
        # to the whole text, and a bonus for a similar title.
        similarity = (
            SearchRank(SearchVectorColumn(), any_word, cover_density=True, normalization=Value(32))
            + WordSimilarity(words, F("search_text"))
            + WordSimilarity(words, Lower("title"))
        )
        rank = Case(When(matches, then=rank), default=similarity)
    return queryset.filter(condition).annotate(search_exact=matches, search_rank=rank)


def order_ranked(queryset: QuerySet) -> QuerySet:
    """Relevance first; use and rating only break ties; the id makes pages stable."""
    return queryset.order_by(
        F("search_exact").desc(), F("search_rank").desc(), "-usage_count", "-rating_avg", "id"
    )


def close_matches_for(rows, value: str | None) -> str | None:
    """The query when any shown row is a close match rather than a full-text match."""
    if value and any(getattr(row, "search_exact", True) is False for row in rows):
        return value
    return None


def highlight_terms(value: str) -> list[str]:
    """The words worth highlighting in results: typed, not excluded, not the `or` operator."""
    return parse_query(value[:200]).words.split()[: MAX_SEARCH_WORDS * 2]
