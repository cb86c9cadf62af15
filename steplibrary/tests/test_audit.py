"""`manage.py audit_data` finds stored rows that break the write-time validation, and
`--fix` repairs the ones that can be repaired (NUL, lone surrogates), on both databases."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DataError, connection, transaction
from rest_framework.test import APIClient

from flows.models import Tree
from flows.samples import procedural_structure
from flows.tests.factories import TreeFactory
from steplibrary.models import LibraryStep, StepRevision


def audit(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def audit_fails(*args: str) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("audit_data", *args, stdout=out, stderr=err)
    return str(raised.value), out.getvalue(), err.getvalue()


def _db_id(model, pk):
    return model._meta.pk.get_db_prep_value(pk, connection)


@pytest.mark.django_db
def test_demo_data_passes_the_audit():
    call_command("load_demo_data", stdout=StringIO())
    assert LibraryStep.objects.exists() and StepRevision.objects.exists()
    out, err = audit()
    assert "No problems remain (0 repaired)." in out
    assert err == ""


@pytest.mark.django_db
def test_a_published_flow_that_breaks_the_rules_is_reported_not_guessed_at(author):
    tree = TreeFactory(author=author, published=True)
    # Written behind the validation's back: a step without a title, and an unknown field.
    broken = procedural_structure(2)
    broken["steps"][1]["title"] = ""
    broken["steps"][2]["colour"] = "red"
    Tree.objects.filter(pk=tree.pk).update(tree_structure=broken)
    message, _out, err = audit_fails("--fix")
    assert message == "2 problem(s) found (0 repaired)."
    assert f"flow {tree.pk} tree_structure.steps[1].title: a title is required to publish" in err
    assert f"flow {tree.pk} tree_structure.steps[2]: unknown field 'colour'" in err
    tree.refresh_from_db()
    assert tree.tree_structure == broken  # nothing was guessed


@pytest.mark.django_db
def test_entry_content_that_breaks_the_rules_is_reported(author):
    step = LibraryStep.objects.create(title="t", content={"instructions": "x"}, created_by=author)
    LibraryStep.objects.filter(pk=step.pk).update(content={"commands": "rm -rf /"})
    message, _out, err = audit_fails()
    assert message.startswith("1 problem(s) found")
    assert f"entry {step.pk} content:" in err and "instructions" in err


@pytest.mark.sqlite
@pytest.mark.django_db
def test_hostile_strings_stored_in_json_are_found_and_repaired(author):
    """SQLite stores JSON as text, so an old row can hold the escapes "\\ud800" and "\\u0000"."""
    tree = TreeFactory(author=author, published=True, tree_structure=procedural_structure(1))
    step = LibraryStep.objects.get(source_tree=tree)
    raw_structure = (
        '{"steps": [{"id": "h1", "type": "section_header", "title": "Section \\ud800"}, '
        '{"id": "s1", "type": "procedure_step", "title": "Step\\u0000 1"}]}'
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE flows_tree SET tree_structure = %s WHERE id = %s", [raw_structure, _db_id(Tree, tree.pk)]
        )
        cursor.execute(
            "UPDATE steplibrary_librarystep SET content = %s WHERE id = %s",
            ['{"instructions": "do \\udfff it", "commands": []}', _db_id(LibraryStep, step.pk)],
        )
    message, _out, err = audit_fails()
    assert message == "3 problem(s) found (0 repaired)."
    assert "flow" in err and "tree_structure.steps[0].title: must not contain lone surrogates" in err
    assert "tree_structure.steps[1].title: must not contain NUL characters" in err
    assert f"entry {step.pk} content.instructions: must not contain lone surrogates" in err
    out, _err = audit("--fix")
    assert "No problems remain (3 repaired)." in out
    tree.refresh_from_db()
    step.refresh_from_db()
    assert tree.tree_structure["steps"][0]["title"] == "Section \ufffd"
    assert tree.tree_structure["steps"][1]["title"] == "Step 1"
    assert step.content["instructions"] == "do \ufffd it"


@pytest.mark.postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["\ud800", "\x00"])
def test_postgresql_refuses_to_store_them_at_all(author, bad):
    """Why the repair matters on SQLite only: PostgreSQL refuses these strings in text and
    jsonb (a 500 before the request validation existed), so no such row can be stored."""
    with pytest.raises((DataError, UnicodeEncodeError)), transaction.atomic():
        LibraryStep.objects.create(title=f"t{bad}", content={"instructions": "x"}, created_by=author)
    with pytest.raises((DataError, UnicodeEncodeError)), transaction.atomic():
        LibraryStep.objects.create(title="t", content={"instructions": f"x{bad}"}, created_by=author)


@pytest.mark.sqlite
@pytest.mark.django_db
def test_an_undecodable_node_id_no_longer_breaks_every_library_list(author, outsider):
    """The reported defect: on SQLite a lone surrogate in a published node id was stored as
    bytes that are not UTF-8, and every list including the entry answered 500 for everyone."""
    tree = TreeFactory(author=author, published=True, public=True, tree_structure=procedural_structure(1))
    step = LibraryStep.objects.get(source_tree=tree)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE steplibrary_librarystep SET source_node_id = CAST(X'73EDA080' AS TEXT) WHERE id = %s",
            [_db_id(LibraryStep, step.pk)],
        )
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(outsider)
    assert client.get("/api/steps/").status_code == 500  # the poisoned row, as it was found
    _message, _out, err = audit_fails()
    assert f"entry {step.pk} source_node_id: must not contain lone surrogates" in err
    audit("--fix")
    response = client.get("/api/steps/")
    assert response.status_code == 200
    assert [row["source_node_id"] for row in response.json()["results"]] == ["s\ufffd"]
