"""Importing a CSV/JSON inventory: every row checked first, all or nothing, idempotent by
serial, firmware changes recorded."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from medsec.audit.models import AuditEvent
from medsec.inventory import export, importer, services
from medsec.inventory.models import Asset, AssetEvent
from medsec.inventory.rows import read_rows

from .conftest import PUMP_VENDOR, Hospital

HEADER = "Serial Number,Manufacturer,Model,Firmware,IP Address,MAC,Zone,Criticality\n"
GOOD = (
    HEADER
    + f"P-1,{PUMP_VENDOR},LVP-3000,4.2.1,10.1.0.11,00:1a:2b:3c:4d:01,ICU,life-sustaining\n"
    + f"P-2,{PUMP_VENDOR},LVP-3000,4.2.0,10.1.0.12,00-1A-2B-3C-4D-02,ICU,high\n"
    + "CT-1,Fabrikam,Aurora 64,7.2.1,10.2.0.5,,Radiology,high\n"
)


def run(make: Any, h: Hospital, text: str, *, dry_run: bool = False, name: str = "a.csv") -> Any:
    with make.session() as session:
        table = read_rows(name, text.encode("utf-8"))
        return importer.import_table(session, h.engineer, h.site_id, table, dry_run=dry_run)


def counts(make: Any) -> tuple[int, int, int]:
    with make.session() as session:
        return (
            session.execute(select(func.count()).select_from(Asset)).scalar_one(),
            session.execute(select(func.count()).select_from(AssetEvent)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
        )


def test_a_good_file_creates_every_asset(make: Any, hospital: Hospital) -> None:
    report = run(make, hospital, GOOD)
    assert (report.count("created"), report.count("updated"), report.count("unchanged")) == (
        3,
        0,
        0,
    )
    with make.session() as session:
        rows, _ = services.list_assets(session, hospital.auditor, services.AssetFilter())
        by_serial = {a.serial: a for a in rows}
    assert by_serial["P-2"].mac == "00:1a:2b:3c:4d:02"
    assert by_serial["P-1"].profile_link == "matched", "4.2.1 is the held published version"
    assert by_serial["P-2"].profile_link is None
    assert by_serial["CT-1"].zone_id != hospital.icu_zone


def test_importing_the_same_file_again_changes_nothing(make: Any, hospital: Hospital) -> None:
    run(make, hospital, GOOD)
    before = counts(make)
    report = run(make, hospital, GOOD)
    assert [r.outcome for r in report.rows] == ["unchanged"] * 3
    assets, events, audit = counts(make)
    assert (assets, events) == before[:2]
    assert audit == before[2] + 1, "only the import itself is audited"


def test_a_changed_firmware_is_updated_and_recorded(make: Any, hospital: Hospital) -> None:
    run(make, hospital, GOOD)
    report = run(make, hospital, GOOD.replace("LVP-3000,4.2.0", "LVP-3000,4.2.1"))
    updated = [r for r in report.rows if r.outcome == "updated"]
    assert [(r.serial, r.changes) for r in updated] == [
        ("P-2", ("firmware_version", "profile_version_id"))
    ]
    with make.session() as session:
        asset = services.asset_by_serial(session, hospital.admin.organization_id, "P-2")
        assert asset is not None
        kinds = [(e.kind, e.old_value, e.new_value, e.source) for e in asset.events]
        tags = session.execute(select(AuditEvent.tag)).scalars().all()
    assert kinds[-1] == ("firmware-changed", "4.2.0", "4.2.1", "import:a.csv")
    assert "inventory:asset:firmware-changed" in tags


BAD_ROWS = [
    pytest.param("P-9,X,Y,1,10.0.0.999,,,", "IP Address", "not an IP address", id="bad IP"),
    pytest.param("P-9,X,Y,1,,00:11:22,,", "MAC", "not a MAC address", id="bad MAC"),
    pytest.param(",X,Y,1,,,,", "Serial Number", "serial is empty", id="no serial"),
    pytest.param("P-9,,Y,1,,,,", "Manufacturer", "vendor is empty", id="no vendor"),
    pytest.param("P-9,X,Y,1,,,Cafeteria,", "Zone", "no zone of this name", id="unknown zone"),
    pytest.param("P-9,X,Y,1,,,,urgent", "Criticality", "not a clinical criticality", id="scale"),
    pytest.param("P-1,X,Y,1,,,,", "Serial Number", "appears again (first in row 1)", id="dup"),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_ROWS)
def test_a_bad_row_in_the_middle_leaves_the_database_unchanged(
    make: Any, hospital: Hospital, row: str, column: str, message: str
) -> None:
    lines = GOOD.splitlines(keepends=True)
    text = "".join([*lines[:2], row + "\n", *lines[2:]])
    before = counts(make)
    with pytest.raises(importer.ImportRejected) as caught:
        run(make, hospital, text)
    assert counts(make) == before
    issues = caught.value.report.issues
    assert [(i.row, i.line, i.column) for i in issues] == [(2, 3, column)]
    assert message in issues[0].message
    assert "nothing was imported" in caught.value.diagnostics()


def test_every_bad_row_is_reported_with_a_fix(make: Any, hospital: Hospital) -> None:
    text = HEADER + "A,X,Y,1,nope,,,\nB,X,Y,1,,zz,Nowhere,\n"
    with pytest.raises(importer.ImportRejected) as caught:
        run(make, hospital, text)
    found = [(i.row, i.column, i.value, bool(i.hint)) for i in caught.value.report.issues]
    assert found == [(1, "IP Address", "nope", True), (2, "MAC", "zz", True)]


def test_a_dry_run_reports_and_writes_nothing(make: Any, hospital: Hospital) -> None:
    before = counts(make)
    report = run(make, hospital, GOOD, dry_run=True)
    assert report.count("created") == 3 and not report.committed
    assert counts(make) == before


def test_json_lists_of_objects_import_like_csv(make: Any, hospital: Hospital) -> None:
    text = (
        '[{"serial": "J-1", "vendor": "Contoso", "model": "Vista PACS Enterprise",'
        ' "ip_addresses": ["10.3.0.2", "10.3.0.3"], "criticality": "high", "extra": 1}]'
    )
    report = run(make, hospital, text, name="a.json")
    assert report.count("created") == 1 and report.ignored_columns == ("extra",)
    with make.session() as session:
        asset = services.asset_by_serial(session, hospital.admin.organization_id, "J-1")
        assert asset is not None and asset.ip_addresses == ["10.3.0.2", "10.3.0.3"]


def test_an_import_moves_a_known_serial_to_the_site(make: Any, hospital: Hospital) -> None:
    other = make.site(hospital.admin, "Annex")
    make.asset(hospital.admin, other.id, "P-1", vendor=PUMP_VENDOR, firmware_version="4.2.1")
    report = run(make, hospital, GOOD)
    assert report.rows[0].outcome == "updated" and "site_id" in report.rows[0].changes


def test_the_hardware_revision_column_is_imported_and_exported_back(
    make: Any, hospital: Hospital
) -> None:
    text = (
        "Serial Number,Manufacturer,Model,Firmware,HW Rev\n"
        f"P-1,{PUMP_VENDOR},LVP-3000,4.2.1, B \n"
        f"P-2,{PUMP_VENDOR},LVP-3000,4.2.1,\n"
    )
    run(make, hospital, text)
    with make.session() as session:
        rows, _ = services.list_assets(session, hospital.auditor, services.AssetFilter())
        assert {a.serial: a.hardware_revision for a in rows} == {"P-1": "B", "P-2": None}
        exported = export.rows(session, hospital.auditor)
    assert {r["serial"]: r["hardware_revision"] for r in exported} == {"P-1": "B", "P-2": ""}
    changed = run(make, hospital, text.replace(" B \n", "C\n"))
    assert [(r.serial, r.changes) for r in changed.rows if r.outcome == "updated"] == [
        ("P-1", ("hardware_revision",))
    ]


def test_a_hardware_revision_longer_than_40_characters_is_refused(
    make: Any, hospital: Hospital
) -> None:
    text = f"Serial Number,Manufacturer,Model,Hardware Revision\nP-1,{PUMP_VENDOR},M,{'R' * 41}\n"
    with pytest.raises(importer.ImportRejected) as rejected:
        run(make, hospital, text)
    (issue,) = rejected.value.report.issues
    assert (issue.column, issue.line) == ("Hardware Revision", 2)


@pytest.mark.parametrize("name", ["a.csv", "a.json"])
def test_the_configuration_column_is_imported_and_an_export_imports_back_unchanged(
    make: Any, hospital: Hospital, name: str
) -> None:
    text = (
        "Serial Number,Manufacturer,Model,Firmware,HW Rev,Config\n"
        f"P-1,{PUMP_VENDOR},LVP-3000,4.2.1,B, wifi \n"
        f"P-2,{PUMP_VENDOR},LVP-3000,4.2.1,C,\n"
    )
    run(make, hospital, text)
    with make.session() as session:
        rows, _ = services.list_assets(session, hospital.auditor, services.AssetFilter())
        assert {a.serial: a.configuration for a in rows} == {"P-1": "wifi", "P-2": None}
        table = export.rows(session, hospital.auditor)
    assert {r["serial"]: r["configuration"] for r in table} == {"P-1": "wifi", "P-2": ""}
    exported = export.to_json(table) if name.endswith(".json") else export.to_csv(table)
    again = run(make, hospital, exported, name=name)
    assert {r.outcome for r in again.rows} == {"unchanged"}
    changed = run(make, hospital, text.replace(" wifi ", "ethernet"))
    assert [(r.serial, r.changes) for r in changed.rows if r.outcome == "updated"] == [
        ("P-1", ("configuration",))
    ]


def test_a_configuration_longer_than_80_characters_is_refused(
    make: Any, hospital: Hospital
) -> None:
    text = f"Serial Number,Manufacturer,Model,Configuration\nP-1,{PUMP_VENDOR},M,{'w' * 81}\n"
    with pytest.raises(importer.ImportRejected) as rejected:
        run(make, hospital, text)
    (issue,) = rejected.value.report.issues
    assert (issue.column, issue.line, issue.row) == ("Configuration", 2, 1)
