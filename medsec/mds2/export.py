"""Write an MDS2 as ``.xlsx`` (laid out like the published form), ``.csv`` or ``.json``.

Every write is atomic: the file is written beside its target and moved into place with
:func:`os.replace`, so a reader never sees half a file.

The xlsx has one sheet, ``MDS2``: a title block, a frozen header row (Question ID,
Question, Answer, Note, Reference, Source, Origin), then each section as a shaded header
row followed by its questions, DOC first. Answer cells of Yes/No questions carry a
drop-down (Yes, No, N/A, See note) so that questions left for manual entry can be filled
in the spreadsheet and read back with ``medsec mds2 import``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from medsec.errors import Error
from medsec.mds2.answers import Answer, Choice, Mds2Document
from medsec.mds2.form import Kind, Question, hn1_2019

SHEET = "MDS2"
HEADER = ("Question ID", "Question", "Answer", "Note", "Reference", "Source", "Origin")
WIDTHS = (13, 70, 14, 60, 24, 42, 11)
CSV_HEADER = ("id", "section", "question", "answer", "note", "reference", "source", "origin")
#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SOURCE_SEPARATOR = "; "


@dataclass(frozen=True)
class Row:
    """One question of the form with its answer, if any."""

    question: Question
    answer: Answer | None

    def cells(self) -> tuple[str, ...]:
        a = self.answer
        return (
            self.question.id,
            self.question.text,
            a.value if a else "",
            (a.note or "") if a else "",
            (a.reference or "") if a else "",
            SOURCE_SEPARATOR.join(a.sources) if a else "",
            str(a.origin) if a else "",
        )


def rows(document: Mds2Document) -> Iterator[Row]:
    for question in hn1_2019().questions:
        yield Row(question, document.answer(question.id))


def write_mds2(document: Mds2Document, path: Path) -> None:
    """Write ``document`` in the format its suffix names (.xlsx, .csv or .json)."""
    writers: dict[str, Callable[[Mds2Document, Path], None]] = {
        ".xlsx": _write_xlsx,
        ".csv": _write_csv,
        ".json": _write_json,
    }
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise Error(
            f"{path}: cannot write an MDS2 as '{path.suffix or 'no suffix'}'",
            hint="name the output FILE.xlsx, FILE.csv or FILE.json",
        )
    _atomic(path, lambda tmp: writer(document, tmp))


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    directory = path.parent if str(path.parent) else Path()
    try:
        fd, name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise Error(f"{path}: cannot write here: {e.strerror}") from e
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); an MDS2 is meant to be shared.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except OSError as e:
        raise Error(f"{path}: cannot be written: {e.strerror}") from e
    finally:
        tmp.unlink(missing_ok=True)


def mds2_bytes(document: Mds2Document, suffix: str) -> bytes:
    """The file :func:`write_mds2` would write for ``suffix`` (``.xlsx``, ``.csv``,
    ``.json``), as bytes — for serving it over HTTP."""
    with tempfile.TemporaryDirectory(prefix="medsec-mds2-") as directory:
        path = Path(directory) / f"mds2{suffix}"
        write_mds2(document, path)
        return path.read_bytes()


# --------------------------------------------------------------------------- json


def to_json(document: Mds2Document) -> dict[str, Any]:
    """The JSON form: coverage figures, every question with its answer, the unanswered ids."""
    coverage = document.coverage()
    return {
        "form": document.form,
        "product": document.product,
        "coverage": {**coverage.model_dump(), "derived_percent": coverage.derived_percent},
        "answers": [
            {
                "id": r.question.id,
                "section": r.question.section,
                "question": r.question.text,
                "answer": r.answer.value,
                "note": r.answer.note,
                "reference": r.answer.reference,
                "sources": list(r.answer.sources),
                "origin": str(r.answer.origin),
            }
            for r in rows(document)
            if r.answer
        ],
        "unanswered": document.unanswered(),
    }


def _write_json(document: Mds2Document, path: Path) -> None:
    text = json.dumps(to_json(document), indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- csv


def _defuse(cell: str) -> str:
    """Prefix a quote to cells a spreadsheet would run as formulas; the importer drops it."""
    return f"'{cell}" if cell.startswith(FORMULA_START) else cell


def _write_csv(document: Mds2Document, path: Path) -> None:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(CSV_HEADER)
    for row in rows(document):
        qid, text, answer, note, reference, source, origin = row.cells()
        cells = (qid, row.question.section, text, answer, note, reference, source, origin)
        out.writerow([_defuse(c) for c in cells])
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")  # the BOM tells Excel it is UTF-8


# --------------------------------------------------------------------------- xlsx

_BOLD = Font(bold=True)
_SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _put(sheet: Worksheet, row: int, column: int, value: str) -> None:
    cell = sheet.cell(row=row, column=column, value=value or None)
    if value:
        cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.alignment = _WRAP


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (an estimate)."""
    usable = max(int(width) - 1, 1)
    return sum(max(1, -(-len(part) // usable)) for part in text.split("\n"))


def _fit_height(sheet: Worksheet, line: int, texts: list[tuple[str, float]]) -> None:
    """Set the row height for its wrapped text: spreadsheets do not grow rows on load."""
    lines = max((_lines(t, w) for t, w in texts if t), default=1)
    if lines > 1:
        sheet.row_dimensions[line].height = 15 * lines


def _write_xlsx(document: Mds2Document, path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # noqa: S101 - a new workbook always has one
    sheet.title = SHEET
    coverage = document.coverage()
    sheet["A1"] = "Manufacturer Disclosure Statement for Medical Device Security – MDS2"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"{document.form} · {document.product or ''}".rstrip(" ·")
    sheet["A3"] = (
        f"Answered from the profile: {coverage.derived}, manually: {coverage.manual}, "
        f"imported: {coverage.imported}, left for manual entry: {coverage.unanswered} "
        f"of {coverage.total}. Source names the profile field each answer comes from."
    )
    header_row = 5
    for column, (title, width) in enumerate(zip(HEADER, WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=header_row, column=column, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    choices = DataValidation(
        type="list", formula1='"' + ",".join(c.value for c in Choice) + '"', allow_blank=True
    )
    sheet.add_data_validation(choices)

    line = header_row + 1
    last = get_column_letter(len(HEADER))
    for section in hn1_2019().sections:
        sheet.cell(row=line, column=1, value=section.heading).font = _BOLD
        for column in range(1, len(HEADER) + 1):
            sheet.cell(row=line, column=column).fill = _SECTION_FILL
        sheet.merge_cells(f"A{line}:{last}{line}")
        line += 1
        if section.description:
            _put(sheet, line, 1, section.description)
            sheet.merge_cells(f"A{line}:{last}{line}")
            _fit_height(sheet, line, [(section.description, sum(WIDTHS))])
            sheet.cell(row=line, column=1).font = Font(italic=True)
            line += 1
        for question in section.questions:
            row = Row(question, document.answer(question.id))
            cells = row.cells()
            for column, value in enumerate(cells, start=1):
                _put(sheet, line, column, value)
            widths = list(WIDTHS)
            if question.kind is Kind.TEXT and not cells[3]:
                sheet.merge_cells(f"C{line}:D{line}")  # free text gets the note's width too
                widths[2] += widths[3]
            _fit_height(sheet, line, list(zip(cells, widths, strict=True)))
            if question.kind is Kind.CHOICE:
                choices.add(f"C{line}")
            line += 1
    book.save(path)
