"""Forwarding enriched events as CEF and as JSON inside RFC 5424, over TCP and TLS, to a
real rsyslog on loopback (the ``rsyslog`` fixture in tests/conftest.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest

from medsec.monitoring.assets_file import FileAssetDirectory
from medsec.monitoring.catalog import Catalog
from medsec.monitoring.enrich import EnrichedEvent, Enricher
from medsec.monitoring.exports.cef import cef
from medsec.monitoring.forward import Forwarder, ForwardFormat
from medsec.monitoring.interfaces import Asset
from medsec.monitoring.sinks import FanOutSink, ForwardingSink
from medsec.monitoring.syslog import rfc5424
from medsec.monitoring.syslog.parser import read_message
from medsec.monitoring.syslog.transport import SyslogError, TcpSender
from medsec.profiles.loader import load_profile_text

if TYPE_CHECKING:
    from conftest import Rsyslog

PROFILE = load_profile_text(
    "psp_version: 1\n"
    "product: {manufacturer: {name: Northwind}, name: LVP 3000, version: '4.2'}\n"
    "monitoring:\n  events:\n"
    "    - {id: AUTH-FAIL, severity: 4, category: authentication, description: Login failed,\n"
    "       meaning: 'Guessing = \"bad\" | maybe', recommended_action: Check the pump.}\n"
)
ENRICH = Enricher(
    Catalog([PROFILE]),
    FileAssetDirectory([Asset("icu-7", "LVP 3000", "4.2", address="10.20.1.7", serial="NW1")]),
)
MESSAGES = [
    b'<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 AUTH-FAIL [nw@1 serial="NW1"] '
    + "login failed for user tëch\\ (pipe | equals =)".encode(),
    b"<13>Oct 11 22:14:15 lvp pumpd: something the catalog does not know",
]


def events() -> list[EnrichedEvent]:
    return [ENRICH.enrich(read_message(m, source="10.20.1.7")) for m in MESSAGES]


@pytest.fixture
def forwarder_cef() -> Forwarder:
    return Forwarder(ForwardFormat.CEF, hostname=f"medsec-fwd-{uuid.uuid4().hex[:12]}")


def test_the_forwarded_message_is_rfc5424_around_the_record() -> None:
    forwarder = Forwarder(ForwardFormat.CEF, hostname="collector", procid="1")
    event = events()[0]
    parsed = rfc5424.parse(forwarder.message(event))
    assert (parsed.facility, parsed.severity, parsed.msgid) == (4, 4, "AUTH-FAIL")
    assert (parsed.hostname, parsed.app_name, parsed.timestamp) == (
        "collector", "medsec", event.message.timestamp,
    )  # fmt: skip
    assert parsed.msg == cef(event)


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
def test_cef_reaches_rsyslog(rsyslog: Rsyslog, forwarder_cef: Forwarder, tls: bool) -> None:
    sent = events()
    port = rsyslog.tls_port if tls else rsyslog.tcp_port
    with TcpSender("127.0.0.1", port, tls=tls, ca_file=rsyslog.ca_file) as sender:
        assert forwarder_cef.forward(sent, sender) == 2
    received = rsyslog.received(forwarder_cef.hostname, 2)
    assert [m["msgid"] for m in received] == ["AUTH-FAIL", "uncatalogued"]
    assert [m["msg"].removeprefix("\ufeff") for m in received] == [cef(e) for e in sent]
    assert received[0]["msg"].startswith("\ufeffCEF:0|Northwind|LVP 3000|4.2|AUTH-FAIL|")
    assert 'cs1=Guessing \\= "bad" | maybe' in received[0]["msg"]


def test_json_reaches_rsyslog(rsyslog: Rsyslog) -> None:
    forwarder = Forwarder(ForwardFormat.JSON, hostname=f"medsec-fwd-{uuid.uuid4().hex[:12]}")
    sent = events()
    with TcpSender("127.0.0.1", rsyslog.tcp_port, tls=False) as sender:
        forwarder.forward(sent, sender)
    received = rsyslog.received(forwarder.hostname, 2)
    assert [json.loads(m["msg"]) for m in received] == [e.as_json() for e in sent]
    first = json.loads(received[0]["msg"])
    assert first["event"]["id"] == "AUTH-FAIL" and first["asset"] == "icu-7"
    assert first["message"]["msg"] == "login failed for user tëch\\ (pipe | equals =)"
    assert json.loads(received[1]["msg"])["reason"] == "no-event"
    assert received[0]["pri"] == "36"


def test_a_collector_with_an_unknown_ca_is_refused(rsyslog: Rsyslog) -> None:
    sender = TcpSender("127.0.0.1", rsyslog.tls_port, ca_file=rsyslog.other_ca_file)
    with pytest.raises(SyslogError, match="certificate verify failed"), sender:
        pass


def test_the_uncatalogued_event_keeps_the_device_severity() -> None:
    parsed = rfc5424.parse(Forwarder(ForwardFormat.JSON).message(events()[1]))
    assert (parsed.facility, parsed.severity, parsed.msgid) == (1, 5, "uncatalogued")


# --------------------------------------------------------------------------- sinks


def test_the_forwarding_sink_reaches_rsyslog(rsyslog: Rsyslog) -> None:
    forwarder = Forwarder(ForwardFormat.JSON, hostname=f"medsec-fwd-{uuid.uuid4().hex[:12]}")
    sink = ForwardingSink(
        forwarder, lambda: TcpSender("127.0.0.1", rsyslog.tls_port, ca_file=rsyslog.ca_file)
    )
    sent = events()
    sink.write(sent[:1])
    sink.write(sent[1:])
    sink.close()
    received = rsyslog.received(forwarder.hostname, 2)
    assert [json.loads(m["msg"]) for m in received] == [e.as_json() for e in sent]


class Dropping:
    """A fake connection that fails after ``limit`` messages, once."""

    def __init__(self, log: list[bytes], limit: int) -> None:
        self.log, self.limit = log, limit

    def __enter__(self) -> Dropping:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: bytes) -> None:
        if self.limit == 0:
            raise SyslogError("connection reset")
        self.limit -= 1
        self.log.append(message)


@pytest.mark.parametrize("limit", [0, 1, 2])
def test_a_retried_batch_resumes_after_what_was_sent(limit: int) -> None:
    log: list[bytes] = []
    limits = [limit, 100]
    sink = ForwardingSink(Forwarder(ForwardFormat.CEF), lambda: Dropping(log, limits.pop(0)))
    batch = events() * 2
    with pytest.raises(SyslogError):
        sink.write(batch)
    sink.write(batch)
    assert log == [sink.forwarder.message(e) for e in batch]


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.batches: list[Sequence[EnrichedEvent]] = []

    def write(self, batch: Sequence[EnrichedEvent]) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("unreachable")
        self.batches.append(batch)


def test_fan_out_retries_only_the_sinks_that_failed() -> None:
    first, second = Flaky(0), Flaky(1)
    sink = FanOutSink(first, second)
    batch = events()
    with pytest.raises(OSError, match="unreachable"):
        sink.write(batch)
    sink.write(batch)
    sink.write(batch[:1])
    assert first.batches == [batch, batch[:1]]
    assert second.batches == [batch, batch[:1]]
