"""``medsec findings list`` and ``medsec vex attach`` on the instance database."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app as cli
from medsec.service import Instance

from .conftest import PUMP_PURL, World


@pytest.fixture
def configured(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> Instance:
    for name, value in {
        "MEDSEC_DATA_DIR": str(instance.settings.data_dir),
        "MEDSEC_DATABASE_URL": instance.db.url,
        "MEDSEC_SECRET_KEY": "s" * 48,
    }.items():
        monkeypatch.setenv(name, value)
    return instance


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run ``medsec ARGS`` as the console script does; it must exit 1: its stderr."""
    from medsec.cli.main import main

    argv = sys.argv
    sys.argv = ["medsec", *args]
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = argv
    assert exited.value.code == 1
    return capsys.readouterr().err


def test_list_one_assets_findings_as_json(world: World, configured: Instance) -> None:
    done = run("findings", "list", "--asset", "LVP-1", "--organization", "Clinic", "-f", "json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["total"] == 2 and data["by_priority"]["critical"] == 1
    first = data["items"][0]
    assert (first["vulnerability"], first["state"], first["asset_serial"]) == (
        "PYSEC-T-1",
        "affected",
        "LVP-1",
    )
    assert first["match"]["explanation"] == "ECOSYSTEM range: every version, fixed in 2.11"


def test_list_the_fleet_filtered_as_text(world: World, configured: Instance) -> None:
    done = run("findings", "list", "--organization", "Clinic", "--state", "unknown-version")
    assert done.exit_code == 0, done.output
    assert "2 findings" in done.output and "pydicom" in done.output


def test_an_unknown_asset_exits_1_with_the_reason(
    world: World, configured: Instance, capsys: pytest.CaptureFixture[str]
) -> None:
    err = fails(capsys, "findings", "list", "--asset", "NOPE", "--organization", "Clinic")
    assert "no asset with serial 'NOPE'" in err


def test_vex_attach_then_the_finding_is_cleared(
    world: World, configured: Instance, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    document = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://northwind.example/vex/cli",
        "author": "Northwind PSIRT",
        "timestamp": "2026-02-01T00:00:00Z",
        "version": 1,
        "statements": [
            {
                "vulnerability": {"name": "CVE-2026-1001"},
                "products": [{"@id": PUMP_PURL, "subcomponents": [{"@id": "pkg:pypi/jinja2"}]}],
                "status": "fixed",
            }
        ],
    }
    path = tmp_path / "pump.vex.json"
    path.write_text(json.dumps(document))
    done = run("vex", "attach", str(path), "--version", str(world.version), "-f", "json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["statements"] == 1
    listed = run("findings", "list", "--asset", "LVP-1", "--organization", "Clinic", "-f", "json")
    states = {i["vulnerability"]: i["state"] for i in json.loads(listed.output)["items"]}
    assert states["PYSEC-T-1"] == "fixed"
    err = fails(capsys, "vex", "attach", str(path), "--version", str(world.version))
    assert "already attached" in err
