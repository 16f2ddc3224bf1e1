"""Observed-flow readers, one module per format, and format detection.

>>> sorted(READERS)
['nfdump-csv', 'zeek-json', 'zeek-tsv']
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from medsec.flows.errors import FlowLogError
from medsec.flows.readers import values
from medsec.flows.readers.nfdump_csv import NfdumpCsvReader, looks_like_nfdump
from medsec.flows.readers.zeek_json import ZeekJsonReader
from medsec.flows.readers.zeek_tsv import ZeekTsvReader
from medsec.flows.records import FlowReader, ObservedFlow, ReadReport, ReportBuilder

READERS: dict[str, FlowReader] = {
    r.format: r for r in (ZeekTsvReader(), ZeekJsonReader(), NfdumpCsvReader())
}


def detect_format(path: Path) -> str:
    """``zeek-tsv``, ``zeek-json`` or ``nfdump-csv`` from the first non-blank line."""
    with values.open_text(path) as f:
        try:
            for raw in f:
                line = raw.strip()
                if not line:
                    continue
                if line.startswith("#"):
                    return "zeek-tsv"
                if line.startswith("{"):
                    return "zeek-json"
                if looks_like_nfdump(line):
                    return "nfdump-csv"
                break
        except (OSError, EOFError) as e:
            raise FlowLogError(f"{path}: cannot read: {e}") from e
    raise FlowLogError(
        f"{path}: not a flow log medsec knows",
        hint="pass a Zeek conn.log (TSV with #fields, or JSON lines) or `nfdump -o csv` output",
    )


def read_all(path: Path, format: str | None = None) -> tuple[list[ObservedFlow], ReadReport]:
    """Every flow of a (small) file and its report."""
    report = ReportBuilder(str(path), format or detect_format(path))
    flows = list(READERS[report.format].read(path, report))
    return flows, report.build()


def stream(path: Path, report: ReportBuilder) -> Iterator[ObservedFlow]:
    """Stream the flows of ``path`` with the reader for ``report.format``."""
    return READERS[report.format].read(path, report)
