"""Strict parsing of the field values the check uses, shared by every reader.

The DuckDB scan (:mod:`medsec.flows.scan`) validates with the same patterns
(:data:`TIME_RE`, :data:`PORT_RE`, :data:`COUNT_RE`) so that a file the scan accepts is
one these functions accept too; anything it doubts is re-read here.
"""

from __future__ import annotations

import gzip
import io
import ipaddress
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from medsec.flows.errors import FlowLogError
from medsec.flows.records import normalize_protocol

TIME_RE = r"[0-9]+(\.[0-9]+)?"
PORT_RE = r"[0-9]{1,5}"
COUNT_RE = r"[0-9]{1,18}"

_TIME = re.compile(TIME_RE)
_PORT = re.compile(PORT_RE)
_COUNT = re.compile(COUNT_RE)


def address(text: str) -> str:
    """Canonical form of an IPv4/IPv6 address (``2001:DB8::1`` → ``2001:db8::1``)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address") from None


def protocol(text: str) -> str:
    """``TCP``/``6`` → ``tcp``; an empty protocol is malformed."""
    if not text.strip():
        raise ValueError("the protocol is empty")
    return normalize_protocol(text)


def port(text: str) -> int:
    if not _PORT.fullmatch(text) or int(text) > 65535:
        raise ValueError(f"{text!r} is not a port (0–65535)")
    return int(text)


def count(text: str) -> int:
    if not _COUNT.fullmatch(text):
        raise ValueError(f"{text!r} is not a count")
    return int(text)


def epoch(text: str) -> float:
    """Seconds since the epoch, as Zeek writes ``time`` and ``interval`` fields."""
    if not _TIME.fullmatch(text):
        raise ValueError(f"{text!r} is not a time in seconds")
    return float(text)


def timestamp(text: str) -> float:
    """Epoch seconds or an ISO 8601 / ``YYYY-MM-DD HH:MM:SS[.fff]`` time (UTC if no zone)."""
    if _TIME.fullmatch(text):
        return float(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def open_text(path: Path) -> IO[str]:
    """Open a log as text, gunzipping when it starts with the gzip magic bytes."""
    try:
        with path.open("rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        if gzipped:
            return io.TextIOWrapper(
                gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="\n"
            )
        return path.open(encoding="utf-8", errors="replace", newline="\n")
    except OSError as e:
        raise FlowLogError(f"{path}: cannot read: {e.strerror or e}") from e
