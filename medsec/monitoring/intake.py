"""Syslog intake: UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425) listeners feeding one
bounded queue, and a writer that enriches messages and hands them to a
:class:`~medsec.monitoring.interfaces.Sink` in batches.

Back-pressure: TCP and TLS readers wait when the queue is full, so a fast sender is slowed
down by TCP flow control instead of filling memory. UDP cannot be slowed down: a datagram
that finds the queue full is counted in :attr:`IntakeStats.dropped` and logged (never
dropped silently). Every datagram or frame becomes a message — an oversized one truncated
and marked, one that does not parse kept raw with its reason.

The writer takes what is queued (up to ``batch_size`` messages), enriches it and writes it
with one ``Sink.write`` call in a worker thread; while a batch is being written the queue
keeps filling. A failed write is logged and retried (backing off to 30 s) until it
succeeds, holding back TCP senders meanwhile. :meth:`Intake.stop` closes the listeners,
then writes everything queued.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import ssl
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from medsec.errors import ConfigurationError
from medsec.monitoring.enrich import Enricher
from medsec.monitoring.interfaces import Sink
from medsec.monitoring.syslog.framing import DEFAULT_MAX_SIZE, Deframer, Frame, datagram
from medsec.monitoring.syslog.message import SyslogMessage
from medsec.monitoring.syslog.parser import read_frame

log = logging.getLogger(__name__)
READ_SIZE = 65536


def freeze_startup_objects() -> None:
    """For a long-running listener, once it is up: move what startup built (catalogs,
    parsed profiles, ORM metadata, the libraries) out of the garbage collector's reach.
    Its full collections, triggered by the messages in flight, then no longer walk all of
    it each time (``gc.freeze``)."""
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class TlsConfig:
    cert_file: Path
    key_file: Path
    #: When set, senders must present a certificate signed by this CA.
    client_ca_file: Path | None = None

    def context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2  # RFC 9662 updates RFC 5425
        try:
            context.load_cert_chain(self.cert_file, self.key_file)
            if self.client_ca_file is not None:
                context.load_verify_locations(self.client_ca_file)
                context.verify_mode = ssl.CERT_REQUIRED
        except (OSError, ssl.SSLError) as e:
            raise ConfigurationError(
                f"cannot load the syslog TLS certificate, key or client CA: {e}",
                hint="check MEDSEC_MONITOR_TLS_CERT_FILE, MEDSEC_MONITOR_TLS_KEY_FILE and "
                "MEDSEC_MONITOR_TLS_CLIENT_CA_FILE (PEM files)",
            ) from e
        return context


@dataclass(frozen=True)
class IntakeConfig:
    host: str = "0.0.0.0"  # noqa: S104 — a syslog server listens for the network
    udp_port: int | None = None
    tcp_port: int | None = None
    tls_port: int | None = None
    tls: TlsConfig | None = None
    max_size: int = DEFAULT_MAX_SIZE
    zone: dt.tzinfo = dt.UTC
    queue_size: int = 10_000
    batch_size: int = 500
    #: SO_REUSEPORT on the TCP and TLS listeners, so that several intake processes share
    #: a port (the kernel spreads connections over them; Linux, BSD).
    reuse_port: bool = False


@dataclass
class IntakeStats:
    received: int = 0
    written: int = 0
    truncated: int = 0
    unparsed: int = 0
    #: UDP datagrams that found the queue full.
    dropped: int = 0
    connections: int = 0
    #: Failed ``Sink.write`` calls (each retried until it succeeds).
    sink_failures: int = 0


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, intake: Intake) -> None:
        self.intake = intake

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.intake._offer(datagram(data, self.intake.config.max_size), str(addr[0]))


@dataclass
class Intake:
    config: IntakeConfig
    enricher: Enricher
    sink: Sink
    stats: IntakeStats = field(default_factory=IntakeStats)

    def __post_init__(self) -> None:
        self.queue: asyncio.Queue[SyslogMessage] = asyncio.Queue(self.config.queue_size)
        self._servers: list[asyncio.base_events.Server] = []
        self._udp: asyncio.DatagramTransport | None = None
        self._writer: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        #: The bound ports, by protocol (useful with port 0).
        self.ports: dict[str, int] = {}

    # -- lifecycle

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        c = self.config
        if c.tls_port is not None and c.tls is None:
            raise ConfigurationError(
                "a TLS port needs a certificate and a key",
                hint="give --cert and --key, or set MEDSEC_MONITOR_TLS_CERT_FILE and "
                "MEDSEC_MONITOR_TLS_KEY_FILE",
            )
        context = c.tls.context() if c.tls is not None and c.tls_port is not None else None
        try:
            if c.udp_port is not None:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Udp(self), local_addr=(c.host, c.udp_port)
                )
                self._udp = transport
                self.ports["udp"] = transport.get_extra_info("sockname")[1]
            for name, port, ssl_context in (("tcp", c.tcp_port, None), ("tls", c.tls_port,
                                                                         context)):  # fmt: skip
                if port is None:
                    continue
                server = await asyncio.start_server(
                    self._connection, c.host, port, ssl=ssl_context, limit=READ_SIZE,
                    reuse_port=c.reuse_port or None,
                )  # fmt: skip
                self._servers.append(server)
                self.ports[name] = server.sockets[0].getsockname()[1]
        except OSError as e:
            await self.stop()
            raise ConfigurationError(
                f"cannot listen on {c.host}: {e}",
                hint="choose free ports (ports below 1024 need privileges)",
            ) from e
        self._writer = asyncio.create_task(self._write_batches())

    async def stop(self) -> None:
        """Stop listening, let open connections end, write everything queued."""
        if self._udp is not None:
            self._udp.close()
        for server in self._servers:
            server.close()
            await server.wait_closed()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._writer is not None:
            await self.queue.join()
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)

    # -- receiving

    def _message(self, frame: Frame, source: str) -> SyslogMessage:
        # An id at receipt: stores make their insert idempotent on it.
        message = read_frame(frame, received=dt.datetime.now(dt.UTC), zone=self.config.zone,
                             source=source, receipt_id=str(uuid.uuid4()))  # fmt: skip
        self.stats.received += 1
        self.stats.truncated += frame.truncated_from is not None
        self.stats.unparsed += not message.parsed
        return message

    def _offer(self, frame: Frame, source: str) -> None:
        """UDP: queue the message, or count and log it when the queue is full."""
        try:
            self.queue.put_nowait(self._message(frame, source))
        except asyncio.QueueFull:
            self.stats.dropped += 1
            if self.stats.dropped == 1 or self.stats.dropped % 1000 == 0:
                log.warning("syslog queue full: %d UDP datagrams dropped", self.stats.dropped)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        peer = writer.get_extra_info("peername")
        source = str(peer[0]) if peer else "unknown"
        self.stats.connections += 1
        deframer = Deframer(self.config.max_size)
        try:
            while data := await reader.read(READ_SIZE):
                for frame in deframer.feed(data):
                    await self.queue.put(self._message(frame, source))  # waits when full
            for frame in deframer.close():
                await self.queue.put(self._message(frame, source))
        except (ConnectionError, ssl.SSLError) as e:
            log.info("syslog connection from %s ended: %s", source, e)
        finally:
            writer.close()
            if task is not None:
                self._handlers.discard(task)

    # -- writing

    async def _write_batches(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.config.batch_size and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            events = [self.enricher.enrich(m) for m in batch]
            delay = 0.5
            while True:
                try:
                    await asyncio.to_thread(self.sink.write, events)
                    break
                except Exception:
                    # Retry the same batch: meanwhile the queue fills and TCP senders
                    # are held back; UDP datagrams beyond the queue are counted as
                    # dropped. (The database sink spools to disk instead of failing.)
                    self.stats.sink_failures += 1
                    log.exception("writing %d syslog events failed; retrying", len(events))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)
            self.stats.written += len(events)
            for _ in batch:
                self.queue.task_done()
