"""The database fixture itself: PostgreSQL tests skip without a server, except under CI,
where a missing server must fail the run instead of passing it quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TARGET = "tests/service/db/test_migrations.py::test_upgrade_twice_changes_nothing"


def run_postgres_case(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("CI", "MEDSEC_TEST_DATABASE_URL")
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            f"{TARGET}[postgresql]",
        ],
        cwd=REPO,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_without_a_server_the_pg_cases_skip() -> None:
    done = run_postgres_case()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout and "MEDSEC_TEST_DATABASE_URL is not set" in done.stdout


@pytest.mark.slow
def test_under_ci_a_missing_server_fails() -> None:
    done = run_postgres_case(CI="true")
    assert done.returncode != 0, done.stdout + done.stderr
    assert "CI=true: PostgreSQL must be tested in CI" in done.stdout
