"""Writing an MDS2: the xlsx looks like the published form; csv and json carry the same data."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from medsec.errors import Error
from medsec.mds2 import export
from medsec.mds2.answers import Mds2Document
from medsec.mds2.export import HEADER, write_mds2
from medsec.mds2.form import Kind, hn1_2019


def _sheet(path: Path) -> Worksheet:
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["MDS2"]
    sheet = book["MDS2"]
    assert isinstance(sheet, Worksheet)
    return sheet


def test_xlsx_has_a_frozen_header_and_sections_as_header_rows(
    tmp_path: Path, pump_mds2: Mds2Document
) -> None:
    out = tmp_path / "pump.xlsx"
    write_mds2(pump_mds2, out)
    sheet = _sheet(out)
    assert [c.value for c in sheet[5]] == list(HEADER)
    assert sheet.freeze_panes == "A6"
    assert sheet.print_title_rows == "$5:$5"  # repeated on every printed page
    assert sheet.column_dimensions["B"].width == 70
    assert sheet["A6"].value == "DOCUMENT INFORMATION (DOC)"
    assert (sheet["A7"].value, sheet["C7"].value) == ("DOC-1", "Northwind Infusion Systems")
    assert sheet["F7"].value == "product.manufacturer.name"
    assert sheet["B7"].alignment.wrap_text


def test_xlsx_lists_every_question_once_in_form_order_under_its_section(
    tmp_path: Path, pump_mds2: Mds2Document
) -> None:
    out = tmp_path / "pump.xlsx"
    write_mds2(pump_mds2, out)
    column_a = [c.value for c in _sheet(out)["A"][5:] if c.value]
    form = hn1_2019()
    expected: list[str] = []
    for section in form.sections:
        expected.append(section.heading)
        if section.description:
            expected.append(section.description)
        expected.extend(q.id for q in section.questions)
    assert column_a == expected


def test_xlsx_offers_the_four_answers_for_manual_entry(
    tmp_path: Path, pump_mds2: Mds2Document
) -> None:
    out = tmp_path / "pump.xlsx"
    write_mds2(pump_mds2, out)
    sheet = _sheet(out)
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"Yes,No,N/A,See note"'
    form = hn1_2019()
    choice_rows = {
        c.row for c in sheet["A"] if c.value in form and form.question(c.value).kind is Kind.CHOICE
    }
    offered = {r for rng in validation.sqref.ranges for r in range(rng.min_row, rng.max_row + 1)}
    assert offered == choice_rows  # and so not on the DOC text fields


def test_text_that_looks_like_a_formula_stays_text(
    tmp_path: Path, derive_variant: Callable[..., Mds2Document]
) -> None:
    doc = derive_variant(("product.description", '=HYPERLINK("http://evil.example","x")'))
    write_mds2(doc, tmp_path / "m.xlsx")
    cell = _sheet(tmp_path / "m.xlsx")["C8"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://evil.example","x")', "s")
    write_mds2(doc, tmp_path / "m.csv")
    rows = list(csv.reader((tmp_path / "m.csv").open(encoding="utf-8-sig")))
    assert rows[2][3] == '\'=HYPERLINK("http://evil.example","x")'


def test_csv_has_one_row_per_question(tmp_path: Path, pump_mds2: Mds2Document) -> None:
    out = tmp_path / "pump.csv"
    write_mds2(pump_mds2, out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["id"] for r in rows] == list(hn1_2019().ids)
    mfa = next(r for r in rows if r["id"] == "PAUT-8")
    assert (mfa["answer"], mfa["source"], mfa["origin"]) == (
        "Yes",
        "users.mfa.supported",
        "derived",
    )


def test_json_carries_the_coverage_figures(tmp_path: Path, pump_mds2: Mds2Document) -> None:
    out = tmp_path / "pump.json"
    write_mds2(pump_mds2, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    coverage = pump_mds2.coverage()
    assert data["coverage"]["derived"] == coverage.derived
    assert data["coverage"]["unanswered"] == coverage.unanswered == len(data["unanswered"])
    assert data["coverage"]["derived_percent"] == coverage.derived_percent
    assert len(data["answers"]) == coverage.answered
    assert data["answers"][0]["sources"] == ["product.manufacturer.name"]


def test_writing_replaces_the_file_whole(tmp_path: Path, pump_mds2: Mds2Document) -> None:
    out = tmp_path / "pump.json"
    out.write_text("old", encoding="utf-8")
    write_mds2(pump_mds2, out)
    assert json.loads(out.read_text(encoding="utf-8"))["form"] == "HN 1-2019"
    assert [p.name for p in tmp_path.iterdir()] == ["pump.json"]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "pump.json"
    out.write_text("old", encoding="utf-8")

    def fail_halfway(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(Error, match="cannot be written: No space left on device"):
        export._atomic(out, fail_halfway)
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["pump.json"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pump.pdf", "cannot write an MDS2 as '.pdf'"),
        ("missing/pump.xlsx", "cannot write here"),
    ],
)
def test_unwritable_outputs_are_errors(
    tmp_path: Path, pump_mds2: Mds2Document, name: str, message: str
) -> None:
    with pytest.raises(Error, match=message):
        write_mds2(pump_mds2, tmp_path / name)
