"""Shared test users: an author and a teammate in one account, an outsider in another,
a user with no account, and a support-staff user. Every password is `password`."""

import os

import pytest

from accounts.tests.factories import AccountFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """Deselect (never skip) tests for PostgreSQL-only behaviour when running on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgresql") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: every test must really run."""
    if os.environ.get("FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter and reporter.stats.get("skipped"):
        reporter.write_line("FAIL_ON_SKIP: skipped tests are not allowed here", red=True)
        session.exitstatus = 1


@pytest.fixture
def account(db):
    return AccountFactory(name="Acme Support")


@pytest.fixture
def other_account(db):
    return AccountFactory(name="Globex IT")


@pytest.fixture
def author(account):
    return UserFactory(username="alice", account=account)


@pytest.fixture
def teammate(account):
    return UserFactory(username="bob", account=account)


@pytest.fixture
def outsider(other_account):
    return UserFactory(username="carol", account=other_account)


@pytest.fixture
def loner(db):
    return UserFactory(username="dan", no_account=True)


@pytest.fixture
def staff(account):
    return UserFactory(username="sam", account=account, staff=True)
