"""What a flow reader yields: frozen observed flows and a report of malformed lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

#: Protocol numbers a reader may meet in place of names (nfdump ``-N``, NetFlow).
PROTOCOL_NAMES = {"1": "icmp", "6": "tcp", "17": "udp", "58": "icmp", "icmp6": "icmp"}

#: How many malformed lines a report keeps verbatim; the count is always exact.
MAX_KEPT = 1000


def normalize_protocol(value: str) -> str:
    """``TCP`` → ``tcp``, ``6`` → ``tcp``, ``ICMP6`` → ``icmp``; others lower-cased."""
    lowered = value.strip().lower()
    return PROTOCOL_NAMES.get(lowered, lowered)


@dataclass(frozen=True, slots=True)
class ObservedFlow:
    """One observed connection, from the originator's point of view.

    ``orig_h``/``resp_h`` are canonical address strings (``ipaddress`` compressed form);
    ``resp_p`` is the responder's port (for ICMP, Zeek's code; ignored by the check).
    """

    ts: float
    orig_h: str
    orig_p: int | None
    resp_h: str
    resp_p: int | None
    proto: str
    uid: str | None = None
    service: str | None = None
    duration: float | None = None
    orig_bytes: int | None = None
    resp_bytes: int | None = None
    conn_state: str | None = None

    @property
    def port(self) -> int | None:
        """The port the check looks at: the responder's, none for ICMP."""
        return None if self.proto == "icmp" else self.resp_p

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        return (self.orig_h, self.resp_h, self.proto, self.port)

    @property
    def bytes(self) -> int:
        return (self.orig_bytes or 0) + (self.resp_bytes or 0)


@dataclass(frozen=True, slots=True, order=True)
class Malformed:
    """A line a reader skipped: 1-based line number in the file, and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class ReadReport:
    """What reading one file produced: the format, rows accepted, malformed lines."""

    file: str
    format: str
    rows: int
    malformed_count: int
    malformed: tuple[Malformed, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"{self.file}: {self.format}, {self.rows} flows"
        if self.malformed_count:
            text += f", {self.malformed_count} malformed lines"
        return text


@dataclass
class ReportBuilder:
    """Collects a reader's counts while it streams; :meth:`build` freezes them."""

    file: str
    format: str
    rows: int = 0
    malformed_count: int = 0
    malformed: list[Malformed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def bad(self, line: int, reason: str) -> None:
        self.malformed_count += 1
        if len(self.malformed) < MAX_KEPT:
            self.malformed.append(Malformed(line, reason))

    def build(self) -> ReadReport:
        return ReadReport(
            self.file,
            self.format,
            self.rows,
            self.malformed_count,
            tuple(self.malformed),
            tuple(self.notes),
        )


class FlowReader(Protocol):
    """A port: one adapter per observed-flow format."""

    #: Stable format name (``zeek-tsv``, ``zeek-json``, ``nfdump-csv``).
    format: str

    def read(self, path: Path, report: ReportBuilder) -> Iterator[ObservedFlow]:
        """Stream the flows of ``path``; count malformed lines in ``report``.

        Raises :class:`medsec.errors.Error` only when the file as a whole cannot be read
        as this format (no header, not a conn log); a bad line never stops the stream.
        """
        ...
