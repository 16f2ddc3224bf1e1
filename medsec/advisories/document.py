"""Reading a CSAF document from a file or text, with clear errors for what is not one.

JSON syntax errors name the line and column; a duplicate key, ``NaN`` or ``Infinity`` is an
error too (JSON parsers disagree on them, so two readers could see two advisories). A JSON
value that is not a CSAF document (no ``document.csaf_version``) or is a CSAF version other
than 2.0 is refused with a hint.

>>> parse_csaf_text('{"document": {"csaf_version": "2.0"}}', "a.json")["document"]
{'csaf_version': '2.0'}
>>> parse_csaf_text('{"document": ', "a.json")
Traceback (most recent call last):
...
medsec.errors.DocumentError: a.json: 1 problem
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from medsec.errors import DocumentError, Error, Location, Problem

#: Larger files are refused before parsing (the largest real advisories are a few MB).
MAX_CSAF_BYTES = 50 * 1024 * 1024


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def parse_csaf_text(text: str, file: str = "<csaf>") -> dict[str, Any]:
    """Parse a CSAF 2.0 document; raise :class:`DocumentError`/:class:`Error` if it is none."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as e:
        location = Location(file, e.lineno, e.colno)
        raise DocumentError(file, [Problem(location, f"not valid JSON: {e.msg}")]) from e
    except _DuplicateKey as e:
        raise Error(
            f"{file}: the key {str(e)!r} appears twice in one JSON object",
            hint="keep one of them; readers disagree on which one counts",
        ) from e
    except (ValueError, RecursionError) as e:
        raise Error(f"{file}: not valid JSON: {e}") from e
    if not isinstance(value, dict):
        raise Error(
            f"{file}: a CSAF document is a JSON object, found {type(value).__name__}",
            hint="the file must start with { and have a `document` member",
        )
    document = value.get("document")
    version = document.get("csaf_version") if isinstance(document, dict) else None
    if version is None:
        raise Error(
            f"{file}: not a CSAF document (no /document/csaf_version)",
            hint='a CSAF 2.0 advisory has "document": {"csaf_version": "2.0", ...}',
        )
    if version != "2.0":
        raise Error(
            f"{file}: /document/csaf_version is {version!r}; medsec validates CSAF 2.0",
            hint=f"convert the document to CSAF 2.0 or validate it with a CSAF {version} validator",
        )
    return value


def read_csaf(path: Path) -> dict[str, Any]:
    """Read and parse a CSAF 2.0 file (UTF-8 JSON)."""
    try:
        size = path.stat().st_size
        if size > MAX_CSAF_BYTES:
            raise Error(f"{path}: {size} bytes is larger than the {MAX_CSAF_BYTES} bytes allowed")
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise Error(f"{path}: no such file", hint="check the path") from e
    except IsADirectoryError as e:
        raise Error(f"{path}: is a directory, expected a CSAF .json file") from e
    except OSError as e:
        raise Error(f"{path}: cannot be read: {e.strerror}") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start].decode("utf-8", "replace")
        line, column = _line_column(before, len(before))
        raise DocumentError(
            str(path), [Problem(Location(str(path), line, column), "not UTF-8 text")]
        ) from e
    return parse_csaf_text(text.removeprefix("\ufeff"), str(path))
