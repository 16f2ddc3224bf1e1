"""RFC 5424 messages: a strict parser of the §6 ABNF over octets, and the project's one
formatter (the audit log's syslog export and the SIEM forwarder both use :func:`format`).

Written by hand after checking PyPI for a maintained parser: ``syslog-rfc5424-parser``
(last release 2019) keeps PARAM-VALUE escapes undecoded, merges repeated SD-IDs into a
dict, works on ``str`` (no BOM or octet handling) and leaves timestamps as text;
``heroku-syslog-parser`` (2017) and ``loggerglue`` (2011) are unmaintained,
``syslog-parse``/``syslog-parser`` are lenient regexes without structured data, ``jc``'s
syslog parser is lenient by design, and ``syslogmp`` reads RFC 3164 only.

What the parser enforces, with the RFC's section:

* PRI ``<0>``–``<191>`` (§6.2.1), VERSION ``1`` (§6.2.2; other versions are refused);
* TIMESTAMP as RFC 3339 with upper-case ``T``/``Z``, at most 6 fractional digits, no leap
  second (§6.2.3: "leap seconds MUST NOT be used"), a real calendar date;
* HOSTNAME ≤ 255, APP-NAME ≤ 48, PROCID ≤ 128, MSGID ≤ 32 printable US-ASCII (§6.2.4–7);
* SD-ELEMENTs with SD-NAMEs of ≤ 32 printable characters other than ``= ] "`` and space,
  a SD-ID at most once (§6.3.2), PARAM-VALUEs in UTF-8 with ``\\"``, ``\\\\`` and ``\\]``
  decoded; a backslash before any other character is kept with it (§6.3.3);
* MSG after one space: a UTF-8 BOM is removed (§6.4); octets that are not UTF-8 are
  replaced by U+FFFD in :attr:`SyslogMessage.msg` (``raw`` keeps them).

>>> m = parse(b'<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
...           b'[exampleSDID@32473 iut="3" eventSource="Application"] An event')
>>> (m.facility, m.severity, m.msgid, m.structured_data[0].get("iut"), m.msg)
(20, 5, 'ID47', '3', 'An event')
>>> format(m)[:40]
b'<165>1 2003-10-11T22:14:15.003000Z mymac'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from medsec.monitoring.syslog.message import SdElement, SyslogMessage, SyslogParseError

BOM = b"\xef\xbb\xbf"
NIL = b"-"

_HEADER = re.compile(rb"<(\d{1,3})>(\d{1,3}) ")
_TIMESTAMP = re.compile(
    rb"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})"
)
_SD_NAME = re.compile(rb"[\x21\x23-\x3c\x3e-\x5c\x5e-\x7e]{1,32}")
_LIMITS = (("HOSTNAME", 255), ("APP-NAME", 48), ("PROCID", 128), ("MSGID", 32))


def _field(data: bytes, at: int, name: str, limit: int) -> tuple[str | None, int]:
    """One header field (printable US-ASCII or NILVALUE) ending at a SP."""
    end = data.find(b" ", at)
    if end == -1:
        raise SyslogParseError(f"{name} is not followed by a space", offset=at)
    value = data[at:end]
    if not value:
        raise SyslogParseError(f"{name} is empty (a space too many?)", offset=at)
    if len(value) > limit:
        raise SyslogParseError(f"{name} is longer than {limit} characters", offset=at)
    if any(c < 33 or c > 126 for c in value):
        raise SyslogParseError(f"{name} has a character outside printable US-ASCII", offset=at)
    return (None if value == NIL else value.decode("ascii")), end + 1


def _timestamp(data: bytes, at: int) -> tuple[dt.datetime | None, int]:
    if data.startswith(b"- ", at):
        return None, at + 2
    m = _TIMESTAMP.match(data, at)
    if m is None or data[m.end() : m.end() + 1] != b" ":
        raise SyslogParseError("TIMESTAMP is not an RFC 3339 date-time or '-'", offset=at)
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if second == 60:
        raise SyslogParseError("TIMESTAMP is a leap second, which RFC 5424 forbids", offset=at)
    fraction = (m[7] or b"").decode()
    offset = m[8]
    if offset == b"Z":
        zone = dt.UTC
    else:
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise SyslogParseError("TIMESTAMP has an impossible UTC offset", offset=at)
        delta = dt.timedelta(hours=hours, minutes=minutes)
        zone = dt.timezone(-delta if offset[:1] == b"-" else delta)
    try:
        stamp = dt.datetime(
            year, month, day, hour, minute, second, int(fraction.ljust(6, "0") or 0), zone
        )
    except ValueError as e:
        raise SyslogParseError(f"TIMESTAMP is not a real date and time: {e}", offset=at) from e
    return stamp, m.end() + 1


def _param_value(data: bytes, at: int) -> tuple[str, int]:
    """A PARAM-VALUE after its opening quote; returns the value and the offset past the
    closing quote."""
    out = bytearray()
    i = at
    while i < len(data):
        c = data[i]
        if c == 0x5C and i + 1 < len(data) and data[i + 1] in b'"\\]':  # \" \\ \]
            out.append(data[i + 1])
            i += 2
        elif c == 0x22:  # "
            try:
                return out.decode("utf-8"), i + 1
            except UnicodeDecodeError as e:
                raise SyslogParseError(
                    f"PARAM-VALUE is not UTF-8: {e.reason}", offset=at + e.start
                ) from e
        else:
            out.append(c)
            i += 1
    raise SyslogParseError("PARAM-VALUE has no closing quote", offset=at - 1)


def _structured_data(data: bytes, at: int) -> tuple[tuple[SdElement, ...], int]:
    if data.startswith(NIL, at):
        return (), at + 1
    if data[at : at + 1] != b"[":
        raise SyslogParseError("STRUCTURED-DATA is neither '-' nor '['", offset=at)
    elements: list[SdElement] = []
    while data[at : at + 1] == b"[":
        sd_id = _SD_NAME.match(data, at + 1)
        if sd_id is None:
            raise SyslogParseError("SD-ID is missing or has a forbidden character", offset=at + 1)
        name = sd_id[0].decode("ascii")
        if any(e.id == name for e in elements):
            raise SyslogParseError(f"SD-ID {name!r} appears twice (RFC 5424 §6.3.2)", offset=at)
        at = sd_id.end()
        params: list[tuple[str, str]] = []
        while data[at : at + 1] == b" ":
            param = _SD_NAME.match(data, at + 1)
            if param is None:
                raise SyslogParseError(f"PARAM-NAME expected in [{name}", offset=at + 1)
            at = param.end()
            if data[at : at + 2] != b'="':
                raise SyslogParseError(
                    f'PARAM-NAME {param[0].decode()!r} is not followed by ="', offset=at
                )
            value, at = _param_value(data, at + 2)
            params.append((param[0].decode("ascii"), value))
        if data[at : at + 1] != b"]":
            raise SyslogParseError(f"SD-ELEMENT [{name} is not closed by ']'", offset=at)
        elements.append(SdElement(name, tuple(params)))
        at += 1
    return tuple(elements), at


def decode_msg(octets: bytes) -> str:
    """MSG as text: without its BOM, invalid UTF-8 replaced by U+FFFD."""
    return octets.removeprefix(BOM).decode("utf-8", "replace")


def parse(data: bytes) -> SyslogMessage:
    """Parse one RFC 5424 message (without framing); raise :class:`SyslogParseError`."""
    head = _HEADER.match(data)
    if head is None:
        raise SyslogParseError("not an RFC 5424 message (no '<PRI>VERSION ')", offset=0)
    pri, version = int(head[1]), int(head[2])
    if pri > 191:
        raise SyslogParseError(f"PRI {pri} is above 191", offset=1)
    if version != 1:
        raise SyslogParseError(f"syslog protocol version {version} is not supported", offset=0)
    timestamp, at = _timestamp(data, head.end())
    fields: list[str | None] = []
    for name, limit in _LIMITS:
        value, at = _field(data, at, name, limit)
        fields.append(value)
    sd, at = _structured_data(data, at)
    rest = data[at:]
    if rest and rest[:1] != b" ":
        raise SyslogParseError("STRUCTURED-DATA is not followed by a space or the end", offset=at)
    hostname, app_name, procid, msgid = fields
    return SyslogMessage(
        raw=data, format="rfc5424", facility=pri >> 3, severity=pri & 7, version=version,
        timestamp=timestamp, hostname=hostname, app_name=app_name, procid=procid,
        msgid=msgid, structured_data=sd, msg=decode_msg(rest[1:]),
    )  # fmt: skip


# --------------------------------------------------------------------------- formatting


def sd_escape(value: str) -> str:
    """Escape a PARAM-VALUE as RFC 5424 §6.3.3 requires: ``"``, ``\\`` and ``]``."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def header_field(value: str | None, limit: int) -> str:
    """A header field: printable US-ASCII (33–126), at most ``limit`` characters, or ``-``."""
    cleaned = "".join(c for c in (value or "") if 33 <= ord(c) <= 126)[:limit]
    return cleaned or "-"


def sd_name(value: str) -> str:
    """An SD-NAME: printable US-ASCII except ``= ] "`` and space, at most 32 characters."""
    cleaned = "".join(c for c in value if 33 <= ord(c) <= 126 and c not in '=]"')[:32]
    return cleaned or "_"


def format_timestamp(stamp: dt.datetime | None) -> str:
    """RFC 3339 with microseconds, ``Z`` for UTC, the offset otherwise; ``-`` if none."""
    if stamp is None:
        return "-"
    if stamp.tzinfo is None:
        raise ValueError("a syslog timestamp must be aware")
    offset = stamp.utcoffset() or dt.timedelta(0)
    # Not strftime: its %Y drops the leading zeros of years before 1000 on glibc.
    text = (
        f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d}T{stamp.hour:02d}:"
        f"{stamp.minute:02d}:{stamp.second:02d}.{stamp.microsecond:06d}"
    )
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_sd(elements: Iterable[SdElement]) -> str:
    parts = []
    for e in elements:
        params = "".join(f' {sd_name(k)}="{sd_escape(v)}"' for k, v in e.params)
        parts.append(f"[{sd_name(e.id)}{params}]")
    return "".join(parts) or "-"


def format(message: SyslogMessage, *, bom: bool = False) -> bytes:
    """One RFC 5424 message (UTF-8, no framing, no trailing newline).

    Header fields are reduced to what the RFC allows (printable ASCII, length limits);
    ``bom=True`` puts a BOM before MSG (RFC 5424 §6.4 SHOULD for UTF-8 text; senders of
    plain ASCII, like the audit log, leave it out).
    """
    pri = (message.facility or 0) * 8 + (message.severity or 0)
    header = " ".join(
        (
            f"<{pri}>1",
            format_timestamp(message.timestamp),
            header_field(message.hostname, 255),
            header_field(message.app_name, 48),
            header_field(message.procid, 128),
            header_field(message.msgid, 32),
            format_sd(message.structured_data),
        )
    )
    # "replace": a lone surrogate (text decoded with errors="surrogateescape") becomes "?"
    # rather than failing the whole message.
    head = header.encode("utf-8", "replace")
    if not message.msg:
        return head
    return head + b" " + (BOM if bom else b"") + message.msg.encode("utf-8", "replace")
