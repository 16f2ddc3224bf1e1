"""Read an MDS2 from any manufacturer: ``.xlsx`` (openpyxl), ``.csv`` or medsec's ``.json``.

Manufacturers lay the form out in many ways, so nothing is assumed about sheet names or
column order. In each sheet the reader looks for a header row with an id column
("Question ID", "ID", "#"…) and an answer column ("Answer", "Response", "Yes/No"…); when a
sheet has no such header it takes the column holding the most question ids and, beside
it, the column holding the most Yes/No/N/A answers. The sheet with the most question ids
wins. Answers are read case-insensitively ("yes", "Y", "NA", "See Note 3"); a cell that is
not an answer is an :class:`Mds2FileError` naming the sheet and cell.

Hostile XML is refused before openpyxl sees it: a workbook whose XML parts declare a DTD
or entities is not read (see :func:`_refuse_dtds`).

>>> doc = read_mds2_bytes(b"ID,Answer\\nPAUT-8,yes\\nRMOT-1,N/A\\n", "pump.csv").document
>>> doc.choice("PAUT-8"), doc.choice("RMOT-1")
(<Choice.YES: 'Yes'>, <Choice.NA: 'N/A'>)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from medsec.errors import Error
from medsec.mds2.answers import Answer, Choice, Mds2Document, Origin
from medsec.mds2.export import FORMULA_START, SOURCE_SEPARATOR
from medsec.mds2.form import QUESTION_ID, Kind, hn1_2019

#: Limits that keep a hostile upload from exhausting memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 40
HEADER_SCAN_ROWS = 40

#: Misspelt ids seen in published forms, and the question they mean.
ALIASES = {"SHAD-15": "SAHD-15"}

_HEADERS = {
    "id": re.compile(r"^(?:mds2 )?(?:question )?(?:id|#|no|number|ref|ref id|item)$"),
    "answer": re.compile(r"answer|response|^yes/no|^value$|^reply$"),
    "note": re.compile(r"note|comment|explanation|remark|detail"),
    "reference": re.compile(r"reference"),
    "source": re.compile(r"^source"),
}


class Mds2FileError(Error):
    """An MDS2 file cannot be read; the message names the file and the place."""

    kind = "invalid-mds2-file"
    status = 422
    title = "The MDS2 file cannot be read"


@dataclass(frozen=True)
class ImportedMds2:
    document: Mds2Document
    file: str
    sheet: str | None
    skipped: tuple[str, ...] = ()
    """Rows that look like questions but were ignored, with the reason."""


@dataclass
class Table:
    """A grid of text cells: one xlsx sheet, a whole csv file, or the answers of a json file."""

    file: str
    sheet: str | None
    kind: str = "xlsx"
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def where(self, row: int, column: int) -> str:
        if self.kind == "csv":
            return f"{self.file}: line {row}, column {column + 1}"
        if self.kind == "json":
            return f"{self.file}: /answers/{row - 1}"
        return f"{self.file}: sheet '{self.sheet}', cell {get_column_letter(column + 1)}{row}"


def read_mds2(path: Path) -> ImportedMds2:
    """Read an MDS2 file, choosing the reader by its suffix."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Mds2FileError(
                f"{path}: {size} bytes is more than an MDS2 may be ({MAX_FILE_BYTES})"
            )
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise Mds2FileError(f"{path}: no such file") from e
    except IsADirectoryError as e:
        raise Mds2FileError(f"{path}: is a directory, expected an MDS2 .xlsx, .csv or .json") from e
    except OSError as e:
        raise Mds2FileError(f"{path}: cannot be read: {e.strerror}") from e
    return read_mds2_bytes(data, str(path))


def read_mds2_bytes(data: bytes, name: str) -> ImportedMds2:
    """Read an MDS2 from bytes (an upload); ``name`` gives the suffix and the error prefix."""
    if len(data) > MAX_FILE_BYTES:
        raise Mds2FileError(f"{name}: {len(data)} bytes is more than an MDS2 may be")
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _from_tables(_xlsx_tables(data, name), name)
    if suffix == ".csv":
        return _from_tables([_csv_table(data, name)], name)
    if suffix == ".json":
        return _from_json(data, name)
    known = {".xls": "an Excel 97–2003 workbook", ".ods": "an OpenDocument spreadsheet"}
    what = known.get(suffix, f"a '{suffix or 'no suffix'}' file")
    raise Mds2FileError(
        f"{name}: is {what}, not an MDS2 .xlsx, .csv or .json",
        hint="save the spreadsheet as .xlsx (Excel workbook) and import that",
    )


# --------------------------------------------------------------------------- readers


def _text(value: object) -> str:
    """A cell as text: ``3.0`` → ``3``, a date-time at midnight → ``2026-03-02``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_tables(data: bytes, name: str) -> list[Table]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as e:
        raise Mds2FileError(
            f"{name}: not an xlsx workbook (not a zip archive)",
            hint="an .xlsx file is a zip archive; was it saved in another format?",
        ) from e
    if unzipped > MAX_UNZIPPED_BYTES:
        raise Mds2FileError(f"{name}: unpacks to {unzipped} bytes, more than an MDS2 may be")
    _refuse_dtds(data, name)
    tables: list[Table] = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for sheet in book.worksheets:
            table = Table(name, sheet.title)
            rows = sheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS, values_only=True)
            for number, values in enumerate(rows, start=1):
                cells = [_text(v) for v in values]
                if any(cells):
                    table.rows.append((number, cells))
            tables.append(table)
        book.close()
    # openpyxl and the XML parser raise many types on a damaged or hostile workbook
    # (KeyError for a missing part, defusedxml's EntitiesForbidden, ValueError…): this is
    # the boundary where they become one error a person can act on.
    except Exception as e:
        raise Mds2FileError(f"{name}: not a readable xlsx workbook: {_reason(e)}") from e
    return tables


#: A DTD or an entity declaration anywhere in an XML part (XML spells them in capitals).
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)\b")


def _refuse_dtds(data: bytes, name: str) -> None:
    """Refuse a workbook whose XML declares a DTD or entities (billion laughs, external
    entities). Checked here, on the raw parts, because openpyxl's own protection depends
    on the environment: with lxml installed it parses with lxml and merely leaves entities
    unresolved, with only defusedxml it refuses them. An xlsx written by a spreadsheet
    program never has a DTD, so refusing costs nothing."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            if _DTD.search(archive.read(info)):
                raise Mds2FileError(
                    f"{name}: {info.filename}: its XML declares entities or a DTD, which "
                    "medsec refuses (a known attack)",
                    hint="save the workbook again from a spreadsheet program",
                )


def _reason(error: BaseException) -> str:
    """The first line of the deepest cause, or the refusal of hostile XML."""
    chain = [error]
    while (cause := chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 10:
        chain.append(cause)
    if any(isinstance(c, DefusedXmlException) for c in chain):
        return "its XML declares entities or a DTD, which medsec refuses (a known attack)"
    deepest = chain[-1]
    lines = str(deepest).strip().splitlines()
    return f"{type(deepest).__name__}: {lines[0]}" if lines else type(deepest).__name__


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")  # what Excel on Windows writes by default
        except UnicodeDecodeError as e:
            raise Mds2FileError(f"{name}: not UTF-8 or Windows-1252 text (byte {e.start})") from e


def _csv_table(data: bytes, name: str) -> Table:
    text = _decode(data, name)
    # Only the delimiter is guessed; quoting is RFC 4180's (the excel dialect). The sniffer
    # also guesses `doublequote` from its sample and says False when the sample holds no
    # "" pair, which split a later note such as 'section "BitLocker" (…)' into cells.
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    table = Table(name, None, "csv")
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        for values in reader:
            if reader.line_num > MAX_ROWS:
                break
            cells = [_undefuse(v.strip()) for v in values[:MAX_COLUMNS]]
            if any(cells):
                table.rows.append((reader.line_num, cells))
    except csv.Error as e:
        raise Mds2FileError(f"{name}: line {reader.line_num}: not valid CSV ({e})") from e
    return table


def _undefuse(cell: str) -> str:
    """Drop the quote the exporter puts before formula-like text."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Columns:
    id: int
    answer: int
    note: int | None = None
    reference: int | None = None
    source: int | None = None
    header_row: int = 0


def _normalise_id(cell: str) -> str:
    found = re.sub(r"\s+", "", cell.upper().replace("–", "-").replace("—", "-"))
    return ALIASES.get(found, found)


def _header(table: Table) -> Columns | None:
    for number, cells in table.rows[:HEADER_SCAN_ROWS]:
        labels = [re.sub(r"\s+", " ", c.lower().strip(" :*")) for c in cells]
        found: dict[str, int] = {}
        for role, pattern in _HEADERS.items():
            for index, label in enumerate(labels):
                if label and index not in found.values() and pattern.search(label):
                    found.setdefault(role, index)
        if "id" in found and "answer" in found:
            return Columns(
                found["id"],
                found["answer"],
                found.get("note"),
                found.get("reference"),
                found.get("source"),
                number,
            )
    return None


def _guess(table: Table) -> Columns | None:
    """No header: the column with the most ids, and the one with the most answers."""
    ids: Counter[int] = Counter()
    for _, cells in table.rows:
        for index, cell in enumerate(cells):
            if QUESTION_ID.match(_normalise_id(cell)):
                ids[index] += 1
    if not ids:
        return None
    id_column = ids.most_common(1)[0][0]
    answers: Counter[int] = Counter()
    for _, cells in table.rows:
        if len(cells) > id_column and QUESTION_ID.match(_normalise_id(cells[id_column])):
            for index, cell in enumerate(cells):
                if index != id_column and cell and Choice.parse(cell):
                    answers[index] += 1
    if not answers:
        return None
    return Columns(id_column, answers.most_common(1)[0][0])


def _id_count(table: Table) -> int:
    return sum(1 for _, cells in table.rows for c in cells if QUESTION_ID.match(_normalise_id(c)))


# --------------------------------------------------------------------------- answers


def _from_tables(tables: Sequence[Table], name: str) -> ImportedMds2:
    ranked = sorted(tables, key=_id_count, reverse=True)
    for table in ranked:
        if _id_count(table) == 0:
            break
        columns = _header(table) or _guess(table)
        if columns is not None:
            answers, skipped = _answers(table, columns)
            return ImportedMds2(Mds2Document(answers=answers), name, table.sheet, tuple(skipped))
    raise Mds2FileError(
        f"{name}: no sheet has MDS2 question ids (like 'MPII-1') next to an answer column",
        hint="is this an MDS2 (HN 1-2019) form?",
    )


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _answers(table: Table, columns: Columns) -> tuple[dict[str, Answer], list[str]]:
    form = hn1_2019()
    found: dict[str, tuple[Answer, str]] = {}
    skipped: list[str] = []
    for number, cells in table.rows:
        if number <= columns.header_row:
            continue
        qid = _normalise_id(_cell(cells, columns.id))
        if not QUESTION_ID.match(qid):
            continue  # a section heading, a description or a blank row
        here = table.where(number, columns.id)
        if qid not in form:
            skipped.append(f"{here}: '{qid}' is not a question of MDS2 {form.name}")
            continue
        raw = _cell(cells, columns.answer)
        if not raw:
            continue
        answer = _answer(qid, raw, cells, columns, table.where(number, columns.answer))
        if qid in found:
            earlier, at = found[qid]
            if earlier.value != answer.value:
                raise Mds2FileError(
                    f"{here}: {qid} is answered '{answer.value}' here and '{earlier.value}' at {at}"
                )
            continue
        found[qid] = (answer, here.removeprefix(f"{table.file}: "))
    ordered = {q: found[q][0] for q in form.ids if q in found}
    return ordered, skipped


def _answer(qid: str, raw: str, cells: list[str], columns: Columns, where: str) -> Answer:
    sources = tuple(
        s for s in _cell(cells, columns.source).split(SOURCE_SEPARATOR.strip()) if s.strip()
    )
    common: dict[str, Any] = {
        "question": qid,
        "note": _cell(cells, columns.note) or None,
        "reference": _cell(cells, columns.reference) or None,
        "sources": tuple(s.strip() for s in sources),
        "origin": Origin.IMPORTED,
    }
    if hn1_2019().question(qid).kind is Kind.TEXT:
        return Answer(text=raw, **common)
    choice = Choice.parse(raw)
    if choice is None:
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        raise Mds2FileError(f"{where}: answer '{shown}' is not Yes, No, N/A or See note")
    return Answer(choice=choice, **common)


# --------------------------------------------------------------------------- json


def _from_json(data: bytes, name: str) -> ImportedMds2:
    try:
        parsed = json.loads(_decode(data, name))
    except json.JSONDecodeError as e:
        raise Mds2FileError(f"{name}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from e
    except RecursionError as e:
        raise Mds2FileError(f"{name}: JSON nested too deeply") from e
    if isinstance(parsed, dict) and "psp_version" in parsed:
        raise Mds2FileError(
            f"{name}: is a Product Security Profile, not an MDS2",
            hint="export it first: medsec mds2 export PROFILE -o FILE.xlsx",
        )
    if not isinstance(parsed, dict) or not isinstance(parsed.get("answers"), list):
        raise Mds2FileError(f"{name}: expected an object with an 'answers' list (medsec MDS2 JSON)")
    table = Table(name, None, "json")
    for index, item in enumerate(_items(parsed["answers"], name)):
        table.rows.append((index + 1, item))
    answers, skipped = _answers(table, Columns(0, 1, 2, 3, 4, header_row=0))
    product = parsed.get("product")
    return ImportedMds2(
        Mds2Document(product=product if isinstance(product, str) else None, answers=answers),
        name,
        None,
        tuple(skipped),
    )


def _items(items: list[Any], name: str) -> Iterator[list[str]]:
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise Mds2FileError(f"{name}: /answers/{index}: expected an object with a string 'id'")
        for key in ("answer", "note", "reference"):
            if item.get(key) is not None and not isinstance(item[key], str):
                raise Mds2FileError(f"{name}: /answers/{index}/{key}: expected a string")
        sources = item.get("sources") or []
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise Mds2FileError(f"{name}: /answers/{index}/sources: expected a list of strings")
        yield [
            item["id"],
            (item.get("answer") or "").strip(),
            item.get("note") or "",
            item.get("reference") or "",
            SOURCE_SEPARATOR.join(sources),
        ]
