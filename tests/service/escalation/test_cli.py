"""``medsec cases …`` against the demo instance."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app
from medsec.demo import HOSPITAL, MANUFACTURER, seed
from medsec.errors import NotFound
from medsec.service import Instance


@pytest.fixture
def demo(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> Instance:
    seed(instance)
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(instance.settings.data_dir))
    monkeypatch.setenv("MEDSEC_DATABASE_URL", instance.db.url)
    monkeypatch.setenv("MEDSEC_SECRET_KEY", "s" * 48)
    return instance


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_manufacturer_queue_and_the_case(demo: Instance) -> None:
    [case] = json.loads(run("cases", "list", "--organization", MANUFACTURER, "-f", "json"))
    assert case["hospital"] == HOSPITAL and case["state"] == "acknowledged"
    shown = json.loads(
        run("cases", "show", str(case["id"]), "--organization", HOSPITAL, "-f", "json")
    )
    assert {m["side"] for m in shown["messages"]} == {"hospital", "manufacturer"}
    assert f"#{case['id']}" in run("cases", "list", "--organization", HOSPITAL)


def test_training_report_and_risk(demo: Instance) -> None:
    rows = json.loads(run("cases", "training", "report", "--organization", HOSPITAL, "-f", "json"))
    assert {r["objective_key"] for r in rows} == {
        "recognise-and-report", "sensitive-information", "meeting-agendas", "train-all-year",
    }  # fmt: skip
    csv_text = run("cases", "training", "report", "--organization", HOSPITAL, "-f", "csv")
    assert csv_text.startswith("username,objective_key,")
    [sheet] = json.loads(run("cases", "risk", "--organization", HOSPITAL, "-f", "json"))
    assert sheet["framework"] == "tara"


def test_an_unknown_organization_is_an_error(demo: Instance) -> None:
    result = CliRunner().invoke(app, ["cases", "list", "--organization", "Nobody"])
    assert result.exit_code != 0
    assert isinstance(result.exception, NotFound)  # main() prints its diagnostics
    assert "no organization 'Nobody'" in result.exception.diagnostics()
