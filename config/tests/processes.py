"""The project's own Python in a child process, started as a deployment would start it."""

import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def run_python(args: list[str], *, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess:
    """`python <args>` in the project directory with exactly `env`; its output captured as
    text, and a failure returned (in `returncode`) rather than raised."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
