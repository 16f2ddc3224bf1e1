"""``medsec inventory import|export|list`` as an operator runs them: all rows or none,
a per-row report (text or JSON), exit 1 on any invalid row, export that imports back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medsec.accounts.roles import OrganizationKind, Role
from medsec.cli.main import app as cli
from medsec.service import Instance

PUMPS = (
    "\ufeffSerial Number\tManufacturer\tModel\tFirmware\tMAC\n"
    "P-1\tNorthwind\tLVP-3000\t4.2.0\t00:1A:2B:3C:4D:01\n"
    "P-2\tNorthwind\tLVP-3000\t4.2.0\t001a.2b3c.4d02\n"
)


@pytest.fixture
def hospital(make: Any, instance: Instance, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {
        "MEDSEC_DATA_DIR": str(instance.settings.data_dir),
        "MEDSEC_DATABASE_URL": instance.db.url,
        "MEDSEC_SECRET_KEY": "s" * 48,
    }.items():
        monkeypatch.setenv(name, value)
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    make.organization(OrganizationKind.MANUFACTURER, name="Maker")
    admin = make.actor(make.user(clinic, Role.ADMIN))
    return make.site(admin, "Main campus")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["inventory", *args], catch_exceptions=False)


def invoke_main(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Through the console-script entry point, which prints an Error's diagnostics."""
    import sys

    from medsec.cli.main import main

    argv = sys.argv
    sys.argv = ["medsec", "inventory", *args]
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = argv
    return int(exited.value.code or 0), capsys.readouterr().err


def test_import_then_reimport_reports_unchanged(hospital: Any, tmp_path: Path) -> None:
    path = tmp_path / "pumps.tsv"
    path.write_text(PUMPS, encoding="utf-8")
    first = run("import", str(path), "--site", "Main campus")
    assert first.exit_code == 0, first.output
    assert "imported 2 new, 0 updated, 0 unchanged" in first.output
    again = run("import", str(path), "--site", "Main campus", "--format", "json")
    report = json.loads(again.stdout)
    assert (report["created"], report["unchanged"]) == (0, 2)
    changed = path.read_text().replace("LVP-3000\t4.2.0\t001a", "LVP-3000\t4.2.1\t001a")
    path.write_text(changed)
    updated = run("import", str(path), "--site", "Main campus")
    assert "row 2 P-2: updated firmware_version" in updated.output


def test_an_invalid_row_exits_1_and_writes_nothing(
    hospital: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pumps.csv"
    path.write_text("S/N,Vendor,Model,IP Address\nA,X,Y,10.0.0.1\nB,X,Y,10.0.0.999\n")
    code, err = invoke_main("import", str(path), "--site", "Main campus", capsys=capsys)
    assert code == 1
    assert "error: row 2 (line 3), column 'IP Address' '10.0.0.999'" in err
    assert "nothing was imported" in err
    listed = run("list", "--format", "json")
    assert json.loads(listed.stdout) == []
    as_json = run("import", str(path), "--site", "Main campus", "--format", "json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["issues"][0]["column"] == "IP Address"


def test_a_mapping_names_unusual_columns(hospital: Any, tmp_path: Path) -> None:
    data = tmp_path / "assets.json"
    data.write_text(json.dumps([{"Geraet": "G-1", "Firma": "Acme", "Typ": "M1"}]))
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\nGeraet = "serial"\nFirma = "vendor"\nTyp = "model"\n')
    result = run("import", str(data), "--site", "Main campus", "--mapping", str(mapping))
    assert "imported 1 new" in result.output, result.output


def test_export_imports_back_unchanged(hospital: Any, tmp_path: Path) -> None:
    path = tmp_path / "pumps.tsv"
    path.write_text(PUMPS, encoding="utf-8")
    run("import", str(path), "--site", "Main campus")
    for fmt in ("csv", "json"):
        exported = run("export", "--format", fmt)
        out = tmp_path / f"export.{fmt}"
        out.write_text(exported.stdout)
        again = run("import", str(out), "--site", "Main campus", "--format", "json")
        report = json.loads(again.stdout)
        assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2), fmt


def test_an_unknown_site_or_organization_is_a_clear_error(
    hospital: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pumps.tsv"
    path.write_text(PUMPS, encoding="utf-8")
    code, err = invoke_main("import", str(path), "--site", "Annex", capsys=capsys)
    assert code == 1 and "no site 'Annex'" in err and "Main campus" in err
    code, err = invoke_main("list", "--organization", "Maker", capsys=capsys)
    assert code == 1 and "no healthcare-provider organization 'Maker'" in err
