"""RFC 3164 ("BSD syslog") messages, as devices really send them.

RFC 3164 only describes observed practice, so this parser accepts its variants and says
what it had to guess, in :attr:`SyslogMessage.inferred`:

* ``<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`` — the usual form. The day may be
  space-padded (``Oct  1``) or not.
* The timestamp has **no year and no time zone**. The zone is a setting
  (``MEDSEC_MONITOR_RFC3164_TIMEZONE``, an IANA name, default UTC), flagged
  ``time-zone``. The year, flagged ``year``, is the latest year that puts the timestamp
  no more than :data:`FUTURE_TOLERANCE` (7 days) after the receive time: a ``Dec 31``
  message received on 1 January belongs to the old year, a ``Jan  1`` message received
  a few seconds before midnight on 31 December (a clock slightly ahead) to the new one,
  and ``Feb 29`` goes back to the last leap year. In a DST overlap the earlier instant
  is taken (``fold=0``).
* An RFC 3339 timestamp instead of ``Mmm dd`` (rsyslog's "high-precision" template):
  taken as is; without an offset the zone is the setting, flagged ``time-zone``.
* No HOSTNAME: when the word after the timestamp is already ``TAG:`` or ``TAG[PID]:``.
* No PRI (§4.3.3): priority 13 (user.notice), flagged ``priority``; the message must
  then start with a timestamp, or it is not taken for syslog at all.
* No timestamp after the PRI (§4.3.2): the whole rest is MSG, the receive time is the
  timestamp, flagged ``timestamp``.

MSG is decoded as UTF-8 with invalid octets replaced by U+FFFD, as for RFC 5424.

>>> import datetime as dt
>>> m = parse(b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed",
...           received=dt.datetime(2026, 10, 12, tzinfo=dt.UTC), zone=dt.UTC)
>>> (m.timestamp.isoformat(), m.hostname, m.app_name, m.msg, sorted(map(str, m.inferred)))
('2026-10-11T22:14:15+00:00', 'mymachine', 'su', "'su root' failed", ['time-zone', 'year'])
"""

from __future__ import annotations

import datetime as dt
import re

from medsec.monitoring.syslog.message import Inferred, SyslogMessage, SyslogParseError
from medsec.monitoring.syslog.rfc5424 import decode_msg

#: How far after the receive time an RFC 3164 timestamp may fall (the sender's clock
#: running ahead) before the previous year is taken instead.
FUTURE_TOLERANCE = dt.timedelta(days=7)
#: PRI when a message has none (RFC 3164 §4.3.3): facility user (1), severity notice (5).
DEFAULT_PRIORITY = 13

_MONTHS = {m.encode(): i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
)}  # fmt: skip
_PRI = re.compile(rb"<(\d{1,3})>")
_BSD = re.compile(
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) "
    rb"(\d{2}):(\d{2}):(\d{2})(?= |$)"
)
_RFC3339 = re.compile(
    rb"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?"
    rb"(?= |$)"
)
_TAG = re.compile(rb"([^\s:\[\]]{1,48})(?:\[([^\]\s]{1,128})\])?:(?: |$)")
_HOST = re.compile(rb"[\x21-\x7e]{1,255}")


def infer_year(
    month: int, day: int, time: dt.time, received: dt.datetime, zone: dt.tzinfo
) -> dt.datetime:
    """The timestamp for ``Mmm dd hh:mm:ss`` received at ``received`` (see module doc)."""
    try:
        limit = received + FUTURE_TOLERANCE
        base = received.astimezone(zone).year
    except OverflowError as e:  # a receive time at the very end of the calendar
        raise SyslogParseError(f"cannot date an RFC 3164 message received at {received}") from e
    for year in range(base + 1, base - 9, -1):
        try:
            stamp = dt.datetime.combine(dt.date(year, month, day), time, zone)
        except ValueError:  # 29 February in a common year, 31 in a short month
            continue
        if stamp <= limit:
            return stamp
    raise SyslogParseError(f"no year has day {day} in month {month}")


def _timestamp(
    data: bytes, at: int, received: dt.datetime, zone: dt.tzinfo, inferred: set[Inferred]
) -> tuple[dt.datetime, int] | None:
    if (m := _BSD.match(data, at)) is not None:
        try:
            time = dt.time(int(m[3]), int(m[4]), int(m[5]))
        except ValueError as e:
            raise SyslogParseError(f"timestamp is not a time of day: {e}", offset=at) from e
        stamp = infer_year(_MONTHS[m[1]], int(m[2]), time, received, zone)
        inferred.update((Inferred.YEAR, Inferred.TIME_ZONE))
        return stamp, m.end()
    if (m := _RFC3339.match(data, at)) is not None:
        fraction = (m[7] or b"").decode()[:6].ljust(6, "0")
        offset = m[8]
        if offset is None:
            tz: dt.tzinfo = zone
            inferred.add(Inferred.TIME_ZONE)
        elif offset == b"Z":
            tz = dt.UTC
        else:
            delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
            if delta >= dt.timedelta(days=1):
                raise SyslogParseError("timestamp has an impossible UTC offset", offset=at)
            tz = dt.timezone(-delta if offset[:1] == b"-" else delta)
        try:
            y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
            return dt.datetime(y, mo, d, h, mi, s, int(fraction), tz), m.end()
        except ValueError as e:
            raise SyslogParseError(f"timestamp is not a real date: {e}", offset=at) from e
    return None


def parse(data: bytes, *, received: dt.datetime, zone: dt.tzinfo) -> SyslogMessage:
    """Parse one RFC 3164 message; raise :class:`SyslogParseError` if it is not one.

    ``received`` (aware) is when it arrived; ``zone`` is the senders' time zone.
    """
    inferred: set[Inferred] = set()
    if (pri_match := _PRI.match(data)) is not None:
        pri = int(pri_match[1])
        if pri > 191:
            raise SyslogParseError(f"PRI {pri} is above 191", offset=1)
        at = pri_match.end()
    else:
        pri, at = DEFAULT_PRIORITY, 0
        inferred.add(Inferred.PRIORITY)
    found = _timestamp(data, at, received, zone, inferred)
    hostname = app_name = procid = None
    if found is None:
        if pri_match is None:
            raise SyslogParseError("not syslog: neither a <PRI> nor a timestamp at the start")
        inferred.add(Inferred.TIMESTAMP)
        timestamp, content = received, data[at:]
    else:
        timestamp, at = found
        at += data[at : at + 1] == b" "
        tag = _TAG.match(data, at)
        host = _HOST.match(data, at)
        if tag is None and host is not None and data[host.end() : host.end() + 1] in (b" ", b""):
            hostname = host[0].decode("ascii")
            at = host.end() + 1
            tag = _TAG.match(data, at)
        if tag is not None:
            app_name = tag[1].decode("utf-8", "replace")
            procid = tag[2].decode("ascii", "replace") if tag[2] else None
            at = tag.end()
        content = data[at:]
    return SyslogMessage(
        raw=data, format="rfc3164", facility=pri >> 3, severity=pri & 7, timestamp=timestamp,
        hostname=hostname, app_name=app_name, procid=procid, msg=decode_msg(content),
        inferred=frozenset(inferred),
    )  # fmt: skip
