"""``nfdump -o csv`` output (NetFlow/IPFIX records from nfcapd files).

The first line names the columns (``ts,te,td,sa,da,sp,dp,pr,…,ibyt,…,obyt,…``); columns
are found by name. The ``Summary`` block nfdump prints after the records ends the data.
Use ``nfdump -B`` (bidirectional, direction guessed by port) so that each connection is
one record from its originator; times are read as UTC (run nfdump with ``TZ=UTC``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from medsec.flows.errors import FlowLogError
from medsec.flows.readers import values
from medsec.flows.records import ObservedFlow, ReportBuilder

REQUIRED = ("ts", "sa", "da", "sp", "dp", "pr")


def looks_like_nfdump(first_line: str) -> bool:
    names = first_line.strip().split(",")
    return all(name in names for name in REQUIRED)


class NfdumpCsvReader:
    """:class:`~medsec.flows.records.FlowReader` for ``nfdump -o csv`` files."""

    format = "nfdump-csv"

    def read(self, path: Path, report: ReportBuilder) -> Iterator[ObservedFlow]:
        f = values.open_text(path)
        try:
            names: list[str] | None = None
            for number, raw in enumerate(f, start=1):
                line = raw.rstrip("\n").rstrip("\r")
                if names is None:
                    if not looks_like_nfdump(line):
                        raise FlowLogError(
                            f"{path}:{number}: not an nfdump CSV header "
                            f"(expected columns {', '.join(REQUIRED)})",
                            hint="produce it with `nfdump -B -r FILE -o csv`",
                        )
                    names = line.split(",")
                    at = {name: names.index(name) for name in names}
                    continue
                if not line:
                    continue
                if line.startswith(("Summary", "No matched flows")):
                    report.notes.append(f"line {number}: nfdump summary, end of records")
                    break
                parts = line.split(",")
                if len(parts) != len(names):
                    report.bad(number, f"expected {len(names)} fields, found {len(parts)}")
                    continue
                try:
                    flow = _flow(parts, at)
                except ValueError as e:
                    report.bad(number, str(e))
                    continue
                report.rows += 1
                yield flow
            if names is None:
                raise FlowLogError(f"{path}: empty file, no nfdump CSV header")
        except (OSError, EOFError) as e:
            raise FlowLogError(f"{path}: cannot read: {e}") from e
        finally:
            f.close()


def _field(parts: list[str], at: dict[str, int], name: str) -> str | None:
    index = at.get(name)
    if index is None:
        return None
    text = parts[index].strip()
    return text or None


def _flow(parts: list[str], at: dict[str, int]) -> ObservedFlow:
    def need(name: str) -> str:
        text = _field(parts, at, name)
        if text is None:
            raise ValueError(f"{name} is empty")
        return text

    def parsed(name: str) -> int | None:
        text = _field(parts, at, name)
        if text is None:
            return None
        try:
            return values.count(text)
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None

    def port(name: str) -> int | None:
        try:
            return values.port(need(name))
        except ValueError as e:
            if proto == "icmp":  # nfdump writes ICMP type.code here (`8.0`)
                return None
            raise ValueError(f"{name}: {e}") from None

    proto = values.protocol(need("pr"))
    try:
        ts = values.timestamp(need("ts"))
    except ValueError as e:
        raise ValueError(f"ts: {e}") from None
    duration_text = _field(parts, at, "td")
    try:
        duration = values.epoch(duration_text) if duration_text is not None else None
    except ValueError as e:
        raise ValueError(f"td: {e}") from None
    return ObservedFlow(
        ts=ts,
        orig_h=values.address(need("sa")),
        orig_p=port("sp"),
        resp_h=values.address(need("da")),
        resp_p=port("dp"),
        proto=proto,
        duration=duration,
        orig_bytes=parsed("ibyt"),
        resp_bytes=parsed("obyt"),
    )
