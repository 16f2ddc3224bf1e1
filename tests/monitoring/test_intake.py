"""The syslog intake over real loopback sockets: UDP, TCP (octet counting and LF) and TLS
(with and without client certificates), back-pressure on TCP, counted drops on UDP,
batched writes that survive a failing sink, and the JSON-lines sink.

Waiting is for arrival (at most 30 s), never a timed assertion.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from medsec.errors import ConfigurationError
from medsec.monitoring.assets_file import FileAssetDirectory
from medsec.monitoring.catalog import Catalog, ProductRef
from medsec.monitoring.enrich import EnrichedEvent, Enricher
from medsec.monitoring.intake import Intake, IntakeConfig, TlsConfig
from medsec.monitoring.sinks import JsonLinesSink
from medsec.monitoring.syslog.framing import octet_counted
from medsec.monitoring.syslog.parser import read_message
from medsec.profiles.loader import load_profile_text

if TYPE_CHECKING:
    from conftest import SyslogPki

PROFILE = load_profile_text(
    "psp_version: 1\n"
    "product: {manufacturer: {name: Northwind}, name: LVP 3000, version: '4.2'}\n"
    "monitoring:\n  events:\n"
    "    - {id: AUTH-FAIL, severity: 4, category: authentication, description: Login failed}\n"
)
PRODUCT = ProductRef("Northwind", "LVP 3000", "4.2")


class ListSink:
    """A fake Sink: keeps the batches; can be held (blocks writes) or made to fail."""

    def __init__(self) -> None:
        self.batches: list[list[EnrichedEvent]] = []
        self.release = threading.Event()
        self.release.set()
        self.failures = 0

    def write(self, batch: Sequence[EnrichedEvent]) -> None:
        self.release.wait(timeout=30)
        if self.failures:
            self.failures -= 1
            raise OSError("disk full")
        self.batches.append(list(batch))

    @property
    def events(self) -> list[EnrichedEvent]:
        return [e for b in self.batches for e in b]


def enricher() -> Enricher:
    return Enricher(Catalog([PROFILE]), FileAssetDirectory.empty(), default_product=PRODUCT)


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}")


def run(config: IntakeConfig, sink: ListSink, body: Callable[[Intake], Awaitable[None]]) -> Intake:
    async def main() -> Intake:
        intake = Intake(config, enricher(), sink)
        await intake.start()
        try:
            await body(intake)
        finally:
            await intake.stop()
        return intake

    return asyncio.run(main())


def msg(n: int) -> bytes:
    return f"<36>1 - dev - - AUTH-FAIL - attempt {n}".encode()


def local(**ports: int) -> IntakeConfig:
    return IntakeConfig(host="127.0.0.1", **ports)  # type: ignore[arg-type]


def test_udp_tcp_octet_counting_and_lf_framing() -> None:
    sink = ListSink()

    async def body(intake: Intake) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(msg(1), ("127.0.0.1", intake.ports["udp"]))
        await until(lambda: len(sink.events) == 1, "the UDP message")
        _, writer = await asyncio.open_connection("127.0.0.1", intake.ports["tcp"])
        writer.write(octet_counted(msg(2)) + octet_counted(b"<13>1 - - - - - - multi\nline"))
        writer.write(msg(3) + b"\n" + b"garbage\n")
        await writer.drain()
        writer.close()
        await until(lambda: len(sink.events) == 5, "the TCP messages")

    intake = run(local(udp_port=0, tcp_port=0), sink, body)
    events = sink.events
    assert [e.message.msg for e in events] == [
        "attempt 1", "attempt 2", "multi\nline", "attempt 3", "",
    ]  # fmt: skip
    assert [e.event_id for e in events] == ["AUTH-FAIL", "AUTH-FAIL", None, "AUTH-FAIL", None]
    assert events[4].message.parse_error and events[4].message.raw == b"garbage"
    assert {e.message.source for e in events} == {"127.0.0.1"}
    assert (intake.stats.received, intake.stats.written, intake.stats.unparsed) == (5, 5, 1)


def test_oversized_messages_are_truncated_and_marked() -> None:
    sink = ListSink()
    config = IntakeConfig(host="127.0.0.1", udp_port=0, tcp_port=0, max_size=64)
    big = msg(1) + b" " + b"x" * 200

    async def body(intake: Intake) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(big, ("127.0.0.1", intake.ports["udp"]))
        await until(lambda: len(sink.events) == 1, "the UDP message")
        _, writer = await asyncio.open_connection("127.0.0.1", intake.ports["tcp"])
        writer.write(octet_counted(big) + octet_counted(msg(2)))
        await writer.drain()
        writer.close()
        await until(lambda: len(sink.events) == 3, "the TCP messages")

    intake = run(config, sink, body)
    first, second, third = sink.events
    assert first.message.truncated_from == second.message.truncated_from == len(big)
    assert first.message.raw == second.message.raw == big[:64]
    assert first.event_id == "AUTH-FAIL"  # the header survived the cut
    assert (third.message.msg, third.message.truncated_from) == ("attempt 2", None)
    assert intake.stats.truncated == 2


def _client_context(
    pki: SyslogPki, cert: Path | None = None, key: Path | None = None
) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if cert is not None:
        context.load_cert_chain(cert, key)
    return context


def test_tls_with_the_certificate_from_settings(syslog_pki: SyslogPki) -> None:
    sink = ListSink()
    config = IntakeConfig(
        host="127.0.0.1", tls_port=0, tls=TlsConfig(syslog_pki.server_cert, syslog_pki.server_key)
    )

    async def body(intake: Intake) -> None:
        _, writer = await asyncio.open_connection(
            "127.0.0.1", intake.ports["tls"], ssl=_client_context(syslog_pki)
        )
        writer.write(b"".join(octet_counted(msg(n)) for n in range(3)))
        await writer.drain()
        writer.close()
        await until(lambda: len(sink.events) == 3, "the TLS messages")

    run(config, sink, body)
    assert [e.message.msg for e in sink.events] == ["attempt 0", "attempt 1", "attempt 2"]


def test_tls_client_certificates_when_required(syslog_pki: SyslogPki) -> None:
    sink = ListSink()
    tls = TlsConfig(syslog_pki.server_cert, syslog_pki.server_key, syslog_pki.ca)
    config = IntakeConfig(host="127.0.0.1", tls_port=0, tls=tls)

    async def refused(port: int, context: ssl.SSLContext) -> bool:
        """Whether the server ends the connection (it never sends data otherwise)."""
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
            writer.write(octet_counted(msg(0)))
            await writer.drain()
            # TLS 1.3 reports a refused client certificate after the handshake, as an
            # alert (SSLError) or the end of the stream on the first read.
            ended = await reader.read(1) == b""
            writer.close()
            return ended
        except (ssl.SSLError, ConnectionError):
            return True

    async def body(intake: Intake) -> None:
        port = intake.ports["tls"]
        for context in (
            _client_context(syslog_pki),  # no client certificate
            _client_context(syslog_pki, syslog_pki.other_client_cert, syslog_pki.other_client_key),
        ):
            assert await refused(port, context)
        good = _client_context(syslog_pki, syslog_pki.client_cert, syslog_pki.client_key)
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=good)
        writer.write(octet_counted(msg(1)))
        await writer.drain()
        writer.close()
        await until(lambda: len(sink.events) == 1, "the authenticated message")

    run(config, sink, body)
    assert [e.message.msg for e in sink.events] == ["attempt 1"]


def test_a_tls_port_without_a_certificate_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="TLS port needs a certificate"):
        run(local(tls_port=0), ListSink(), lambda intake: asyncio.sleep(0))


def test_a_busy_port_is_a_configuration_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigurationError, match="cannot listen"):
            run(local(tcp_port=port), ListSink(), lambda intake: asyncio.sleep(0))


def test_tcp_senders_are_held_back_when_the_queue_is_full() -> None:
    sink = ListSink()
    sink.release.clear()  # the sink blocks: nothing leaves the queue
    config = IntakeConfig(host="127.0.0.1", tcp_port=0, queue_size=5, batch_size=2)
    sent = 200

    async def body(intake: Intake) -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", intake.ports["tcp"])
        writer.write(b"".join(octet_counted(msg(n)) for n in range(sent)))
        await until(intake.queue.full, "a full queue")
        # The reader waits on the full queue: at most one batch in the sink, five queued,
        # and the message that found the queue full; the rest stays in the socket buffers.
        assert intake.stats.received <= 2 + 5 + 1
        sink.release.set()
        await writer.drain()
        writer.close()
        await until(lambda: len(sink.events) == sent, "every message")

    run(config, sink, body)
    assert [e.message.msg for e in sink.events] == [f"attempt {n}" for n in range(sent)]
    assert max(len(b) for b in sink.batches) == 2


def test_udp_datagrams_beyond_a_full_queue_are_counted_as_dropped() -> None:
    sink = ListSink()
    sink.release.clear()
    config = IntakeConfig(host="127.0.0.1", udp_port=0, queue_size=2, batch_size=1)

    async def body(intake: Intake) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(msg(0), ("127.0.0.1", intake.ports["udp"]))
            await until(lambda: intake.stats.received == 1 and intake.queue.empty(),
                        "the first message to be in the (blocked) sink")  # fmt: skip
            for n in (1, 2):  # the queue's two places
                udp.sendto(msg(n), ("127.0.0.1", intake.ports["udp"]))
            await until(intake.queue.full, "a full queue")
            udp.sendto(msg(3), ("127.0.0.1", intake.ports["udp"]))
            await until(lambda: intake.stats.dropped == 1, "the drop to be counted")
        sink.release.set()

    intake = run(config, sink, body)
    assert [e.message.msg for e in sink.events] == ["attempt 0", "attempt 1", "attempt 2"]
    assert (intake.stats.received, intake.stats.dropped, intake.stats.written) == (4, 1, 3)


def test_a_failing_sink_is_retried_without_losing_the_batch() -> None:
    sink = ListSink()
    sink.failures = 2

    async def body(intake: Intake) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(msg(1), ("127.0.0.1", intake.ports["udp"]))
        await until(lambda: len(sink.events) == 1, "the retried write")

    intake = run(local(udp_port=0), sink, body)
    assert intake.stats.sink_failures == 2 and intake.stats.written == 1


def test_json_lines_sink_appends_one_object_per_event(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    sink = JsonLinesSink(path)
    enrich = enricher()
    batch = [enrich.enrich(read_message(msg(n), source="192.0.2.1")) for n in range(3)]
    sink.write(batch[:2])
    sink.write(batch[2:])
    sink.close()
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows == [e.as_json() for e in batch]
    assert rows[0]["event"]["id"] == "AUTH-FAIL" and rows[0]["message"]["source"] == "192.0.2.1"
