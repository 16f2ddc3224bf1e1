r"""A fast path for the RFC 5424 messages devices send most: one precompiled regular
expression for the whole header and structured data without escapes.

:func:`parse_common` returns the message the strict parser
(:func:`medsec.monitoring.syslog.rfc5424.parse`) would return, or ``None`` for anything
it does not recognise — then the strict parser decides, and gives the reason when the
message is invalid. It recognises VERSION ``1`` with every header field within its
length limit, and SD-ELEMENTs whose PARAM-VALUEs hold no ``\``, ``"`` or ``]`` and are
UTF-8; a leap second, an impossible date or offset, a PRI above 191 or an SD-ID given
twice go to the strict parser too. A property test checks on generated messages that
both agree whenever the fast path answers.

>>> m = parse_common(b'<165>1 2003-10-11T22:14:15.003Z host app - ID47 [x@1 a="1"] An event')
>>> (m.facility, m.severity, m.hostname, m.procid, m.structured_data[0].get("a"), m.msg)
(20, 5, 'host', None, '1', 'An event')
>>> parse_common(b'<13>1 - - - - - [x@1 a="\\]"] escaped') is None
True
"""

from __future__ import annotations

import datetime as dt
import re

from medsec.monitoring.syslog.message import SdElement, SyslogMessage
from medsec.monitoring.syslog.rfc5424 import decode_msg

_NAME = rb"[\x21\x23-\x3c\x3e-\x5c\x5e-\x7e]"
_VALUE = rb'[^"\\\]]*'
_PARAMS = rb"(?: " + _NAME + rb'{1,32}="' + _VALUE + rb'")*'
_ELEMENT = rb"\[" + _NAME + rb"{1,32}" + _PARAMS + rb"\]"
_MESSAGE = re.compile(
    rb"<(\d{1,3})>1 "
    rb"(?:(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)|-) "
    rb"([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) "
    rb"(-|(?:" + _ELEMENT + rb")+)(?: |\Z)"
)  # fmt: skip
_SD_ELEMENT = re.compile(rb"\[(" + _NAME + rb"{1,32})(" + _PARAMS + rb")\]")
_SD_PARAM = re.compile(rb" (" + _NAME + rb'{1,32})="(' + _VALUE + rb')"')
_ZONES: dict[bytes, dt.tzinfo] = {b"Z": dt.UTC}


def _zone(offset: bytes) -> dt.tzinfo | None:
    zone = _ZONES.get(offset)
    if zone is None:
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            return None
        delta = dt.timedelta(hours=hours, minutes=minutes)
        zone = _ZONES.setdefault(offset, dt.timezone(-delta if offset[:1] == b"-" else delta))
    return zone


def _timestamp(m: re.Match[bytes]) -> tuple[bool, dt.datetime | None]:
    """(read, the TIMESTAMP or ``None`` for NILVALUE); not read when the strict parser
    must judge it."""
    if m[2] is None:
        return True, None
    zone = _zone(m[9])
    second = int(m[7])
    if zone is None or second == 60:
        return False, None
    fraction = m[8]
    try:
        return True, dt.datetime(
            int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]), second,
            int(fraction.ljust(6, b"0")) if fraction else 0, zone,
        )  # fmt: skip
    except ValueError:
        return False, None


def _structured_data(sd: bytes) -> tuple[SdElement, ...] | None:
    if sd == b"-":
        return ()
    elements = []
    seen = set()
    try:
        for element in _SD_ELEMENT.finditer(sd):
            name = element[1].decode("ascii")
            if name in seen:
                return None  # the strict parser refuses it, with the reason
            seen.add(name)
            params = tuple((p[1].decode("ascii"), p[2].decode("utf-8"))
                           for p in _SD_PARAM.finditer(element[2]))  # fmt: skip
            elements.append(SdElement(name, params))
    except UnicodeDecodeError:
        return None
    return tuple(elements)


def _nil(value: bytes) -> str | None:
    return None if value == b"-" else value.decode("ascii")


def parse_common(
    data: bytes, *, source: str | None = None, received_at: dt.datetime | None = None,
    truncated_from: int | None = None, receipt_id: str | None = None,
) -> SyslogMessage | None:  # fmt: skip
    """The message, as :func:`~medsec.monitoring.syslog.rfc5424.parse` reads it (with the
    receipt's fields set), or ``None`` when the strict parser must read it."""
    m = _MESSAGE.match(data)
    if m is None:
        return None
    pri = int(m[1])
    read, timestamp = _timestamp(m)
    if pri > 191 or not read:
        return None
    sd = _structured_data(m[14])
    if sd is None:
        return None
    return SyslogMessage(
        raw=data, format="rfc5424", facility=pri >> 3, severity=pri & 7,
        timestamp=timestamp, hostname=_nil(m[10]), app_name=_nil(m[11]), procid=_nil(m[12]),
        msgid=_nil(m[13]), structured_data=sd, msg=decode_msg(data[m.end() :]), version=1,
        source=source, received_at=received_at, truncated_from=truncated_from,
        receipt_id=receipt_id,
    )  # fmt: skip
