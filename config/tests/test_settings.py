"""Settings read from the environment and refuse unsafe production values."""

import os
import subprocess

import pytest

from config.tests.processes import run_python

STRONG_KEY = "k3y-" + "9f8e7d6c5b4a" * 5


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    ours = {
        "DEBUG",
        "SECRET_KEY",
        "SECURE_SSL_REDIRECT",
        "ALLOWED_HOSTS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DATABASE_CONN_MAX_AGE",
    }
    clean = {key: value for key, value in os.environ.items() if key not in ours}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return run_python(["manage.py", *args], env=clean, timeout=120)


def test_production_settings_pass_the_deploy_check():
    # The production settings README documents.
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="flows.example.com",
        SECURE_HSTS_PRELOAD="1",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "refusal"),
    [
        pytest.param({"DEBUG": "0"}, "SECRET_KEY must be set", id="no-secret-key-with-debug-off"),
        pytest.param({"DEBUG": "0", "SECRET_KEY": "short"}, "SECRET_KEY is too weak", id="weak-secret-key"),
        pytest.param(
            {"DEBUG": "1", "ALLOWED_HOSTS": "flows.example.com"},
            "DEBUG must be off",
            id="debug-on-a-public-host",
        ),
        pytest.param({"DEBUG": "maybe"}, "DEBUG must be a boolean", id="unparseable-boolean"),
    ],
)
def test_refuses_to_start_with_unsafe_or_unreadable_settings(env, refusal):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert refusal in result.stderr


def test_manage_py_without_any_environment_is_a_development_machine():
    result = run_manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_a_configuration_error_is_reported_plainly_for_any_command():
    result = run_manage("makemigrations", "--check", "--dry-run", DEBUG="0")
    assert result.returncode != 0
    assert "Configuration error: SECRET_KEY must be set when DEBUG is off." in result.stderr
    assert "AppRegistryNotReady" not in result.stderr


def test_sqlite_uses_immediate_transactions_a_busy_timeout_and_wal(tmp_path):
    script = (
        "from django.db import connection\n"
        "cursor = connection.cursor()\n"
        "cursor.execute('PRAGMA journal_mode')\n"
        "options = connection.settings_dict['OPTIONS']\n"
        "print(cursor.fetchone()[0], options['transaction_mode'], options['timeout'])\n"
    )
    result = run_manage(
        "shell",
        "-c",
        script,
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}",
        SQLITE_TIMEOUT="7",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["wal", "IMMEDIATE", "7"]


def test_production_keeps_database_connections_with_health_checks():
    # Connection setup costs more than a library page's query; production reuses connections.
    probe = (
        "from django.conf import settings; database = settings.DATABASES['default']; "
        "print(database['CONN_MAX_AGE'], database['CONN_HEALTH_CHECKS'])"
    )
    production = run_manage("shell", "--no-imports", "-c", probe, DEBUG="0", SECRET_KEY=STRONG_KEY)
    assert production.returncode == 0, production.stderr
    assert production.stdout.split() == ["60", "True"]
    development = run_manage("shell", "--no-imports", "-c", probe, DEBUG="1")
    assert development.stdout.split() == ["0", "True"]
    configured = run_manage(
        "shell", "--no-imports", "-c", probe, DEBUG="0", SECRET_KEY=STRONG_KEY, DATABASE_CONN_MAX_AGE="5"
    )
    assert configured.stdout.split() == ["5", "True"]
