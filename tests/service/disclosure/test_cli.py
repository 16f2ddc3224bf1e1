"""``medsec disclosure`` as an operator runs it (the installed command, settings from the
environment)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import sectxt
import time_machine

from medsec.accounts.roles import OrganizationKind
from medsec.disclosure import services
from medsec.disclosure.encryption import ReportSealer

MEDSEC = Path(sys.executable).parent / "medsec"


def medsec(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MEDSEC), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def environment(make: Any) -> dict[str, str]:
    settings = make.instance.settings
    return {
        "MEDSEC_DATA_DIR": str(settings.data_dir),
        "MEDSEC_DATABASE_URL": settings.resolved_database_url(),
        "MEDSEC_SECRET_KEY": settings.secret_key.get_secret_value(),
        "MEDSEC_BASE_URL": "https://medsec.example.org",
    }


def test_open_a_program_then_list_overdue_cases(make: Any) -> None:
    make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    env = environment(make)
    opened = medsec("disclosure", "program", "Northwind", "--slug", "nw", "-f", "json", env=env)
    assert opened.returncode == 0, opened.stderr
    assert (
        json.loads(opened.stdout)["report_form"]
        == "https://medsec.example.org/disclosure/nw/report"
    )
    assert medsec("disclosure", "program", "Nobody", "--slug", "x1", env=env).returncode != 0
    bad = medsec("disclosure", "program", "Northwind", "--slug", "Bad Slug", env=env)
    assert bad.returncode != 0 and "not a valid program slug" in bad.stderr + bad.stdout

    none = medsec("disclosure", "overdue", env=env)
    assert none.returncode == 0 and "No overdue cases" in none.stdout
    sealer = ReportSealer(make.instance.settings.resolved_secret_key())
    ten_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    with time_machine.travel(ten_days_ago), make.session() as session:
        receipt = services.submit(
            session,
            sealer,
            "nw",
            services.Submission(title="SECRET-TITLE", description="d"),
            limit_key="k",
            limit=10,
        )
    overdue = medsec("disclosure", "overdue", "--format", "json", env=env)
    assert overdue.returncode == 1
    listed = json.loads(overdue.stdout)
    assert [c["case_id"] for c in listed] == [receipt.case_id]
    assert "SECRET-TITLE" not in overdue.stdout


def test_security_txt_command_prints_a_valid_file(make: Any) -> None:
    done = medsec("disclosure", "security-txt", env=environment(make))
    assert done.returncode == 0, done.stderr
    parser = sectxt.Parser(
        done.stdout.encode(), urls="https://medsec.example.org/.well-known/security.txt"
    )
    assert parser.is_valid(), parser.errors
