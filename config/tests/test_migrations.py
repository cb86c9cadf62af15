"""Migrations are part of the product: complete, and reversible to zero."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_migrations_apply_from_zero_and_back():
    apps = ["runs", "steplibrary", "flows", "accounts"]
    for app in apps:
        call_command("migrate", app, "zero", verbosity=0)
    tables = connection.introspection.table_names()
    assert "steplibrary_librarystep" not in tables
    assert "flows_tree" not in tables
    assert "runs_session" not in tables

    call_command("migrate", verbosity=0)
    tables = connection.introspection.table_names()
    assert {"accounts_user", "flows_tree", "steplibrary_librarystep", "steplibrary_steprating"} <= set(tables)
