"""RFC 3164: the variants devices send, the year and time zone the messages lack (chosen
by the documented rule and flagged as inferred), and "never raises anything but Error"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.monitoring.syslog import rfc3164
from medsec.monitoring.syslog.message import Inferred, SyslogParseError
from medsec.monitoring.syslog.parser import read_message

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
RECEIVED = dt.datetime(2026, 10, 12, 8, 0, tzinfo=UTC)
Y, Z, P, T = Inferred.YEAR, Inferred.TIME_ZONE, Inferred.PRIORITY, Inferred.TIMESTAMP


def parse(raw: bytes, received: dt.datetime = RECEIVED, zone: dt.tzinfo = UTC) -> dict[str, object]:
    m = rfc3164.parse(raw, received=received, zone=zone)
    return {
        "pri": m.priority, "timestamp": m.timestamp, "hostname": m.hostname,
        "app_name": m.app_name, "procid": m.procid, "msg": m.msg, "inferred": m.inferred,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
            {"pri": 34, "timestamp": dt.datetime(2026, 10, 11, 22, 14, 15, tzinfo=UTC),
             "hostname": "mymachine", "app_name": "su", "procid": None,
             "msg": "'su root' failed for lonvick on /dev/pts/8", "inferred": {Y, Z}},
            id="RFC 3164 §5.4 example",
        ),
        pytest.param(
            b"<13>Oct  1 02:03:04 host app[42]: padded day",
            {"pri": 13, "timestamp": dt.datetime(2026, 10, 1, 2, 3, 4, tzinfo=UTC),
             "hostname": "host", "app_name": "app", "procid": "42", "msg": "padded day",
             "inferred": {Y, Z}},
            id="space-padded day, TAG[PID]",
        ),
        pytest.param(
            b"<13>Oct 1 02:03:04 host app: unpadded day",
            {"pri": 13, "timestamp": dt.datetime(2026, 10, 1, 2, 3, 4, tzinfo=UTC),
             "hostname": "host", "app_name": "app", "procid": None, "msg": "unpadded day",
             "inferred": {Y, Z}},
            id="unpadded day",
        ),
        pytest.param(
            b"<13>Oct 11 22:14:15 su: no host here",
            {"pri": 13, "timestamp": dt.datetime(2026, 10, 11, 22, 14, 15, tzinfo=UTC),
             "hostname": None, "app_name": "su", "procid": None, "msg": "no host here",
             "inferred": {Y, Z}},
            id="missing HOSTNAME",
        ),
        pytest.param(
            b"<13>Oct 11 22:14:15 host just text without a tag",
            {"pri": 13, "timestamp": dt.datetime(2026, 10, 11, 22, 14, 15, tzinfo=UTC),
             "hostname": "host", "app_name": None, "procid": None,
             "msg": "just text without a tag", "inferred": {Y, Z}},
            id="no TAG",
        ),
        pytest.param(
            b"Oct 11 22:14:15 host.example app[123]: legacy message without PRI",
            {"pri": 13, "timestamp": dt.datetime(2026, 10, 11, 22, 14, 15, tzinfo=UTC),
             "hostname": "host.example", "app_name": "app", "procid": "123",
             "msg": "legacy message without PRI", "inferred": {P, Y, Z}},
            id="no PRI: user.notice (§4.3.3)",
        ),
        pytest.param(
            b"<0>x",
            {"pri": 0, "timestamp": RECEIVED, "hostname": None, "app_name": None,
             "procid": None, "msg": "x", "inferred": {T}},
            id="no timestamp: receive time (§4.3.2)",
        ),
        pytest.param(
            b"<13>2026-07-23T09:30:45.123+02:00 host daemon: timestamp variant",
            {"pri": 13, "timestamp": dt.datetime(
                2026, 7, 23, 9, 30, 45, 123000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
             "hostname": "host", "app_name": "daemon", "procid": None,
             "msg": "timestamp variant", "inferred": set()},
            id="RFC 3339 timestamp",
        ),
        pytest.param(
            b"<13>2026-07-23T09:30:45.123456789Z host d: nanoseconds",
            {"pri": 13, "timestamp": dt.datetime(2026, 7, 23, 9, 30, 45, 123456, tzinfo=UTC),
             "hostname": "host", "app_name": "d", "procid": None, "msg": "nanoseconds",
             "inferred": set()},
            id="RFC 3339 with nanoseconds, cut to microseconds",
        ),
        pytest.param(
            b"<13>Oct 11 22:14:15 host app: caf\xc3\xa9 \xff",
            {"pri": 13, "timestamp": dt.datetime(2026, 10, 11, 22, 14, 15, tzinfo=UTC),
             "hostname": "host", "app_name": "app", "procid": None, "msg": "café \ufffd",
             "inferred": {Y, Z}},
            id="UTF-8 MSG, invalid octet replaced",
        ),
    ],
)  # fmt: skip
def test_variants(raw: bytes, expected: dict[str, object]) -> None:
    assert parse(raw) == expected


@pytest.mark.parametrize(
    ("stamp", "received", "year"),
    [
        ("Dec 31 23:59:58", dt.datetime(2027, 1, 1, 0, 0, 10, tzinfo=UTC), 2026),
        ("Jan  1 00:00:03", dt.datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC), 2027),
        ("Jan  7 00:00:00", dt.datetime(2026, 12, 31, 12, 0, tzinfo=UTC), 2027),
        ("Jan  8 00:00:00", dt.datetime(2026, 12, 31, 12, 0, tzinfo=UTC), 2026),
        ("Jul  1 12:00:00", dt.datetime(2027, 1, 15, tzinfo=UTC), 2026),
        ("Oct 11 22:14:15", dt.datetime(2026, 10, 11, 22, 14, 15, tzinfo=UTC), 2026),
        ("Feb 29 12:00:00", dt.datetime(2027, 3, 1, tzinfo=UTC), 2024),
        ("Feb 29 12:00:00", dt.datetime(2028, 3, 1, tzinfo=UTC), 2028),
    ],
)
def test_the_year_is_the_latest_not_more_than_a_week_ahead(
    stamp: str, received: dt.datetime, year: int
) -> None:
    message = rfc3164.parse(f"<13>{stamp} h a: x".encode(), received=received, zone=UTC)
    assert message.timestamp is not None and message.timestamp.year == year
    assert {Inferred.YEAR, Inferred.TIME_ZONE} <= message.inferred


def test_new_year_is_judged_in_the_senders_time_zone() -> None:
    # 23:30 UTC on 31 December is already 00:30 on 1 January in Berlin.
    received = dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    message = rfc3164.parse(b"<13>Jan  1 00:29:00 h a: x", received=received, zone=BERLIN)
    assert message.timestamp == dt.datetime(2027, 1, 1, 0, 29, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("zone", "utc_hour"),
    [(UTC, 12), (BERLIN, 10), (ZoneInfo("America/New_York"), 16)],
)
def test_the_time_zone_comes_from_the_setting(zone: dt.tzinfo, utc_hour: int) -> None:
    message = rfc3164.parse(b"<13>Jul  1 12:00:00 h a: x", received=RECEIVED, zone=zone)
    assert message.timestamp is not None
    assert message.timestamp.astimezone(UTC).hour == utc_hour


def test_an_rfc3339_timestamp_without_offset_takes_the_zone_and_says_so() -> None:
    message = rfc3164.parse(b"<13>2026-07-01T12:00:00 h a: x", received=RECEIVED, zone=BERLIN)
    assert message.timestamp == dt.datetime(2026, 7, 1, 12, tzinfo=BERLIN)
    assert message.inferred == {Inferred.TIME_ZONE}


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"hello world", "not syslog"),
        (b"", "not syslog"),
        (b"<192>Oct 11 22:14:15 h a: x", "above 191"),
        (b"<13>Oct 11 25:14:15 h a: x", "time of day"),
        (b"<13>Feb 30 12:00:00 h a: x", "no year has day 30 in month 2"),
        (b"<13>2026-02-30T12:00:00Z h a: x", "real date"),
    ],
)
def test_what_is_not_rfc3164_is_refused(raw: bytes, error: str) -> None:
    with pytest.raises(SyslogParseError, match=error):
        rfc3164.parse(raw, received=RECEIVED, zone=UTC)


def test_the_reader_stores_refused_lines_raw_with_the_reason() -> None:
    message = read_message(b"<13>Feb 30 12:00:00 h a: x", received=RECEIVED)
    assert (message.format, message.raw) == ("raw", b"<13>Feb 30 12:00:00 h a: x")
    assert message.parse_error == "no year has day 30 in month 2"


octets = st.lists(
    st.one_of(
        st.sampled_from([b"<13>", b"<", b">", b"Oct", b"Feb 29", b" ", b"  ", b"12:00:00",
                         b"2026-07-01T12:00:00", b"Z", b"+02:00", b"app[", b"]", b":", b"\xff"]),
        st.binary(max_size=6),
    ),
    max_size=20,
).map(b"".join)  # fmt: skip


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(octets, st.datetimes(timezones=st.just(UTC)), st.sampled_from([UTC, BERLIN]))
@example(b"<13>Jan  1 00:00:00 h a: x", dt.datetime(9999, 12, 31, 23, tzinfo=UTC), UTC)
@example(b"<13>Dec 31 23:00:00 h a: x", dt.datetime(1, 1, 1, 0, 30, tzinfo=UTC), BERLIN)
def test_the_parser_raises_nothing_but_error(
    data: bytes, received: dt.datetime, zone: dt.tzinfo
) -> None:
    try:
        message = rfc3164.parse(data, received=received, zone=zone)
    except Error:
        return
    assert message.timestamp is not None and message.timestamp.tzinfo is not None
