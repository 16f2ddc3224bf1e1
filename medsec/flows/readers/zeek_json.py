"""Zeek ``conn.log`` written as JSON lines (``LogAscii::use_json=T`` or the JSON writer).

One object per line; unset fields are omitted. ``ts`` is epoch seconds or, with
``JSON::TimestampFormat=JSON::TS_ISO8601``, an ISO 8601 string. A file whose first record
is not a connection (no ``conn_state``/``history``/packet counters, or ``_path`` names
another log) is refused as a whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medsec.flows.errors import FlowLogError
from medsec.flows.readers import values
from medsec.flows.records import ObservedFlow, ReportBuilder

#: Fields only a conn.log record has (one of them is always set by Zeek).
CONN_MARKERS = frozenset({"conn_state", "history", "orig_pkts", "resp_pkts", "missed_bytes"})


#: Numbers at or above this are refused (as the TSV patterns refuse 19 digits).
LIMIT = 10**18


def is_conn_record(record: dict[str, Any]) -> bool:
    path = record.get("_path")
    if path is not None:
        return bool(path == "conn")
    return not CONN_MARKERS.isdisjoint(record)


def not_conn(path: Path, number: int, record: dict[str, Any]) -> FlowLogError:
    return FlowLogError(
        f"{path}:{number}: not a Zeek conn log record "
        f"(its fields: {', '.join(sorted(record)[:8])})",
        hint="medsec flows reads conn.log (one record per connection); pass conn.* files",
    )


def first_record(path: Path) -> tuple[int, dict[str, Any]] | None:
    """Line number and object of the first non-blank line, if it is a JSON object."""
    with values.open_text(path) as f:
        for number, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                return None
            return (number, record) if isinstance(record, dict) else None
    return None


def _number(record: dict[str, Any], name: str, *, integer: bool) -> float | int | None:
    value = record.get(name)
    if value is None:
        return None
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not 0 <= value < LIMIT:
        kind = "a non-negative integer" if integer else "a non-negative number"
        raise ValueError(f"{name}: {value!r} is not {kind}")
    return int(value) if integer else float(value)


def _string(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name}: {value!r} is not a string")
    return value


def flow_from_record(record: dict[str, Any]) -> ObservedFlow:
    """One conn record → :class:`ObservedFlow`; ``ValueError`` says what is wrong."""
    for name in ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"):
        if record.get(name) is None:
            raise ValueError(f"{name} is missing")
    ts = record["ts"]
    if isinstance(ts, str):
        ts = values.timestamp(ts)
    else:
        ts = _number(record, "ts", integer=False)
    orig_p = _number(record, "id.orig_p", integer=True)
    resp_p = _number(record, "id.resp_p", integer=True)
    for name, p in (("id.orig_p", orig_p), ("id.resp_p", resp_p)):
        if p is not None and p > 65535:
            raise ValueError(f"{name}: {p} is not a port (0–65535)")
    service = _string(record, "service")
    orig_bytes = _number(record, "orig_bytes", integer=True)
    resp_bytes = _number(record, "resp_bytes", integer=True)
    duration = _number(record, "duration", integer=False)
    return ObservedFlow(
        ts=float(ts),
        orig_h=values.address(_string(record, "id.orig_h") or ""),
        orig_p=int(orig_p) if orig_p is not None else None,
        resp_h=values.address(_string(record, "id.resp_h") or ""),
        resp_p=int(resp_p) if resp_p is not None else None,
        proto=values.protocol(_string(record, "proto") or ""),
        uid=_string(record, "uid"),
        service=service or None,
        duration=float(duration) if duration is not None else None,
        orig_bytes=int(orig_bytes) if orig_bytes is not None else None,
        resp_bytes=int(resp_bytes) if resp_bytes is not None else None,
        conn_state=_string(record, "conn_state"),
    )


class ZeekJsonReader:
    """:class:`~medsec.flows.records.FlowReader` for Zeek NDJSON logs (plain or gzipped)."""

    format = "zeek-json"

    def read(self, path: Path, report: ReportBuilder) -> Iterator[ObservedFlow]:
        checked = False
        f = values.open_text(path)
        try:
            for number, raw in enumerate(f, start=1):
                line = raw.strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                except ValueError as e:
                    report.bad(number, f"not JSON: {e}")
                    continue
                if not isinstance(record, dict):
                    report.bad(number, "not a JSON object")
                    continue
                if not checked:
                    if not is_conn_record(record):
                        raise not_conn(path, number, record)
                    checked = True
                try:
                    flow = flow_from_record(record)
                except ValueError as e:
                    report.bad(number, str(e))
                    continue
                report.rows += 1
                yield flow
        except (OSError, EOFError) as e:
            raise FlowLogError(f"{path}: cannot read: {e}") from e
        finally:
            f.close()
