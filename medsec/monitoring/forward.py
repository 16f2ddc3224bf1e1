"""Forwarding enriched events to a SIEM collector: CEF or JSON inside RFC 5424 messages,
over TCP or TLS (octet counting, :mod:`medsec.monitoring.syslog.transport`).

Each event becomes one RFC 5424 message from medsec (HOSTNAME and APP-NAME of this
instance), with the device message's facility, the catalog severity (the device's own
for uncatalogued events), the device's timestamp (or the receive time), the catalog event
id as MSGID (``uncatalogued`` otherwise) and, as MSG, the CEF record
(:func:`medsec.monitoring.exports.cef.cef`) or the event as JSON
(:meth:`EnrichedEvent.as_json`, ASCII-only so it needs no BOM). A CEF record with
non-ASCII text gets the BOM RFC 5424 §6.4 asks for.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

from medsec.monitoring.enrich import EnrichedEvent
from medsec.monitoring.exports.cef import cef
from medsec.monitoring.syslog import rfc5424
from medsec.monitoring.syslog.message import SyslogMessage
from medsec.monitoring.syslog.transport import Sender

UNCATALOGUED_MSGID = "uncatalogued"
FACILITY_USER = 1


class ForwardFormat(enum.StrEnum):
    CEF = "cef"
    JSON = "json"


@dataclass(frozen=True)
class Forwarder:
    format: ForwardFormat
    hostname: str = field(default_factory=socket.gethostname)
    app_name: str = "medsec"
    procid: str = field(default_factory=lambda: str(os.getpid()))

    def message(self, event: EnrichedEvent) -> bytes:
        m = event.message
        if self.format is ForwardFormat.CEF:
            body = cef(event)
        else:
            body = json.dumps(event.as_json(), ensure_ascii=True, separators=(",", ":"))
        severity = event.severity if event.severity is not None else m.severity
        return rfc5424.format(
            SyslogMessage(
                raw=b"", format="rfc5424",
                facility=m.facility if m.facility is not None else FACILITY_USER,
                severity=severity if severity is not None else 5,
                timestamp=m.timestamp or m.received_at or dt.datetime.now(dt.UTC),
                hostname=self.hostname, app_name=self.app_name, procid=self.procid,
                msgid=event.event_id or UNCATALOGUED_MSGID, msg=body,
            ),
            bom=not body.isascii(),
        )  # fmt: skip

    def forward(self, events: Iterable[EnrichedEvent], sender: Sender) -> int:
        """Send ``events`` in order; the count sent (a failure raises ``SyslogError``)."""
        sent = 0
        for event in events:
            sender.send(self.message(event))
            sent += 1
        return sent
