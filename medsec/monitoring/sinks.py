"""Adapters of :class:`~medsec.monitoring.interfaces.Sink`.

* :class:`JsonLinesSink` appends enriched events to a file, one JSON object a line (the
  same objects ``medsec monitor parse`` prints). Each batch is written with one ``write``
  and flushed with ``fsync`` before :meth:`JsonLinesSink.write` returns, so a batch the
  intake counts as written is on disk.
* :class:`ForwardingSink` sends them to a SIEM collector (:mod:`medsec.monitoring.forward`).
* :class:`FanOutSink` writes to several sinks.

The database sink comes with the inventory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from medsec.errors import ConfigurationError, Error
from medsec.monitoring.enrich import EnrichedEvent
from medsec.monitoring.forward import Forwarder
from medsec.monitoring.interfaces import Sink
from medsec.monitoring.syslog.transport import Sender


class JsonLinesSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file = path.open("a", encoding="utf-8")
        except OSError as e:
            raise ConfigurationError(
                f"cannot open {path} to append syslog events: {e}",
                hint="give --output a file in a directory you can write to",
            ) from e

    def write(self, batch: Sequence[EnrichedEvent]) -> None:
        text = "".join(json.dumps(e.as_json(), ensure_ascii=False) + "\n" for e in batch)
        self._file.write(text)
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


class ForwardingSink:
    """Sends each batch to a SIEM collector through one kept-open connection (opened
    again after a failure). A batch retried after a failure resumes after the last event
    that reached the socket, so the collector gets no duplicates from the retry."""

    def __init__(
        self, forwarder: Forwarder, connect: Callable[[], AbstractContextManager[Sender]]
    ) -> None:
        self.forwarder = forwarder
        self.connect = connect
        self._connection: AbstractContextManager[Sender] | None = None
        self._sender: Sender | None = None
        self._batch: Sequence[EnrichedEvent] | None = None
        self._sent = 0

    def write(self, batch: Sequence[EnrichedEvent]) -> None:
        if batch is not self._batch:
            self._batch, self._sent = batch, 0
        try:
            if self._sender is None:
                self._connection = self.connect()
                self._sender = self._connection.__enter__()
            for event in batch[self._sent :]:
                self._sender.send(self.forwarder.message(event))
                self._sent += 1
        except Error:
            self.close()
            raise

    def close(self) -> None:
        connection, self._connection, self._sender = self._connection, None, None
        if connection is not None:
            connection.__exit__(None, None, None)


class FanOutSink:
    """Writes each batch to several sinks in order. When one fails, a retry of the same
    batch skips the sinks that already have it."""

    def __init__(self, *sinks: Sink) -> None:
        self.sinks = sinks
        self._batch: Sequence[EnrichedEvent] | None = None
        self._done = 0

    def write(self, batch: Sequence[EnrichedEvent]) -> None:
        if batch is not self._batch:  # holding the batch keeps its identity unique
            self._batch, self._done = batch, 0
        for sink in self.sinks[self._done :]:
            sink.write(batch)
            self._done += 1
