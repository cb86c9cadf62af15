"""The load test, on a short bounded setting: its database checks must find nothing lost or doubled."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.postgresql
@pytest.mark.redis
def test_a_short_load_run_keeps_every_count_exact():
    from django.conf import settings

    database = settings.DATABASES["default"]
    admin_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/postgres"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [
            sys.executable,
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
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "database checks: ok" in result.stdout
    assert "publish_500" in result.stdout and "use" in result.stdout
