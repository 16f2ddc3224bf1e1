"""Reading MDS2 files: our own exports round-trip, other manufacturers' layouts are found."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.mds2 import importer
from medsec.mds2.answers import Choice, Mds2Document
from medsec.mds2.derive import derive
from medsec.mds2.export import write_mds2
from medsec.mds2.form import hn1_2019
from medsec.mds2.importer import Mds2FileError, read_mds2, read_mds2_bytes
from medsec.profiles.loader import load_profile


def _same(document: Mds2Document) -> dict[str, tuple[Any, ...]]:
    return {
        k: (a.choice, a.text, a.note, a.reference, a.sources) for k, a in document.answers.items()
    }


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".json"])
def test_export_then_import_gives_the_same_answers(
    tmp_path: Path, example: Path, suffix: str
) -> None:
    document = derive(load_profile(example))
    out = tmp_path / f"{example.stem}{suffix}"
    write_mds2(document, out)
    imported = read_mds2(out)
    assert _same(imported.document) == _same(document)
    assert imported.skipped == ()


def _xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_another_manufacturers_layout_is_found(tmp_path: Path) -> None:
    """A cover sheet first, a title block, a header in row 4, columns in another order."""
    path = _xlsx(
        tmp_path / "vendor.xlsx",
        {
            "Cover": [["ACME MDS2"], ["Prepared for customers"]],
            "HN 1-2019 Form": [
                ["Manufacturer Disclosure Statement"],
                [],
                ["ACME Imaging"],
                ["Notes", "Question #", "Question", "Manufacturer Response"],
                ["", "DOC-1", "Manufacturer Name", "ACME Imaging"],
                ["", "AUTOMATIC LOGOFF (ALOF)"],
                ["Timeout fixed at 15 min.", "ALOF-1", "Can the device…", "yes"],
                ["", "ALOF-2", "Is the length…", "N"],
                ["", "PAUT-8", "MFA?", "See Note 3"],
                ["", "RMOT-1", "Remote?", "NA"],
                ["", "SHAD-15", "BIOS?", "Y"],
                ["", "PAUT-9", "SSO?", ""],
            ],
        },
    )
    imported = read_mds2(path)
    doc = imported.document
    assert imported.sheet == "HN 1-2019 Form"
    assert doc.answer("DOC-1").text == "ACME Imaging"  # type: ignore[union-attr]
    assert [doc.choice(q) for q in ("ALOF-1", "ALOF-2", "PAUT-8", "RMOT-1", "SAHD-15")] == [
        Choice.YES,
        Choice.NO,
        Choice.SEE_NOTE,
        Choice.NA,
        Choice.YES,  # SHAD-15, a typo in published forms, is SAHD-15
    ]
    assert doc.answer("ALOF-1").note == "Timeout fixed at 15 min."  # type: ignore[union-attr]
    assert "PAUT-9" not in doc.answers  # blank: unanswered


def test_a_sheet_without_a_header_row_is_read_by_its_contents(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "bare.xlsx",
        {
            "Sheet1": [
                ["", "ALOF-1", "Can…", "Yes"],
                ["", "ALOF-2", "Is…", "No"],
                ["", "EMRG-1", "…", "N/A"],
            ]
        },
    )
    doc = read_mds2(path).document
    assert (doc.choice("ALOF-1"), doc.choice("ALOF-2"), doc.choice("EMRG-1")) == (
        Choice.YES,
        Choice.NO,
        Choice.NA,
    )


def test_ids_of_other_forms_are_skipped_and_reported(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "old.xlsx", {"MDS2": [["ID", "Answer"], ["ALOF-1", "Yes"], ["ABCD-1", "Yes"]]}
    )
    imported = read_mds2(path)
    assert list(imported.document.answers) == ["ALOF-1"]
    assert imported.skipped == (
        f"{path}: sheet 'MDS2', cell A3: 'ABCD-1' is not a question of MDS2 HN 1-2019",
    )


def test_a_semicolon_csv_from_excel_in_windows_1252_is_read() -> None:
    data = "Frage-ID;Frage;Answer;Notes\r\nDOC-1;Hersteller;Müller Medizin;\r\nALOF-1;…;Yes;\r\n"
    doc = read_mds2_bytes(data.encode("cp1252", errors="replace"), "de.csv").document
    assert doc.answer("DOC-1").text == "Müller Medizin"  # type: ignore[union-attr]
    assert doc.choice("ALOF-1") is Choice.YES


def test_a_quoted_note_far_down_a_csv_stays_one_cell() -> None:
    """Regression: the delimiter sniffer also guessed `doublequote` from the first 4 KB and,
    finding no "" pair there, split a later note 'section "BitLocker" (a, b)' into cells."""
    filler = "".join(f"ALOF-1,Yes,{'x' * 40}\r\n" for _ in range(120))  # > 4 KB, no quotes
    data = f'ID,Answer,Note\r\n{filler}STCF-1.3,Yes,"See section ""BitLocker"" (a, b)."\r\n'
    doc = read_mds2_bytes(data.encode(), "late-quote.csv").document
    assert doc.answer("STCF-1.3").note == 'See section "BitLocker" (a, b).'  # type: ignore[union-attr]


def test_identical_duplicates_are_tolerated_conflicting_ones_are_not() -> None:
    same = b"ID,Answer\nALOF-1,Yes\nALOF-1,yes\n"
    assert read_mds2_bytes(same, "d.csv").document.choice("ALOF-1") is Choice.YES
    with pytest.raises(
        Mds2FileError,
        match=r"d.csv: line 3, column 1: ALOF-1 is answered 'No' here and 'Yes' at line 2,",
    ):
        read_mds2_bytes(b"ID,Answer\nALOF-1,Yes\nALOF-1,No\n", "d.csv")


# --------------------------------------------------------------------------- errors


def test_a_bad_answer_names_the_sheet_and_the_cell(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["Question ID", "Question", "Answer"]]
    rows += [[q, "…", "Yes"] for q in hn1_2019().ids[7:52]]  # rows 2 to 46
    rows.append(["AUTH-1", "Does the device prevent access…", "Maybe"])  # row 47
    path = _xlsx(tmp_path / "pump.xlsx", {"MDS2": rows})
    with pytest.raises(Mds2FileError) as caught:
        read_mds2(path)
    assert caught.value.message == (
        f"{path}: sheet 'MDS2', cell C47: answer 'Maybe' is not Yes, No, N/A or See note"
    )


def test_a_bad_answer_in_a_csv_names_the_line_and_column() -> None:
    with pytest.raises(Mds2FileError) as caught:
        read_mds2_bytes(b"id,question,answer\nALOF-1,x,Yes\nALOF-2,x,Perhaps\n", "pump.csv")
    assert caught.value.message == (
        "pump.csv: line 3, column 3: answer 'Perhaps' is not Yes, No, N/A or See note"
    )


def _zip(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("pump.xls", b"\xd0\xcf\x11\xe0", "pump.xls: is an Excel 97–2003 workbook, not an MDS2"),
        ("pump.ods", b"PK", "pump.ods: is an OpenDocument spreadsheet, not an MDS2"),
        ("pump.txt", b"Yes", "pump.txt: is a '.txt' file, not an MDS2"),
        (
            "pump.xlsx",
            b"ID,Answer\nALOF-1,Yes\n",
            "pump.xlsx: not an xlsx workbook (not a zip archive)",
        ),
        ("pump.xlsx", _zip({"hello.txt": "hi"}), "pump.xlsx: not a readable xlsx workbook"),
        ("pump.csv", b"a,b\n1,2\n", "pump.csv: no sheet has MDS2 question ids"),
        ("pump.json", b"{", "pump.json:1:2: not valid JSON"),
        (
            "pump.json",
            b'{"psp_version": 1}',
            "pump.json: is a Product Security Profile, not an MDS2",
        ),
        ("pump.json", b'{"answers": {}}', "pump.json: expected an object with an 'answers' list"),
        (
            "pump.json",
            b'{"answers": [{"id": 3}]}',
            "pump.json: /answers/0: expected an object with a string 'id'",
        ),
        (
            "pump.json",
            b'{"answers": [{"id": "ALOF-1", "answer": "Maybe"}]}',
            "pump.json: /answers/0: answer 'Maybe' is not",
        ),
    ],
)
def test_files_that_are_not_an_mds2_get_a_clear_error(name: str, data: bytes, message: str) -> None:
    with pytest.raises(Mds2FileError) as caught:
        read_mds2_bytes(data, name)
    assert caught.value.message.startswith(message)


def test_missing_files_and_directories_are_errors(tmp_path: Path) -> None:
    with pytest.raises(Mds2FileError, match="no such file"):
        read_mds2(tmp_path / "absent.xlsx")
    with pytest.raises(Mds2FileError, match="is a directory"):
        read_mds2(tmp_path)


# --------------------------------------------------------------------------- hostile xlsx


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize(
    "member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"]
)
def test_xml_with_entity_declarations_is_refused(
    tmp_path: Path, pump_mds2: Mds2Document, member: str
) -> None:
    """A billion-laughs DTD in any part of the workbook stops the import."""
    good = tmp_path / "good.xlsx"
    write_mds2(pump_mds2, good)
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    source = zipfile.ZipFile(good)
    members = {}
    for name in source.namelist():
        text = source.read(name).decode("utf-8")
        if name == member:
            text = bomb + text.split("?>", 1)[-1]
        members[name] = text
    with pytest.raises(Mds2FileError, match="declares entities or a DTD"):
        read_mds2_bytes(_zip(members), "bomb.xlsx")


def test_a_zip_bomb_is_refused_before_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_UNZIPPED_BYTES", 100_000)  # 200 MB in production
    bomb = _zip({"xl/worksheets/sheet1.xml": " " * 100_001})
    assert len(bomb) < 1000
    with pytest.raises(Mds2FileError, match=r"bomb\.xlsx: unpacks to 100001 bytes"):
        read_mds2_bytes(bomb, "bomb.xlsx")


# --------------------------------------------------------------------------- properties

SPELLINGS = ["Yes", "yes", "Y", "No", "n", "N/A", "NA", "See Note", "see notes 2"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_csv_text_gives_answers_or_an_error(text: str) -> None:
    try:
        imported = read_mds2_bytes(text.encode("utf-8"), "fuzz.csv")
    except Error:
        return
    assert isinstance(imported.document, Mds2Document)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(hn1_2019().ids[7:]), st.sampled_from(SPELLINGS)),
        min_size=1,
        max_size=30,
        unique_by=lambda row: row[0],
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_well_formed_answer_rows_are_read_back(rows: list[tuple[str, str]], delimiter: str) -> None:
    lines = [delimiter.join(("Question ID", "Answer"))]
    lines += [delimiter.join(row) for row in rows]
    doc = read_mds2_bytes("\n".join(lines).encode(), "rows.csv").document
    assert {q: doc.choice(q) for q, _ in rows} == {q: Choice.parse(a) for q, a in rows}


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_value_gives_answers_or_an_error(value: object) -> None:
    data = json.dumps({"answers": value if isinstance(value, list) else [value]}).encode()
    try:
        read_mds2_bytes(data, "fuzz.json")
    except Error:
        pass
