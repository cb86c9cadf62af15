"""The library list's reads for one request: pages and counts of the entries a user may see,
filtered, grouped and ordered as `steps_for_display` and the FilterSet define them.

The query is the same whichever way it is run. Without a search, its SQL depends only on the
request's *shape* (which filters are set, the ordering, the page size and offset, whether the
user has a team or is a superuser), so it is built and compiled once per shape and then run with each
request's values (`config.statements`): building and compiling its correlated subqueries
(visibility, rating, revisions, fork source, grouping of duplicates) cost more than the
database took to answer. A search is built per request: its SQL follows the words typed.
Rows are read as values (only the columns the list shows) and handed to the serializer as
entries without Model.__init__'s per-field work.
"""

from collections import OrderedDict
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models.base import ModelState

from config import keyset, pagination, statements
from steplibrary.filtersets import LibraryStepFilterSet
from steplibrary.models import OUTCOME_FIELDS, LibraryStep
from steplibrary.selectors import steps_for_display

# What a list row shows, by attribute name (created_by_id, not created_by), besides the
# display annotations; search_text, content_key and the takedown fields stay in the table.
LIST_FIELDS = (
    "id",
    "title",
    "step_type",
    "content",
    "visibility",
    "created_by_id",
    "account_id",
    "usage_count",
    *OUTCOME_FIELDS,
    "rating_count",
    "rating_avg",
    "is_active",
    "is_flow_synced",
    "source_tree_id",
    "source_node_id",
    "last_synced_at",
    "forked_from_id",
    "forked_from_revision",
    "upstream_dismissed_revision",
    "version",
    "created_at",
    "updated_at",
)
# Filters whose value goes into the query as a parameter; every other filter's value (a
# choice, a boolean, the ordering) picks the shape.
VARIABLE_FILTERS = ("source_tree", "group_label")
# shape -> the query built from markers, read only for its ordering keys and their types, so
# one copy serves every thread; least recently used out, as config.statements keeps its own.
_bases: OrderedDict = OrderedDict()


class LibraryList:
    """The entries `user` may see through a validated LibraryStepFilterSet."""

    def __init__(self, *, user, filterset: LibraryStepFilterSet):
        self.user = user
        self.filterset = filterset
        cleaned = filterset.form.cleaned_data
        self.searched = bool((cleaned.get("search") or "").strip())
        self.values: dict = {"user": user.pk}
        if user.account_id is not None and not user.is_superuser:  # a superuser sees every team's
            self.values["account"] = user.account_id
        shape: list = [user.is_superuser, "account" in self.values, self.searched]
        for name in sorted(filterset.filters):
            value = cleaned.get(name)
            if name in VARIABLE_FILTERS:
                present = value not in (None, "")
                if present:
                    self.values[name] = value
                shape.append((name, present))
            elif name != "search":
                shape.append((name, tuple(value) if isinstance(value, list) else value))
        self.shape = tuple(shape)
        self.using = filterset.queryset.db
        self._own = None

    def queryset(self, values: dict | None = None):
        """The list's queryset built for `values` (this request's by default, or markers)."""
        if values is None or self.searched:  # a search is only built with the request's values
            if self._own is None:
                self._own = self._build(self.values)
            return self._own
        return self._build(values)

    def _build(self, values: dict):
        user = get_user_model()(
            id=values["user"], account_id=values.get("account"), is_superuser=self.user.is_superuser
        )
        data = self.filterset.data.copy()
        for name in VARIABLE_FILTERS:
            if name in values:
                data[name] = str(values[name])
        filterset = LibraryStepFilterSet(
            data, queryset=steps_for_display(user=user), request=SimpleNamespace(user=user)
        )
        if not filterset.is_valid():  # the request's own data was valid; markers keep it so
            raise ValueError(filterset.errors)
        return filterset.qs

    def ordering_keys(self) -> list[keyset.Key]:
        return keyset.ordering_keys(self._shape_base())

    def checked_cursor(self, keys: list[keyset.Key], values: list) -> list:
        """A cursor's values checked against the keys' types (CursorError when they do not fit)."""
        return keyset.parameters(self._shape_base(), keys, values)

    def page(self, *, after: list | None, backwards: bool, offset: int, limit: int) -> list[LibraryStep]:
        """Up to `limit` entries from `offset`, or after the cursor values `after`."""
        values = dict(self.values)
        keys = self.ordering_keys() if after is not None else []
        values.update((f"key{index}", value) for index, value in enumerate(after or []))

        def build(values: dict):
            queryset = self.queryset(values)
            if after is not None:
                checked = [values[f"key{index}"] for index in range(len(keys))]
                queryset = keyset.after_parameters(queryset, keys, checked, backwards=backwards)
            names = [*LIST_FIELDS, *queryset.query.annotation_select]
            return queryset.values(*names)[offset : offset + limit]

        key = ("page", self.shape, after is not None, backwards, offset, limit)
        return [_entry(row, self.using) for row in self._run(key, build, values)]

    def capped_count(self) -> tuple[int, bool]:
        """(matches, at most COUNT_CAP; whether there are more)."""

        cap = pagination.COUNT_CAP

        def build(values: dict):
            return self.queryset(values).order_by().values("pk")[: cap + 1]

        found = self._run(("count", self.shape, cap), build, self.values, count_only=True)
        return min(found, cap), found > cap

    def _run(self, key, build, values: dict, count_only: bool = False):
        if self.searched:
            queryset = build(values)
            return queryset.count() if count_only else list(queryset)
        return statements.rows(key, build, values, using=self.using, count_only=count_only)

    def _shape_base(self):
        """The shape's queryset built from markers, for its ordering keys and their types
        (built once per shape: no value of this request is in it)."""
        if self.searched:
            return self.queryset()
        base = _bases.get(self.shape)
        if base is None:
            markers = {name: statements.marker_for(value, name) for name, value in self.values.items()}
            base = _bases[self.shape] = self.queryset(markers)
            while len(_bases) > statements.MAX_SHAPES:
                _bases.popitem(last=False)
        else:
            _bases.move_to_end(self.shape)
        return base


def _entry(row: dict, using: str) -> LibraryStep:
    """An entry holding a list row's values, made without Model.__init__ (which sets every
    field one by one: a noticeable part of a 100-row page)."""
    step = LibraryStep.__new__(LibraryStep)
    step.__dict__.update(row)
    step._state = ModelState()
    step._state.adding = False
    step._state.db = using
    return step
