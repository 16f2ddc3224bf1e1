"""One received syslog message, whatever its format, and what could be read from it.

A :class:`SyslogMessage` is frozen. Fields the sender left out (RFC 5424 NILVALUE ``-``,
or absent in RFC 3164) are ``None``. A message that did not parse has ``format="raw"``,
its octets in :attr:`SyslogMessage.raw` and the reason in
:attr:`SyslogMessage.parse_error`; nothing received is dropped.

>>> m = SyslogMessage(raw=b"x", format="raw", parse_error="not a syslog message")
>>> m.parsed, m.priority
(False, None)
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Literal

from medsec.errors import Error

Format = Literal["rfc5424", "rfc3164", "raw"]

FACILITIES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "audit", "alert", "clock",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)  # fmt: skip
SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")


class Inferred(enum.StrEnum):
    """A part of the timestamp (or priority) that the message did not carry."""

    #: RFC 3164 timestamps have no year: chosen relative to the receive time.
    YEAR = "year"
    #: RFC 3164 timestamps have no offset: taken from the configured time zone.
    TIME_ZONE = "time-zone"
    #: No timestamp at all (RFC 3164 §4.3.2): the receive time.
    TIMESTAMP = "timestamp"
    #: No PRI (RFC 3164 §4.3.3): user.notice (13).
    PRIORITY = "priority"


class SyslogParseError(Error):
    """The octets are not a message of the format they claim (or of any format)."""

    kind = "syslog-parse"
    title = "Not a valid syslog message"

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        where = f" at octet {offset}" if offset is not None else ""
        super().__init__(
            f"{message}{where}",
            hint="the message is kept raw with this reason; fix the sender's syslog format",
        )
        self.offset = offset


@dataclass(frozen=True)
class SdElement:
    """One RFC 5424 SD-ELEMENT: its SD-ID and its parameters in order, values unescaped."""

    id: str
    params: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        """The first value of parameter ``name`` (RFC 5424 allows repeats), or ``None``."""
        return next((v for k, v in self.params if k == name), None)


@dataclass(frozen=True)
class SyslogMessage:
    raw: bytes
    format: Format
    facility: int | None = None
    severity: int | None = None
    #: Always aware. For RFC 3164 parts of it may be inferred (see :attr:`inferred`).
    timestamp: dt.datetime | None = None
    hostname: str | None = None
    app_name: str | None = None
    procid: str | None = None
    msgid: str | None = None
    structured_data: tuple[SdElement, ...] = ()
    #: MSG as text: a leading BOM removed, invalid UTF-8 replaced by U+FFFD (raw keeps the
    #: octets).
    msg: str = ""
    version: int | None = None
    inferred: frozenset[Inferred] = frozenset()
    parse_error: str | None = None
    #: The length in octets the sender sent, when the message was cut to the size limit.
    truncated_from: int | None = None
    #: The sender's IP address, when received from a network.
    source: str | None = None
    received_at: dt.datetime | None = None
    #: A unique id given at receipt (the intake's), so a store can make writes idempotent.
    receipt_id: str | None = None

    @property
    def parsed(self) -> bool:
        return self.format != "raw"

    @property
    def priority(self) -> int | None:
        if self.facility is None or self.severity is None:
            return None
        return self.facility * 8 + self.severity

    def sd_param(self, name: str) -> str | None:
        """The first value of ``name`` in any SD-ELEMENT (e.g. a device serial)."""
        for element in self.structured_data:
            if (value := element.get(name)) is not None:
                return value
        return None

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready view: names for facility and severity, SD as ordered lists."""
        return {
            "format": self.format,
            "facility": self.facility,
            "facility_name": None if self.facility is None else FACILITIES[self.facility],
            "severity": self.severity,
            "severity_name": None if self.severity is None else SEVERITIES[self.severity],
            "timestamp": None if self.timestamp is None else self.timestamp.isoformat(),
            "inferred": sorted(self.inferred),
            "hostname": self.hostname,
            "app_name": self.app_name,
            "procid": self.procid,
            "msgid": self.msgid,
            "structured_data": [
                {"id": e.id, "params": [[k, v] for k, v in e.params]} for e in self.structured_data
            ],
            "msg": self.msg,
            "parse_error": self.parse_error,
            "truncated_from": self.truncated_from,
            "source": self.source,
            "received_at": None if self.received_at is None else self.received_at.isoformat(),
            "raw": self.raw.decode("utf-8", "backslashreplace"),
        }
