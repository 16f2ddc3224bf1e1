"""Any received octets → a :class:`SyslogMessage`, never an exception.

``<PRI>`` followed by a version number and a space is RFC 5424 (and parsed strictly);
everything else is tried as RFC 3164. What parses as neither is kept with
``format="raw"`` and the parse error, so nothing received is lost.

>>> read_message(b"<13>1 - - - - - - minimal").msg
'minimal'
>>> m = read_message(b"hello")
>>> (m.format, m.parse_error)
('raw', 'not syslog: neither a <PRI> nor a timestamp at the start')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from medsec.monitoring.syslog import rfc3164, rfc5424
from medsec.monitoring.syslog.common import parse_common
from medsec.monitoring.syslog.framing import Frame
from medsec.monitoring.syslog.message import SyslogMessage, SyslogParseError

_RFC5424 = re.compile(rb"<\d{1,3}>\d{1,3} ")


def read_message(
    data: bytes,
    *,
    received: dt.datetime | None = None,
    zone: dt.tzinfo = dt.UTC,
    source: str | None = None,
    truncated_from: int | None = None,
    receipt_id: str | None = None,
) -> SyslogMessage:
    """Parse ``data`` as RFC 5424 or RFC 3164, or keep it raw with the reason.

    ``received`` (default: now) dates RFC 3164 messages; ``zone`` is their time zone.
    The common RFC 5424 shape takes a fast path (:mod:`medsec.monitoring.syslog.common`)
    that gives the same message as the strict parser.
    """
    received = received or dt.datetime.now(dt.UTC)
    if received.tzinfo is None:
        raise ValueError("the receive time must be aware (it dates RFC 3164 messages)")
    common = parse_common(data, source=source, received_at=received,
                          truncated_from=truncated_from, receipt_id=receipt_id)  # fmt: skip
    if common is not None:
        return common
    try:
        if _RFC5424.match(data):
            message = rfc5424.parse(data)
        else:
            message = rfc3164.parse(data, received=received, zone=zone)
    except SyslogParseError as e:
        message = SyslogMessage(raw=data, format="raw", parse_error=e.message)
    return dataclasses.replace(
        message, source=source, received_at=received, truncated_from=truncated_from,
        receipt_id=receipt_id,
    )  # fmt: skip


def read_frame(
    frame: Frame, *, received: dt.datetime | None = None, zone: dt.tzinfo = dt.UTC,
    source: str | None = None, receipt_id: str | None = None,
) -> SyslogMessage:  # fmt: skip
    return read_message(
        frame.data, received=received, zone=zone, source=source,
        truncated_from=frame.truncated_from, receipt_id=receipt_id,
    )  # fmt: skip
