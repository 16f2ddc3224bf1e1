"""RFC 5424: the §6.5 examples parse to the fields the RFC gives; every rule of the §6
ABNF has a row; arbitrary octets give a SyslogParseError or a message, nothing else; and
what the formatter writes parses back to the same message."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.monitoring.syslog import rfc5424
from medsec.monitoring.syslog.common import parse_common
from medsec.monitoring.syslog.message import SdElement, SyslogMessage, SyslogParseError
from medsec.monitoring.syslog.parser import read_message

BOM = b"\xef\xbb\xbf"
UTC = dt.UTC
MINUS_7 = dt.timezone(-dt.timedelta(hours=7))

# --------------------------------------------------------------------------- RFC 5424 §6.5

EXAMPLE_1 = (
    b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
    + BOM + b"'su root' failed for lonvick on /dev/pts/8"
)  # fmt: skip
EXAMPLE_2 = (
    b"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
    b"%% It's time to make the do-nuts."
)
EXAMPLE_3 = (
    b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
    b'[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] '
    + BOM + b"An application event log entry..."
)  # fmt: skip
EXAMPLE_4 = (
    b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
    b'[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]'
    b'[examplePriority@32473 class="high"]'
)
EXAMPLE_SD = SdElement(
    "exampleSDID@32473", (("iut", "3"), ("eventSource", "Application"), ("eventID", "1011"))
)


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        pytest.param(EXAMPLE_1, {
            "facility": 4, "severity": 2,
            "timestamp": dt.datetime(2003, 10, 11, 22, 14, 15, 3000, UTC),
            "hostname": "mymachine.example.com", "app_name": "su", "procid": None, "msgid": "ID47",
            "structured_data": (), "msg": "'su root' failed for lonvick on /dev/pts/8",
        }, id="example 1: no structured data, BOM"),
        pytest.param(EXAMPLE_2, {
            "facility": 20, "severity": 5,
            "timestamp": dt.datetime(2003, 8, 24, 5, 14, 15, 3, MINUS_7),
            "hostname": "192.0.2.1", "app_name": "myproc", "procid": "8710", "msgid": None,
            "structured_data": (), "msg": "%% It's time to make the do-nuts.",
        }, id="example 2: offset, microseconds, no MSGID"),
        pytest.param(EXAMPLE_3, {
            "facility": 20, "severity": 5, "hostname": "mymachine.example.com",
            "app_name": "evntslog",
            "procid": None, "msgid": "ID47", "structured_data": (EXAMPLE_SD,),
            "msg": "An application event log entry...",
        }, id="example 3: structured data and MSG"),
        pytest.param(EXAMPLE_4, {
            "facility": 20, "severity": 5, "msgid": "ID47",
            "structured_data": (
                EXAMPLE_SD, SdElement("examplePriority@32473", (("class", "high"),))
            ),
            "msg": "",
        }, id="example 4: two SD-ELEMENTs, no MSG"),
    ],
)  # fmt: skip
def test_rfc5424_section_6_5_examples(raw: bytes, fields: dict[str, object]) -> None:
    message = rfc5424.parse(raw)
    assert {k: getattr(message, k) for k in fields} == fields
    assert (message.format, message.version, message.raw) == ("rfc5424", 1, raw)


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize(
    ("raw", "field", "value"),
    [
        (b"<13>1 - - - - - -", "timestamp", None),
        (b"<13>1 - - - - - -", "hostname", None),
        (b"<13>1 - - - - - -", "app_name", None),
        (b"<13>1 - - - - - -", "procid", None),
        (b"<13>1 - - - - - -", "msgid", None),
        (b"<13>1 - - - - - -", "structured_data", ()),
        (b"<13>1 - - - - - -", "msg", ""),
        (b"<13>1 - - - - - - ", "msg", ""),
        (b"<13>1 - - - - - - -", "msg", "-"),
        (b"<0>1 - - - - - - x", "facility", 0),
        (b"<191>1 - - - - - - x", "facility", 23),
        (b"<191>1 - - - - - - x", "severity", 7),
        (b"<13>1 - h a p m - " + BOM + "é".encode(), "msg", "é"),
        (b"<13>1 - h a p m - " + "é".encode(), "msg", "é"),
        (b"<13>1 - h a p m - \xff\xfe ok", "msg", "\ufffd\ufffd ok"),
        (b"<13>1 - h a p m - " + BOM, "msg", ""),
        (b"<13>1 - h a p m - two  spaces ", "msg", "two  spaces "),
        (b"<13>1 - h a p m - line\nbreak", "msg", "line\nbreak"),
        (b"<13>1 - h a p m - [not sd]", "msg", "[not sd]"),
        (b"<13>1 - " + b"h" * 255 + b" - - - -", "hostname", "h" * 255),
        (b"<13>1 - - " + b"a" * 48 + b" - - -", "app_name", "a" * 48),
        (b"<13>1 - - - " + b"p" * 128 + b" - -", "procid", "p" * 128),
        (b"<13>1 - - - - " + b"m" * 32 + b" -", "msgid", "m" * 32),
        (b"<13>1 2026-01-02T03:04:05Z - - - - -", "timestamp",
         dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (b"<13>1 2026-01-02T03:04:05.1Z - - - - -", "timestamp",
         dt.datetime(2026, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)),
        (b"<13>1 2026-01-02T03:04:05.123456+05:30 - - - - -", "timestamp",
         dt.datetime(2026, 1, 2, 3, 4, 5, 123456,
                     tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))),
        (b"<13>1 2026-01-02T03:04:05-00:00 - - - - -", "timestamp",
         dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (b"<13>1 2024-02-29T23:59:59Z - - - - -", "timestamp",
         dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
        (b'<13>1 - - - - - [a b="\\"q\\" \\\\ \\]"]', "structured_data",
         (SdElement("a", (("b", '"q" \\ ]'),)),)),
        (b'<13>1 - - - - - [a b="\\n stays"]', "structured_data",
         (SdElement("a", (("b", "\\n stays"),)),)),
        (b'<13>1 - - - - - [a b="x]y"]', "structured_data", (SdElement("a", (("b", "x]y"),)),)),
        (b'<13>1 - - - - - [a b=""]', "structured_data", (SdElement("a", (("b", ""),)),)),
        (b'<13>1 - - - - - [a]', "structured_data", (SdElement("a"),)),
        (b'<13>1 - - - - - [a b="1" b="2"]', "structured_data",
         (SdElement("a", (("b", "1"), ("b", "2"))),)),
        (b'<13>1 - - - - - [z x="1"][a y="2"]', "structured_data",
         (SdElement("z", (("x", "1"),)), SdElement("a", (("y", "2"),)))),
        (b'<13>1 - - - - - [a b="\xc3\xa9"]', "structured_data",
         (SdElement("a", (("b", "é"),)),)),
    ],
)  # fmt: skip
def test_edge_cases_parse(raw: bytes, field: str, value: object) -> None:
    assert getattr(rfc5424.parse(raw), field) == value


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"<13>1 2026-01-02T03:04:60Z - - - - -", "leap second"),
        (b"<13>1 2016-12-31T23:59:60Z - - - - -", "leap second"),
        (b"<13>1 2026-01-02t03:04:05Z - - - - -", "RFC 3339"),
        (b"<13>1 2026-01-02T03:04:05z - - - - -", "RFC 3339"),
        (b"<13>1 2026-01-02T03:04:05 - - - - -", "RFC 3339"),
        (b"<13>1 2026-01-02T03:04:05.1234567Z - - - - -", "RFC 3339"),
        (b"<13>1 2026-02-30T03:04:05Z - - - - -", "real date"),
        (b"<13>1 2026-01-02T25:04:05Z - - - - -", "real date"),
        (b"<13>1 2026-01-02T03:04:05+24:00 - - - - -", "offset"),
        (b"<192>1 - - - - - -", "above 191"),
        (b"<13>2 - - - - - -", "version 2"),
        (b"<13>1 - " + b"h" * 256 + b" - - - -", "HOSTNAME is longer"),
        (b"<13>1 - - " + b"a" * 49 + b" - - -", "APP-NAME is longer"),
        (b"<13>1 - - - " + b"p" * 129 + b" - -", "PROCID is longer"),
        (b"<13>1 - - - - " + b"m" * 33 + b" -", "MSGID is longer"),
        (b"<13>1 - h\xc3\xa9 - - - -", "printable US-ASCII"),
        (b"<13>1 -  - - - -", "empty"),
        (b"<13>1 - - - - -", "not followed by a space"),
        (b"<13>1 - - - - - x", "neither '-' nor '['"),
        (b"<13>1 - - - - - [a b=\"1\"][a c=\"2\"]", "appears twice"),
        (b'<13>1 - - - - - [a b="1"', "not closed"),
        (b'<13>1 - - - - - [a b="1]', "no closing quote"),
        (b'<13>1 - - - - - [a b=1]', 'not followed by ="'),
        (b'<13>1 - - - - - [a b="1"]x', "not followed by a space"),
        (b'<13>1 - - - - - [ b="1"]', "SD-ID is missing"),
        (b'<13>1 - - - - - [' + b"i" * 33 + b"]", "not closed"),
        (b'<13>1 - - - - - [a b="\xff"]', "not UTF-8"),
        (b'<13>1 - - - - - [a  b="1"]', "PARAM-NAME expected"),
        (b"<13>1 - - - - - -x", "not followed by a space"),
    ],
)  # fmt: skip
def test_invalid_messages_are_refused_with_the_reason(raw: bytes, error: str) -> None:
    with pytest.raises(SyslogParseError, match=re.escape(error)):
        rfc5424.parse(raw)


def test_a_message_that_does_not_parse_is_stored_raw_with_its_reason() -> None:
    message = read_message(b"<13>1 2026-01-02T03:04:60Z - - - - - leap")
    assert message.format == "raw"
    assert message.raw == b"<13>1 2026-01-02T03:04:60Z - - - - - leap"
    assert message.parse_error is not None and "leap second" in message.parse_error


# --------------------------------------------------------------------------- properties

special = st.sampled_from([b"<", b">", b"1", b" ", b"-", b"[", b"]", b'"', b"\\", b"=",
                           b"\xef\xbb\xbf", b"<13>1 ", b"2026-01-02T03:04:05Z", b"\n"])  # fmt: skip
octets = st.lists(st.one_of(special, st.binary(max_size=8)), max_size=30).map(b"".join)


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(octets)
@example(b'<13>1 - - - - - [a b="\\')
@example(b"<13>1 9999-99-99T99:99:99Z - - - - -")
def test_the_parser_raises_nothing_but_error(data: bytes) -> None:
    try:
        rfc5424.parse(data)
    except Error:
        pass


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(octets)
def test_reading_never_raises_and_keeps_every_octet(data: bytes) -> None:
    message = read_message(data)
    assert message.raw == data
    assert message.parsed or message.parse_error


printable = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1)
sd_names = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, exclude_characters='=]" '),
    min_size=1, max_size=32,
)  # fmt: skip
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
timestamps = st.datetimes(
    min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, MINUS_7, dt.timezone(dt.timedelta(hours=13, minutes=45))]),
)  # fmt: skip
messages = st.builds(
    SyslogMessage,
    raw=st.just(b""), format=st.just("rfc5424"),
    facility=st.integers(0, 23), severity=st.integers(0, 7),
    timestamp=st.none() | timestamps,
    hostname=st.none() | printable.map(lambda s: s[:255]).filter(lambda s: s != "-"),
    app_name=st.none() | printable.map(lambda s: s[:48]).filter(lambda s: s != "-"),
    procid=st.none() | printable.map(lambda s: s[:128]).filter(lambda s: s != "-"),
    msgid=st.none() | printable.map(lambda s: s[:32]).filter(lambda s: s != "-"),
    structured_data=st.lists(
        st.builds(SdElement, sd_names, st.lists(st.tuples(sd_names, texts), max_size=3).map(tuple)),
        max_size=3, unique_by=lambda e: e.id,
    ).map(tuple),
    msg=texts, version=st.just(1),
)  # fmt: skip


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(messages, st.booleans())
def test_format_then_parse_gives_the_message_back(message: SyslogMessage, bom: bool) -> None:
    formatted = rfc5424.format(message, bom=bom)
    parsed = rfc5424.parse(formatted)
    assert parsed == SyslogMessage(**{**message.__dict__, "raw": formatted})


@pytest.mark.parametrize(
    ("stamp", "text"),
    [
        (None, "-"),
        (dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05.000000Z"),
        (dt.datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=MINUS_7), "2026-01-02T03:04:05.000007-07:00"),
        (dt.datetime(2026, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
         "2026-01-02T00:00:00.000000+05:30"),
    ],
)  # fmt: skip
def test_timestamps_are_written_as_rfc3339(stamp: dt.datetime | None, text: str) -> None:
    assert rfc5424.format_timestamp(stamp) == text


def test_header_fields_are_reduced_to_what_the_rfc_allows() -> None:
    message = SyslogMessage(
        raw=b"", format="rfc5424", facility=1, severity=5, hostname="pacs gw", app_name="",
        msgid="x" * 40, structured_data=(SdElement('bad id="]', (("k=", 'v"]'),)),),
    )  # fmt: skip
    assert rfc5424.format(message) == (b"<13>1 - pacsgw - - " + b"x" * 32 + b' [badid k="v\\"\\]"]')


# --------------------------------------------------------------------------- the fast path

shapes = st.one_of(messages.map(rfc5424.format), octets)


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(shapes)
@example(b'<13>1 - - - - - [a b="1"][a c="2"] twice')
@example(b"<192>1 - - - - - - too high")
@example(b"<13>1 2026-02-30T00:00:00Z - - - - - no such day")
@example(b'<13>1 - - - - - [a b="\xff"] not UTF-8')
def test_the_fast_path_and_the_strict_parser_agree(data: bytes) -> None:
    fast = parse_common(data)
    if fast is None:
        return
    assert fast == rfc5424.parse(data)


@pytest.mark.parametrize(
    "raw",
    [
        EXAMPLE_1, EXAMPLE_2, EXAMPLE_3, EXAMPLE_4,
        b'<36>1 2026-03-02T10:00:00.5+05:30 pump app 812 AUTH-FAIL [a@1 serial="NW1" x=""] m',
        b"<13>1 - - - - - -",
        b"<13>1 - - - - - - ",
    ],
)  # fmt: skip
def test_the_common_shape_takes_the_fast_path(raw: bytes) -> None:
    assert parse_common(raw) == rfc5424.parse(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'<13>1 - - - - - [a b="say \\"hi\\""] an escape in a PARAM-VALUE',
        b"<13>1 2026-01-02T03:04:60Z - - - - - leap second",
        b"<13>1 2026-01-02T03:04:05+24:00 - - - - - offset",
        b"<13>2 - - - - - - version 2",
        b"<13>01 - - - - - - version 01",
        b"<13>1 - - - - - -x",
        b"<13>1 - " + b"h" * 256 + b" - - - - too long a hostname",
    ],
)
def test_anything_else_goes_to_the_strict_parser(raw: bytes) -> None:
    assert parse_common(raw) is None
