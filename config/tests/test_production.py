"""Production behaviour: health check, request logs, a cache shared by every worker."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from config.tests.processes import PROJECT_DIR, run_python


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_does(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.5")  # a load balancer's probe, any host
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


# A real, unreachable Redis: nothing listens on loopback port 1. The password must never
# reach a log line.
UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://:s3cret-cache-pass@127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_cache_with_200(client, settings):
    settings.CACHES = UNREACHABLE_CACHE
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "down"}


@pytest.mark.django_db
def test_throttled_writes_fail_open_when_the_cache_is_down(author, settings, caplog):
    settings.CACHES = UNREACHABLE_CACHE
    caplog.set_level(logging.WARNING)
    api = APIClient()
    api.force_login(author)
    created = api.post(
        "/api/steps/", {"title": "Works without Redis", "content": {"instructions": "Yes"}}, format="json"
    )
    assert created.status_code == 201
    token = APIClient().post("/api/auth/token/", {"username": "alice", "password": "password"}, format="json")
    assert token.status_code == 200
    warnings = [record for record in caplog.records if record.name == "flows.throttle"]
    assert len(warnings) == 2
    assert "cache unavailable (ConnectionError): request allowed" in warnings[0].getMessage()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "s3cret-cache-pass" not in logged
    assert token.json()["token"] not in logged


def test_healthz_answers_503_when_the_database_does_not():
    # A real, unreachable database: nothing listens on port 1.
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = run_python(["-c", script], env=env, timeout=60)
    # Log lines go to stdout too; the script's answer is the last line.
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503", result.stderr
    assert json.loads(body) == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.django_db
def test_each_request_logs_one_line_with_its_id_and_no_secrets(client, author, caplog):
    caplog.set_level(logging.INFO, logger="flows.request")
    api = APIClient()
    response = api.post(
        "/api/auth/token/",
        {"username": "alice", "password": "password"},
        format="json",
        HTTP_X_REQUEST_ID="trace-123",
    )
    token = response.json()["token"]
    assert response["X-Request-ID"] == "trace-123"
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    api.get("/api/steps/", {"search": "secret-search"})
    lines = [record for record in caplog.records if record.name == "flows.request"]
    assert len(lines) == 2
    assert lines[0].request_id == "trace-123"
    text = "\n".join(record.getMessage() for record in lines)
    assert "path=/api/auth/token/ status=200" in text
    assert f"user={author.pk}" in lines[1].getMessage()
    for secret in ("password", token, "secret-search"):
        assert secret not in text


def test_an_unsafe_request_id_is_replaced(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response.status_code == 200
    assert "\n" not in response.get("X-Request-ID", "")


def test_sessions_are_not_kept_in_worker_memory():
    assert settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cache",
        "django.contrib.sessions.backends.cached_db",
    )


THROTTLE_SCRIPT = """
import django; django.setup()
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from config.throttling import TokenRateThrottle
class View: throttle_scope = "token"
allowed = 0
for _ in range({attempts}):
    request = RequestFactory().post("/api/auth/token/", REMOTE_ADDR="203.0.113.7")
    request.user = AnonymousUser()
    throttle = TokenRateThrottle()
    allowed += throttle.allow_request(request, View())
print(allowed)
"""


@pytest.mark.redis
def test_throttling_agrees_across_two_processes_sharing_the_cache():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "THROTTLE_TOKEN_RATE": "10/day",  # one window for the whole test
        "CACHE_URL": os.environ["CACHE_URL"],
    }
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.cache import cache; cache.clear()",
        ],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        timeout=60,
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", THROTTLE_SCRIPT.format(attempts=8)],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = [int(process.communicate(timeout=60)[0].strip().splitlines()[-1]) for process in processes]
    # 16 attempts from one address, 10 allowed in all: the two processes share one counter.
    assert sum(allowed) == 10, allowed
