"""The library list runs the statement kept for its shape: the same rows as the query built
for the request, for every user and every value, and no building once the shape is known."""

import pytest
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler

from accounts.tests.clients import client_for
from accounts.tests.factories import UserFactory
from config import statements
from flows.tests.factories import TreeFactory
from steplibrary.tests.factories import LibraryStepFactory, StepRatingFactory

SHAPES = [
    {},
    {"ordering": "title"},
    {"ordering": "-works_best", "collapse": "false"},
    {"step_type": "action", "visibility": "team"},
    {"group_label": "Nginx"},
    {"mine": "true"},
    {"is_flow_synced": "false", "ordering": "-updated_at"},
]


@pytest.fixture
def library(author, teammate, outsider):
    tree = TreeFactory(author=author, account=author.account)
    for index in range(12):
        step = LibraryStepFactory(
            created_by=(author, teammate, outsider)[index % 3],
            visibility=("public", "team", "private")[index % 3 if index % 2 else 0],
            title=f"Restart nginx {index % 4}",  # copies of one another: grouped
            usage_count=index % 5,
            content={"instructions": "x", "group_label": "nginx" if index % 2 else "Other"},
        )
        StepRatingFactory(step=step, user=teammate, score=1 + index % 5)
    LibraryStepFactory(created_by=author, public=True, source_tree=tree, title="From the flow")
    return tree


@pytest.mark.django_db
@pytest.mark.parametrize("params", SHAPES)
def test_each_user_gets_what_the_query_built_for_them_gives(
    author, teammate, outsider, loner, library, params
):
    superuser = UserFactory(username="root", is_superuser=True, account=author.account)
    for user in (author, teammate, outsider, loner, superuser):
        for source in (None, str(library.pk)):
            query = {**params, **({"source_tree": source} if source else {})}
            expected = _built_ids(user, query)
            client = client_for(user)
            first = client.get("/api/steps/", {**query, "cursor": "", "page_size": 3}).json()
            assert [row["id"] for row in first["results"]] == expected[:3]
            if first["next"]:  # the cursor's values go into the same kept statement
                following = client.get(first["next"]).json()
                assert [row["id"] for row in following["results"]] == expected[3:6]


def _built_ids(user, query: dict) -> list[str]:
    """The ids in order, from the display query and the FilterSet built for this user."""
    from types import SimpleNamespace

    from steplibrary.filtersets import LibraryStepFilterSet
    from steplibrary.selectors import steps_for_display

    filterset = LibraryStepFilterSet(
        query, queryset=steps_for_display(user=user), request=SimpleNamespace(user=user)
    )
    assert filterset.is_valid()
    return [str(pk) for pk in filterset.qs.values_list("pk", flat=True)]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{}, {"ordering": "rating_avg", "group_label": "nginx"}, {"page": "2"}])
def test_a_known_shape_is_neither_built_nor_compiled_again(author, teammate, library, params, monkeypatch):
    query = {**params, "page_size": 2}
    client_for(author).get("/api/steps/", query)  # the shape's first request keeps its statement
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        if self.query.model is not None and self.query.model._meta.model_name == "librarystep":
            compiled.append(self.query)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    response = client_for(teammate).get(
        "/api/steps/", {**query, "group_label": "Other"} if "group_label" in query else query
    )
    assert response.status_code == 200 and response.json()["results"]
    assert compiled == []


def test_markers_differ_from_each_other_and_keep_their_type():
    import datetime
    import uuid

    values = [7, 2.5, "nginx", uuid.uuid4(), datetime.datetime.now(datetime.UTC)]
    markers = [statements.marker_for(value, "v") for value in values for _ in range(2)]
    assert len({(type(marker), marker) for marker in markers}) == len(markers)
    assert [type(marker) for marker in markers[::2]] == [type(value) for value in values]
    with pytest.raises(TypeError):
        statements.marker_for(True, "flag")


@pytest.mark.django_db
def test_a_cursor_page_runs_its_kept_statement(author, teammate, library, monkeypatch):
    first = client_for(author).get("/api/steps/", {"cursor": "", "page_size": 2}).json()
    client_for(author).get(first["next"])  # keeps the statement of a page after a cursor
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    mine = client_for(teammate).get("/api/steps/", {"cursor": "", "page_size": 2}).json()
    following = client_for(teammate).get(mine["next"])
    assert following.status_code == 200 and following.json()["results"]
    assert compiled == []


@pytest.mark.django_db
def test_a_value_copied_inside_another_parameter_is_never_kept(library):
    """A value used whole and also inside a LIKE pattern: a kept statement would hold the
    first call's pattern for every later call, so the shape is built for each call."""
    from steplibrary.models import LibraryStep

    def build(values):
        rule = Q(title=values["word"]) | Q(title__startswith=values["word"])
        return LibraryStep.objects.filter(rule).values("title")

    for word, expected in [("Restart nginx", 12), ("Restart nginx 1", 3), ("From", 1)]:
        rows = statements.rows(("startswith-test",), build, {"word": word})
        assert len(rows) == expected
