"""Zeek ``conn.log`` in its default TSV form, driven by the ``#`` header lines.

The header names the separator (``#separator \\x09``), the unset and empty markers and the
columns (``#fields``/``#types``). Columns are found by name, so a log with fewer optional
fields (no ``local_resp``) or extra ones (site scripts) reads the same; a data line with
a different number of fields than its header is malformed. A ``#fields`` line later in
the file (concatenated logs) starts a new header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from medsec.flows.errors import FlowLogError
from medsec.flows.readers import values
from medsec.flows.records import ObservedFlow, ReportBuilder

REQUIRED = ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto")
OPTIONAL = ("uid", "service", "duration", "orig_bytes", "resp_bytes", "conn_state")

T = TypeVar("T")


@dataclass(frozen=True)
class ZeekHeader:
    """The ``#`` lines of a Zeek ASCII log."""

    separator: str = "\t"
    unset: str = "-"
    empty: str = "(empty)"
    path: str | None = None
    fields: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    #: How many lines the header took (data starts on line ``lines + 1``).
    lines: int = 0

    def index(self, name: str) -> int | None:
        try:
            return self.fields.index(name)
        except ValueError:
            return None


def _unescape(text: str) -> str:
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def _header_line(header: ZeekHeader, line: str) -> ZeekHeader:
    """Apply one ``#`` line to a header; unknown directives (``#open``) are ignored."""
    if line.startswith("#separator"):
        return _replace(header, separator=_unescape(line[len("#separator") :].strip(" \t")))
    name, _, rest = line[1:].partition(header.separator)
    parts = tuple(rest.split(header.separator)) if rest else ()
    if name == "fields":
        return _replace(header, fields=parts)
    if name == "types":
        return _replace(header, types=parts)
    if name == "unset_field" and parts:
        return _replace(header, unset=parts[0])
    if name == "empty_field" and parts:
        return _replace(header, empty=parts[0])
    if name == "path" and parts:
        return _replace(header, path=parts[0])
    return header


def _replace(header: ZeekHeader, **changes: object) -> ZeekHeader:
    return replace(header, **changes)  # type: ignore[arg-type]


def check_header(file: str, header: ZeekHeader) -> None:
    """Refuse a log that is not a conn log, naming what it is and what was expected."""
    if header.path is not None and header.path != "conn":
        raise FlowLogError(
            f"{file}: this is a Zeek {header.path}.log (#path {header.path}), not conn.log",
            hint="medsec flows reads conn.log (one line per connection); pass conn.* files",
        )
    missing = [f for f in REQUIRED if f not in header.fields]
    if missing:
        raise FlowLogError(
            f"{file}: the #fields line lacks {', '.join(missing)}"
            if header.fields
            else f"{file}: no #fields line before the first data line",
            hint="a Zeek conn.log header names ts, id.orig_h, id.orig_p, id.resp_h, "
            "id.resp_p and proto",
        )


def read_header(path: Path) -> ZeekHeader:
    """The header at the top of ``path`` (for the DuckDB scan)."""
    header = ZeekHeader()
    with values.open_text(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.startswith("#"):
                break
            header = _replace(_header_line(header, line), lines=number)
    check_header(str(path), header)
    return header


class ZeekTsvReader:
    """:class:`~medsec.flows.records.FlowReader` for Zeek TSV logs (plain or gzipped)."""

    format = "zeek-tsv"

    def read(self, path: Path, report: ReportBuilder) -> Iterator[ObservedFlow]:
        header = ZeekHeader()
        checked = False
        columns: _Columns | None = None
        f = values.open_text(path)
        try:
            for number, raw in enumerate(f, start=1):
                line = raw.rstrip("\n").rstrip("\r")
                if line.startswith("#"):
                    header = _header_line(header, line)
                    if line.startswith(("#fields", "#path")):
                        checked, columns = False, None
                    continue
                if not line:
                    continue
                if not checked:
                    check_header(str(path), header)
                    checked, columns = True, _Columns(header)
                if columns is None:  # pragma: no cover - set just above
                    raise AssertionError
                parts = line.split(header.separator)
                if len(parts) != len(header.fields):
                    report.bad(number, f"expected {len(header.fields)} fields, found {len(parts)}")
                    continue
                try:
                    flow = columns.flow(parts)
                except ValueError as e:
                    report.bad(number, str(e))
                    continue
                report.rows += 1
                yield flow
        except (OSError, EOFError) as e:
            raise FlowLogError(f"{path}: cannot read: {e}") from e
        finally:
            f.close()
        if not checked:
            check_header(str(path), header)


class _Columns:
    """Positions of the fields the check uses, for one header."""

    def __init__(self, header: ZeekHeader) -> None:
        self.header = header
        self.at = {name: header.index(name) for name in REQUIRED + OPTIONAL}

    def _get(self, parts: list[str], name: str, parse: Callable[[str], T]) -> T | None:
        at = self.at[name]
        if at is None:
            return None
        text = parts[at]
        if text == self.header.unset:
            return None
        if text == self.header.empty:
            text = ""
        try:
            return parse(text)
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None

    def _need(self, parts: list[str], name: str, parse: Callable[[str], T]) -> T:
        value = self._get(parts, name, parse)
        if value is None:
            raise ValueError(f"{name} is unset")
        return value

    def flow(self, parts: list[str]) -> ObservedFlow:
        return ObservedFlow(
            ts=self._need(parts, "ts", values.epoch),
            orig_h=self._need(parts, "id.orig_h", values.address),
            orig_p=self._need(parts, "id.orig_p", values.port),
            resp_h=self._need(parts, "id.resp_h", values.address),
            resp_p=self._need(parts, "id.resp_p", values.port),
            proto=self._need(parts, "proto", values.protocol),
            uid=self._get(parts, "uid", str),
            service=self._get(parts, "service", str) or None,
            duration=self._get(parts, "duration", values.epoch),
            orig_bytes=self._get(parts, "orig_bytes", values.count),
            resp_bytes=self._get(parts, "resp_bytes", values.count),
            conn_state=self._get(parts, "conn_state", str),
        )
