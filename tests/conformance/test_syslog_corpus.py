"""Every message of rsyslog's syslog fuzzing corpus (../shared/data/syslog) either parses
or is stored raw with a reason — nothing raises, nothing is lost — and the corpus
messages whose meaning is clear parse to the fields they carry.

Run with ``-s`` to see the counts (parsed as RFC 5424 / RFC 3164, kept raw, of total).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path

import pytest

from medsec.monitoring.syslog.framing import datagram
from medsec.monitoring.syslog.parser import read_frame

CORPUS = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "syslog" / "tests" / "fuzz"
    / "corpus" / "syslog-message"
)  # fmt: skip
RECEIVED = dt.datetime(2026, 10, 12, 8, 0, tzinfo=dt.UTC)


def corpus() -> list[Path]:
    files = sorted(p for p in CORPUS.glob("*") if p.is_file()) if CORPUS.is_dir() else []
    if not files:
        reason = f"{CORPUS} is absent: the rsyslog syslog corpus is not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    return files


def _messages(path: Path) -> list[bytes]:
    """A corpus file holds one message; its final newline is the file's, not the message's
    (as a line read from a file or an LF-framed stream)."""
    return [path.read_bytes().removesuffix(b"\n")]


def test_every_message_parses_or_is_kept_raw_with_a_reason() -> None:
    counts: Counter[str] = Counter()
    for path in corpus():
        for data in _messages(path):
            message = read_frame(datagram(data), received=RECEIVED)
            assert message.raw == data, path.name
            if message.parsed:
                assert message.parse_error is None, path.name
            else:
                assert message.parse_error, f"{path.name}: raw without a reason"
            counts[message.format] += 1
    total = sum(counts.values())
    print(  # the conformance report
        f"\nsyslog corpus: {total - counts['raw']}/{total} parsed "
        f"(rfc5424 {counts['rfc5424']}, rfc3164 {counts['rfc3164']}), raw {counts['raw']}"
    )
    # The known corpus is all syslog: a raw one here is a regression.
    assert counts["raw"] == 0, counts


EXPECTED = {
    "rfc5424-basic": {"format": "rfc5424", "hostname": "mymachine.example.com",
                      "app_name": "evntslog", "msgid": "ID47",
                      "msg": "An application event log entry"},
    "rfc5424-nil": {"format": "rfc5424", "hostname": None, "msgid": None, "msg": "minimal"},
    "rfc5424-escaped-sd": {"format": "rfc5424", "msgid": "msg", "procid": "123",
                           "msg": "payload"},
    "rfc3164-basic": {"format": "rfc3164", "hostname": "mymachine", "app_name": "su"},
    "rfc3164-rfc3339": {"format": "rfc3164", "hostname": "host", "app_name": "daemon",
                        "msg": "timestamp variant"},
    "rfc3164-no-pri": {"format": "rfc3164", "facility": 1, "severity": 5,
                       "hostname": "host.example", "app_name": "app", "procid": "123"},
    "rfc3164-short": {"format": "rfc3164", "facility": 0, "severity": 0, "msg": "x"},
}  # fmt: skip


def test_known_corpus_messages_parse_to_their_fields() -> None:
    files = {p.name: p for p in corpus()}
    checked = 0
    for name, fields in EXPECTED.items():
        if name not in files:
            continue
        message = read_frame(datagram(_messages(files[name])[0]), received=RECEIVED)
        assert {k: getattr(message, k) for k in fields} == fields, name
        checked += 1
    escaped = read_frame(datagram(_messages(files["rfc5424-escaped-sd"])[0]))
    assert escaped.structured_data[0].params == (("value", "escaped]bracket"), ("quote", '"'))
    assert checked == len(EXPECTED)
