"""RFC 6587 deframing: octet counting and LF framing, per frame, fed in any chunks, with
oversized messages truncated and marked (never dropped)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.monitoring.syslog.framing import Deframer, Frame, datagram, lines, octet_counted


def frames(stream: bytes, max_size: int = 64) -> list[Frame]:
    deframer = Deframer(max_size)
    return deframer.feed(stream) + deframer.close()


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (b"5 hello", [Frame(b"hello")]),
        (b"5 hello6 world!", [Frame(b"hello"), Frame(b"world!")]),
        (b"12 with\nnewline", [Frame(b"with\nnewline")]),
        (b"<13>1 - - - - - - a\n<13>1 - - - - - - b\n", [
            Frame(b"<13>1 - - - - - - a"), Frame(b"<13>1 - - - - - - b")]),
        (b"line one\r\nline two\r\n", [Frame(b"line one"), Frame(b"line two")]),
        (b"3 abc<13>lf framed\n4 defg", [Frame(b"abc"), Frame(b"<13>lf framed"), Frame(b"defg")]),
        (b"no final newline", [Frame(b"no final newline")]),
        (b"\n\n", [Frame(b""), Frame(b"")]),
        (b"0 zero is not a length\n", [Frame(b"0 zero is not a length")]),
        (b"12x not a length\n", [Frame(b"12x not a length")]),
        (b"12345678901 too many digits\n", [Frame(b"12345678901 too many digits")]),
        (b"10 cut short", [Frame(b"cut short", 10)]),
    ],
)  # fmt: skip
def test_frames(stream: bytes, expected: list[Frame]) -> None:
    assert frames(stream) == expected


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (b"12 abcdefghijkl3 xyz", [Frame(b"abcdefgh", 12), Frame(b"xyz")]),
        (b"abcdefghijkl\nxyz\n", [Frame(b"abcdefgh", 12), Frame(b"xyz")]),
        (b"abcdefghijkl\r\nxyz\n", [Frame(b"abcdefgh", 12), Frame(b"xyz")]),
        (b"abcdefghijkl", [Frame(b"abcdefgh", 12)]),
        (b"8 abcdefgh", [Frame(b"abcdefgh")]),
        (b"abcdefgh\n", [Frame(b"abcdefgh")]),
        (b"99999 abcdefghij", [Frame(b"abcdefgh", 99999)]),
    ],
)
def test_oversized_messages_are_truncated_and_marked(stream: bytes, expected: list[Frame]) -> None:
    assert frames(stream, max_size=8) == expected


def test_a_long_line_is_not_buffered_beyond_the_limit() -> None:
    deframer = Deframer(max_size=8)
    for _ in range(1000):
        assert deframer.feed(b"x" * 1000) == []
        assert len(deframer._buffer) <= 8
    assert deframer.feed(b"\n1 y") == [Frame(b"x" * 8, 1_000_000), Frame(b"y")]


def test_udp_datagrams_are_one_message_each() -> None:
    assert datagram(b"<13>1 - - - - - - x") == Frame(b"<13>1 - - - - - - x")
    assert datagram(b"abcdefghij", max_size=4) == Frame(b"abcd", 10)


messages = st.lists(st.binary(max_size=40), max_size=8)


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(messages, st.lists(st.integers(1, 20), max_size=30), st.booleans())
def test_any_chunking_gives_the_same_frames(
    sent: list[bytes], cuts: list[int], lf_framing: bool
) -> None:
    if lf_framing:
        sent = [m.replace(b"\n", b" ").removesuffix(b"\r") for m in sent]
        # A line that starts like an octet count would be read as one: LF senders never
        # start a message with a digit (a syslog message starts with "<").
        sent = [b"<" + m for m in sent]
        stream = b"".join(m + b"\n" for m in sent)
    else:
        # MSG-LEN is NONZERO-DIGIT *DIGIT (RFC 6587 §3.4.1): there is no empty frame.
        sent = [m for m in sent if m]
        stream = b"".join(octet_counted(m) for m in sent)
    deframer = Deframer(max_size=64)
    got: list[Frame] = []
    at = 0
    for cut in cuts:
        got += deframer.feed(stream[at : at + cut])
        at += cut
    got += deframer.feed(stream[at:]) + deframer.close()
    assert got == [Frame(m) for m in sent]


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(st.binary(max_size=200), st.integers(1, 32))
def test_deframing_never_fails_and_never_exceeds_the_limit(stream: bytes, limit: int) -> None:
    for frame in frames(stream, max_size=limit):
        assert len(frame.data) <= limit
        assert frame.truncated_from is None or frame.truncated_from > limit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"one\ntwo\r\nthree", [Frame(b"one"), Frame(b"two"), Frame(b"three")]),
        (b"abcdefgh\nabcdefghi\n", [Frame(b"abcdefgh"), Frame(b"abcdefgh", 9)]),
        (b"abcdefghij\r\nx", [Frame(b"abcdefgh", 10), Frame(b"x")]),
        (b"abcdefghij", [Frame(b"abcdefgh", 10)]),
        (b"12 not a count\n", [Frame(b"12 not a", 14)]),
        (b"\n\n", [Frame(b""), Frame(b"")]),
        (b"", []),
    ],
)
def test_file_lines_are_cut_to_the_limit(text: bytes, expected: list[Frame]) -> None:
    assert list(lines(io.BytesIO(text), max_size=8)) == expected


def test_a_long_file_line_is_measured_in_chunks() -> None:
    text = b"x" * 200_000 + b"\r\n" + b"next\n"
    assert list(lines(io.BytesIO(text), max_size=8)) == [
        Frame(b"x" * 8, 200_000), Frame(b"next"),
    ]  # fmt: skip
