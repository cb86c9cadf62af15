"""A flow's structure and its revisions are stored through orjson: what a save writes reads back
as the standard library would have stored it, and what orjson would change goes the old way."""

import json
import math

import pytest
from django.db import DatabaseError, connection

from config.jsonfield import FastJSONField, encode_json
from flows.models import Tree, TreeRevision
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory


def stored_text(tree: Tree) -> str:
    """The column's text as the database gives it back."""
    column = "tree_structure::text" if connection.vendor == "postgresql" else "tree_structure"
    key = tree.pk.hex if connection.vendor == "sqlite" else tree.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + column + " FROM flows_tree WHERE id = %s", [key])  # noqa: S608
        return cursor.fetchone()[0]


def test_encoding_is_the_standard_librarys_value():
    structure = procedural_structure(30)
    structure["steps"][1]["title"] = 'Überprüfen \u00e9 \U0001f600 "quoted" \\ back\nslash \u0000'
    assert json.loads(encode_json(structure)) == json.loads(json.dumps(structure))


@pytest.mark.parametrize(
    "value",
    [
        {"x": math.nan, "y": math.inf, "z": -math.inf},  # orjson would write null
        {1: "a", None: "b"},  # keys that are not strings
        {"big": 2**70},
        {"surrogate": "\ud800"},
    ],
)
def test_what_orjson_would_change_is_encoded_by_the_standard_library(value):
    assert encode_json(value) == json.dumps(value)


def test_types_the_standard_library_refuses_are_still_refused():
    import datetime

    with pytest.raises(TypeError):
        encode_json({"at": datetime.datetime(2026, 1, 1)})


def test_migrations_see_a_plain_json_field():
    assert FastJSONField(default=dict).deconstruct()[1] == "django.db.models.JSONField"
    with pytest.raises(ValueError):
        FastJSONField(encoder=json.JSONEncoder)


@pytest.mark.django_db
def test_a_saved_structure_reads_back_equal(author):
    structure = procedural_structure(40)
    structure["steps"][2]["description"] = 'naïve \U0001f600 "q" \\ tab\t'
    structure["steps"][3]["ratio"] = 0.1 + 0.2
    tree = TreeFactory(author=author, tree_structure=structure)
    assert Tree.objects.get(pk=tree.pk).tree_structure == structure
    assert json.loads(stored_text(tree)) == structure


@pytest.mark.django_db
def test_a_large_integer_is_stored_and_read_back(author):
    structure = procedural_structure(3)
    structure["steps"][1]["weight"] = 2**70
    tree = TreeFactory(author=author, tree_structure=structure)
    assert Tree.objects.get(pk=tree.pk).tree_structure["steps"][1]["weight"] == 2**70


@pytest.mark.django_db(transaction=True)
def test_nan_is_refused_by_the_database_as_before(author):
    structure = procedural_structure(3)
    structure["steps"][1]["weight"] = math.nan
    with pytest.raises(DatabaseError):  # not silently stored as null
        TreeFactory(author=author, tree_structure=structure)
    assert not Tree.objects.exists()


@pytest.mark.django_db
def test_key_lookups_on_a_stored_structure_still_work(author):
    tree = TreeFactory(author=author, tree_structure=procedural_structure(3))
    title = tree.tree_structure["steps"][1]["title"]
    assert Tree.objects.filter(tree_structure__steps__1__title=title).get() == tree
    assert TreeRevision.objects.filter(changes__added__0__id="nothing").count() == 0
