"""Audit events as RFC 5424 syslog: the format, checked by a parser written from the RFC
and by a real rsyslog, and forwarding that resumes without duplicates.

The ``rsyslog`` fixture (tests/conftest.py, shared with the monitoring tests) runs a
private ``rsyslogd`` (Debian packages ``rsyslog`` and ``rsyslog-gnutls``) with two inputs
on free loopback ports, plain TCP and TLS (gtls driver, a certificate from a CA made for
the session), writing every message it parsed as one JSON line (the raw message, the
header fields, and the structured data as decoded by ``mmpstrucdata``). Tests tell their
messages apart by HOSTNAME. Without rsyslogd these tests are skipped, except under CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from medsec.audit import syslog
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context, as_dict, record
from medsec.audit.tags import Outcome, Tag
from medsec.db import migrate
from medsec.db.engine import Database
from medsec.errors import ConfigurationError

if TYPE_CHECKING:
    from conftest import Rsyslog

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
GTLS = Path("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so")

# --------------------------------------------------------------------------- a parser


SD_PARAM = re.compile(r' ([^= \]"]{1,32})="((?:[^"\\\]]|\\["\\\]])*)"')
HEADER = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<timestamp>\S+) (?P<hostname>\S{1,255}) (?P<app>\S{1,48}) "
    r"(?P<procid>\S{1,128}) (?P<msgid>\S{1,32}) \[(?P<sdid>[^= \]\"]{1,32})"
)


def parse(message: bytes) -> tuple[dict[str, str], dict[str, str], str]:
    """Header fields, SD params and MSG of one RFC 5424 message with one SD-ELEMENT,
    written from RFC 5424 §6 independently of the code under test."""
    text = message.decode()
    head = HEADER.match(text)
    assert head is not None, text
    params: dict[str, str] = {}
    at = head.end()
    while (param := SD_PARAM.match(text, at)) is not None:
        params[param[1]] = re.sub(r"\\([\"\\\]])", r"\1", param[2])
        at = param.end()
    assert text[at : at + 2] == "] ", f"SD-ELEMENT not closed at {at}: {text[at:]!r}"
    return head.groupdict(), params, text[at + 2 :]


def _event(**fields: Any) -> AuditEvent:
    event = AuditEvent(
        seq=fields.get("seq", 7),
        at=fields.get("at", dt.datetime(2026, 12, 3, 16, 26, 51, 340795, tzinfo=dt.UTC)),
        tag=fields.get("tag", str(Tag.LOGIN_SUCCEEDED)),
        outcome=fields.get("outcome", str(Outcome.SUCCESS)),
        actor_id=fields.get("actor_id", 3), actor=fields.get("actor", "alice"),
        organization_id=fields.get("organization_id", 1),
        target=fields.get("target", "user:alice"), ip=fields.get("ip", "192.0.2.10"),
        user_agent=fields.get("user_agent"), details=fields.get("details", {}),
        prev_hash="a" * 64, hash="b" * 64,
    )  # fmt: skip
    return event


FMT = syslog.SyslogFormat(hostname="pacs-gw", app_name="medsec", procid="4242")


def test_message_layout() -> None:
    message = FMT.message(_event())
    assert message.startswith(
        b'<85>1 2026-12-03T16:26:51.340795Z pacs-gw medsec 4242 accounts:login:succeeded '
        b'[medsec@32473 seq="7" tag="accounts:login:succeeded" actor="alice" org="1" '
        b'target="user:alice" outcome="success" ip="192.0.2.10" hash="bbbb'
    )  # fmt: skip
    _, _, msg = parse(message)
    assert json.loads(msg) == as_dict(_event())


@pytest.mark.parametrize(
    ("outcome", "pri"),
    [(Outcome.SUCCESS, 85), (Outcome.FAILURE, 84), (Outcome.DENIED, 84)],
)
def test_priority_is_authpriv_with_severity_by_outcome(outcome: Outcome, pri: int) -> None:
    header, _, _ = parse(FMT.message(_event(outcome=str(outcome))))
    assert int(header["pri"]) == pri  # 10 * 8 + notice (5) or warning (4)


@pytest.mark.parametrize(
    ("tag", "msgid"),
    [
        ("accounts:login:succeeded", "accounts:login:succeeded"),
        ("accounts:access-review:exported", "accounts:access-review:exported"),
        ("x" * 32, "x" * 32),
        ("inventory:asset-firmware:mismatch-found", "inventory:asset-firmwar~"),
        ("tag with spaces", "tagwithspaces~"),
    ],
)
def test_msgid_is_the_tag_when_it_fits(tag: str, msgid: str) -> None:
    found = syslog.msgid_for(tag)
    assert found.startswith(msgid)
    assert len(found) <= 32
    assert all(33 <= ord(c) <= 126 for c in found)


def test_shortened_msgids_stay_distinct() -> None:
    a = syslog.msgid_for("inventory:asset-firmware:mismatch-found")
    b = syslog.msgid_for("inventory:asset-firmware:mismatch-cleared")
    assert a != b


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("plain", "plain"),
        ('say "hi"', 'say \\"hi\\"'),
        ("C:\\path", "C:\\\\path"),
        ("list]", "list\\]"),
        ('\\"]', '\\\\\\"\\]'),
        ("[brackets open]", "[brackets open\\]"),
        ("é ü 漢", "é ü 漢"),
    ],
)
def test_sd_values_are_escaped_as_rfc5424_says(value: str, escaped: str) -> None:
    assert syslog.sd_escape(value) == escaped


@pytest.mark.parametrize(
    ("hostname", "field"),
    [("pacs gw", "pacsgw"), ("", "-"), ("h" * 300, "h" * 255), ("hôte", "hte")],
)
def test_header_fields_are_printable_ascii(hostname: str, field: str) -> None:
    header, _, _ = parse(syslog.SyslogFormat(hostname=hostname).message(_event()))
    assert header["hostname"] == field


def test_absent_values_are_left_out() -> None:
    _, params, _ = parse(FMT.message(_event(actor=None, organization_id=None, ip=None)))
    assert set(params) == {"seq", "tag", "target", "outcome", "hash"}


#: Any text, with the characters RFC 5424 makes special drawn often.
printable = st.text(
    st.one_of(st.sampled_from('"\\]=[ '), st.characters(exclude_categories=["Cs"])),
    max_size=60,
)


@given(actor=printable, target=printable, ip=printable, detail=printable)
@example(actor='a]b"c\\', target="]", ip="\\", detail="\n")
def test_any_text_survives_the_round_trip(actor: str, target: str, ip: str, detail: str) -> None:
    event = _event(actor=actor, target=target, ip=ip, details={"note": detail})
    _, params, msg = parse(FMT.message(event))
    assert (params["actor"], params["target"], params["ip"]) == (actor, target, ip)
    assert json.loads(msg) == as_dict(event)
    assert msg.isascii()


def test_octet_counting_frame() -> None:
    assert syslog.octet_counted("é".encode()) == b"2 \xc3\xa9"


# --------------------------------------------------------------------------- rsyslog
# --------------------------------------------------------------------------- rsyslog

# The `rsyslog` fixture (a private rsyslogd on loopback) lives in tests/conftest.py, shared
# with the monitoring forwarder tests.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'medsec.db'}"
    migrate.upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def _record(db: Database, count: int, **extra: Any) -> None:
    with db.session() as session:
        for i in range(count):
            record(session, Tag.LOGIN_FAILED, Context(actor=f"user{i}", ip="192.0.2.7"),
                   outcome=Outcome.FAILURE, target=f"user:user{i}", **extra)  # fmt: skip


def _events(db: Database) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())


@pytest.fixture
def hostname() -> syslog.SyslogFormat:
    """A format with a HOSTNAME unique to the test, to find its messages."""
    return syslog.SyslogFormat(hostname=f"medsec-test-{uuid.uuid4().hex[:12]}")


def test_events_arrive_in_rsyslog_intact(
    rsyslog: Rsyslog, db: Database, hostname: syslog.SyslogFormat
) -> None:
    with db.session() as session:
        record(session, Tag.USER_CREATED, Context(actor='o"brien\\x]', ip="2001:db8::1"),
               target="user:éloïse [admin]", organization_id=4,
               details={"line": "one\ntwo", "quote": '"'})  # fmt: skip
        record(session, Tag.PERMISSION_DENIED, Context(actor="mallory"), outcome=Outcome.DENIED)
    events = _events(db)

    report = syslog.forward_pending(
        db, lambda: syslog.TcpSender("127.0.0.1", rsyslog.tcp_port, tls=False), hostname
    )

    assert report == syslog.ForwardReport(sent=2, last_seq=2)
    received = rsyslog.received(hostname.hostname, 2)
    assert [m["raw"].encode() for m in received] == [hostname.message(e) for e in events]
    first, second = received
    assert (first["pri"], second["pri"]) == ("85", "84")
    assert first["timestamp"] == events[0].at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert (first["app"], first["msgid"]) == ("medsec", "accounts:user:created")
    assert json.loads(first["sd"]) == {"medsec@32473": {
        "seq": "1", "tag": "accounts:user:created", "actor": 'o"brien\\x]', "org": "4",
        "target": "user:éloïse [admin]", "outcome": "success", "ip": "2001:db8::1",
        "hash": events[0].hash,
    }}  # fmt: skip
    assert json.loads(first["msg"]) == as_dict(events[0])
    with db.session() as session:
        assert syslog.forwarded_seq(session) == 2


def test_forwarding_resumes_without_duplicates(
    rsyslog: Rsyslog, db: Database, hostname: syslog.SyslogFormat
) -> None:
    def connect() -> syslog.TcpSender:
        return syslog.TcpSender("127.0.0.1", rsyslog.tcp_port, tls=False)

    _record(db, 3)
    assert syslog.forward_pending(db, connect, hostname, batch=2).sent == 3
    assert syslog.forward_pending(db, connect, hostname).sent == 0
    _record(db, 2)
    assert syslog.forward_pending(db, connect, hostname) == syslog.ForwardReport(2, 5)

    received = rsyslog.received(hostname.hostname, 5)
    assert [json.loads(m["sd"])["medsec@32473"]["seq"] for m in received] == list("12345")


def test_events_arrive_over_tls(
    rsyslog: Rsyslog, db: Database, hostname: syslog.SyslogFormat
) -> None:
    _record(db, 3, organization_id=9)
    report = syslog.forward_pending(
        db,
        lambda: syslog.TcpSender("127.0.0.1", rsyslog.tls_port, ca_file=rsyslog.ca_file),
        hostname,
    )
    assert report.sent == 3
    received = rsyslog.received(hostname.hostname, 3)
    assert [m["raw"].encode() for m in received] == [hostname.message(e) for e in _events(db)]


def test_tls_refuses_a_server_from_another_ca(rsyslog: Rsyslog, db: Database) -> None:
    _record(db, 1)
    sender = syslog.TcpSender("127.0.0.1", rsyslog.tls_port, ca_file=rsyslog.other_ca_file)
    with pytest.raises(syslog.SyslogError, match="certificate verify failed") as raised:
        syslog.forward_pending(db, lambda: sender)
    assert "MEDSEC_AUDIT_SYSLOG_CA_FILE" in (raised.value.hint or "")
    with db.session() as session:
        assert syslog.forwarded_seq(session) == 0


def test_unreachable_server_is_an_error(db: Database) -> None:
    _record(db, 1)
    sender = syslog.TcpSender("127.0.0.1", _free_port(), tls=False, timeout=5)
    with pytest.raises(syslog.SyslogError, match="cannot connect to syslog server tcp://"):
        syslog.forward_pending(db, lambda: sender)


def test_missing_ca_file_is_a_configuration_error(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        sender = syslog.TcpSender("127.0.0.1", port, ca_file=tmp_path / "nope.pem")
        with pytest.raises(ConfigurationError, match=r"nope\.pem does not exist"), sender:
            pass


class FailingAfter:
    """A sender whose connection drops after ``limit`` messages."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.sent: list[bytes] = []

    def __enter__(self) -> FailingAfter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: bytes) -> None:
        if len(self.sent) == self.limit:
            raise syslog.SyslogError("connection reset")
        self.sent.append(message)


@pytest.mark.parametrize("limit", [0, 1, 3, 4])
def test_a_broken_connection_keeps_what_was_sent(db: Database, limit: int) -> None:
    _record(db, 5)
    failing = FailingAfter(limit)
    with pytest.raises(syslog.SyslogError):
        syslog.forward_pending(db, lambda: failing, FMT, batch=2)
    with db.session() as session:
        assert syslog.forwarded_seq(session) == limit
    rest = FailingAfter(100)
    assert syslog.forward_pending(db, lambda: rest, FMT).sent == 5 - limit
    assert [parse(m)[1]["seq"] for m in failing.sent + rest.sent] == list("12345")


def test_no_connection_when_nothing_is_pending(db: Database) -> None:
    def refuse() -> Any:
        raise AssertionError("connected although nothing was pending")

    connect: Callable[[], Any] = refuse
    assert syslog.forward_pending(db, connect) == syslog.ForwardReport(0, 0)
