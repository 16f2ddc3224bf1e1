"""``medsec network rules|flows`` and ``medsec flows check`` with ``--site NAME``: the
site read from the database instead of a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app as cli
from medsec.flows.sample import Connection, conn_log
from medsec.service import Instance

from .conftest import Campus


@pytest.fixture
def env(instance: Instance, campus: Campus, monkeypatch: pytest.MonkeyPatch) -> Campus:
    for name, value in {
        "MEDSEC_DATA_DIR": str(instance.settings.data_dir),
        "MEDSEC_DATABASE_URL": instance.db.url,
        "MEDSEC_SECRET_KEY": "s" * 48,
    }.items():
        monkeypatch.setenv(name, value)
    return campus


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_rules_of_a_database_site(env: Campus, tmp_path: Path) -> None:
    out = tmp_path / "site.nft"
    result = run(
        "network", "rules", "--site", "St. Example Hospital", "--organization", "St. Example",
        "--target", "nftables", "-o", str(out), "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rules"] > 0
    assert "table inet" in out.read_text(encoding="utf-8")


def test_flows_check_against_a_database_site(env: Campus, tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    log.write_text(conn_log([Connection(1700000000.0, "10.20.3.11", "10.30.0.20", 22)]))
    result = run(
        "flows", "check", str(log), "--site", "St. Example Hospital", "--format", "json",
        "--organization", "St. Example",
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    report = json.loads(result.output)
    assert report["site"] == "St. Example Hospital"
    assert {v["asset"] for v in report["violations"]} == {"pump-ward3-01", "pacs-01"}


def test_an_unknown_site_name_is_an_error(env: Campus) -> None:
    result = CliRunner().invoke(cli, ["network", "flows", "--site", "Nowhere"])
    assert result.exit_code != 0
    assert "no site 'Nowhere'" in str(result.exception)
