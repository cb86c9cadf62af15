"""The load test, on a short bounded setting: its database checks must find nothing lost or doubled."""

import os

import pytest

from config.tests.processes import run_python


@pytest.mark.postgresql
@pytest.mark.redis
def test_a_short_load_run_keeps_every_count_exact():
    from django.conf import settings

    database = settings.DATABASES["default"]
    admin_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/postgres"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = run_python(
        [
            "-m",
            "loadtest.run",
            "--duration",
            "4",
            "--clients",
            "6",
            "--workers",
            "2",
            "--publish-every",
            "1.5",
            "--flow-steps",
            "500",
            "--database-url",
            admin_url,
        ],
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "database checks: ok" in result.stdout
    assert "publish_500" in result.stdout and "use" in result.stdout
