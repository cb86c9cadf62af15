"""Shared test users: an author and a teammate in one account, an outsider in another,
a user with no account, and a support-staff user. Every password is `password`. `api` is
the REST API as the author sees it; `support` is the staff user in the support group and
`support_client` admin as they see it."""

import os

import pytest
from django.contrib.auth.models import Group

from accounts.tests.clients import client_for
from accounts.tests.factories import AccountFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """Deselect (never skip) tests whose service is not configured: PostgreSQL-only behaviour
    on SQLite, SQLite-only storage quirks on PostgreSQL, and the shared Redis cache when
    CACHE_URL is unset. CI configures both."""
    from django.db import connection

    unavailable = set()
    if connection.vendor != "postgresql":
        unavailable.add("postgresql")
    if connection.vendor != "sqlite":
        unavailable.add("sqlite")
    if not os.environ.get("CACHE_URL"):
        unavailable.add("redis")
    if not unavailable:
        return
    selected, deselected = [], []
    for item in items:
        needs = {mark.name for mark in item.iter_markers()} & unavailable
        (deselected if needs else selected).append(item)
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


@pytest.fixture
def api(author):
    return client_for(author)


@pytest.fixture
def support(staff):
    staff.groups.add(Group.objects.get(name="Support staff"))
    return staff


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client
