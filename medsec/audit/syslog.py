"""Audit events to a SIEM: RFC 5424 messages over TCP (RFC 6587 octet counting), with
TLS (RFC 5425), resuming after the last event sent.

Each event becomes one message with facility authpriv (10), severity notice (5) for a
success and warning (4) for a failure or a denial, the tag as MSGID, the searchable
fields as structured data and, as MSG, the event's canonical JSON (the same bytes the hash
chain covers, plus the hash), so the copy in the SIEM can itself be checked::

    <85>1 2026-12-03T16:26:51.340795Z pacs-gw medsec 4242 accounts:login:succeeded
    [medsec@32473 seq="7" tag="accounts:login:succeeded" actor="alice" org="1"
    target="user:alice" outcome="success" ip="10.0.0.5" hash="9f…"] {"actor":"alice",…}

The SD-ID ``medsec@32473`` uses 32473, the example private enterprise number that RFC 5612
reserves for documentation, until medsec has a PEN of its own.

The message itself is built by :func:`medsec.monitoring.syslog.rfc5424.format`, the
project's one RFC 5424 formatter, and sent by :mod:`medsec.monitoring.syslog.transport`.
Written here rather than with a logging handler (``logging.handlers.SysLogHandler`` speaks
RFC 3164 without structured data; ``rfc5424-logging-handler`` is unmaintained since 2019):
a logging handler swallows send errors and stamps the time of logging, whereas forwarding
must know which event reached the socket and must send each event's own time.

>>> sd_escape('say "hi" [a\\\\b]')
'say \\\\"hi\\\\" [a\\\\\\\\b\\\\]'
>>> msgid_for("accounts:login:succeeded")
'accounts:login:succeeded'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.models import InstanceSetting
from medsec.audit.models import AuditEvent
from medsec.audit.services import as_dict, canonical
from medsec.audit.tags import Outcome
from medsec.db.engine import Database
from medsec.monitoring.syslog import rfc5424, transport
from medsec.monitoring.syslog.framing import octet_counted
from medsec.monitoring.syslog.message import SdElement, SyslogMessage
from medsec.monitoring.syslog.rfc5424 import sd_escape
from medsec.monitoring.syslog.transport import Sender, SyslogError

__all__ = [
    "CURSOR_KEY", "SD_ID", "ForwardReport", "Sender", "SyslogError", "SyslogFormat",
    "TcpSender", "forward_pending", "forwarded_seq", "msgid_for", "octet_counted",
    "sd_escape", "severity_for",
]  # fmt: skip

#: RFC 5424 §6.2.1 facility 10: security/authorization messages (private).
FACILITY_AUTHPRIV = 10
SEVERITY_NOTICE = 5
SEVERITY_WARNING = 4
#: Example enterprise number from RFC 5612, a placeholder until medsec registers its own.
ENTERPRISE_NUMBER = 32473
SD_ID = f"medsec@{ENTERPRISE_NUMBER}"
#: The instance setting that remembers the last event handed to the syslog socket.
CURSOR_KEY = "audit:syslog:forwarded-seq"


def msgid_for(tag: str) -> str:
    """The MSGID for a tag: the tag itself when it fits (≤ 32 printable ASCII), else its
    first 23 characters, ``~`` and 8 hex digits of its SHA-256, so it stays unique."""
    if len(tag) <= 32 and all(33 <= ord(c) <= 126 for c in tag):
        return tag
    digest = hashlib.sha256(tag.encode()).hexdigest()[:8]
    return f"{rfc5424.header_field(tag, 23)}~{digest}"


def severity_for(outcome: str) -> int:
    return SEVERITY_NOTICE if outcome == Outcome.SUCCESS else SEVERITY_WARNING


@dataclass(frozen=True)
class SyslogFormat:
    """Who the messages say they come from (RFC 5424 HOSTNAME, APP-NAME, PROCID)."""

    hostname: str = field(default_factory=socket.gethostname)
    app_name: str = "medsec"
    procid: str = field(default_factory=lambda: str(os.getpid()))

    def message(self, event: AuditEvent) -> bytes:
        """One RFC 5424 message for ``event`` (UTF-8, no trailing newline)."""
        params = {
            "seq": str(event.seq),
            "tag": event.tag,
            "actor": event.actor,
            "org": None if event.organization_id is None else str(event.organization_id),
            "target": event.target,
            "outcome": event.outcome,
            "ip": event.ip,
            "hash": event.hash,
        }
        # Absent values are left out rather than sent as "" (which would read as a value).
        sd = SdElement(SD_ID, tuple((k, v) for k, v in params.items() if v is not None))
        # canonical() escapes every non-ASCII character, so MSG is plain ASCII and needs
        # no BOM (RFC 5424 §6.4 asks for one only before UTF-8 text).
        return rfc5424.format(
            SyslogMessage(
                raw=b"", format="rfc5424", facility=FACILITY_AUTHPRIV,
                severity=severity_for(event.outcome), timestamp=event.at.astimezone(dt.UTC),
                hostname=self.hostname, app_name=self.app_name, procid=self.procid,
                msgid=msgid_for(event.tag), structured_data=(sd,),
                msg=canonical(as_dict(event)).decode("ascii"),
            )
        )  # fmt: skip


class TcpSender(transport.TcpSender):
    """The audit log's syslog connection: :class:`transport.TcpSender` whose errors name
    the ``MEDSEC_AUDIT_SYSLOG_*`` settings."""

    def __init__(
        self, host: str, port: int, *, tls: bool = True, ca_file: Path | None = None,
        timeout: float = 10.0,
    ) -> None:  # fmt: skip
        super().__init__(
            host, port, tls=tls, ca_file=ca_file, timeout=timeout,
            hint="check MEDSEC_AUDIT_SYSLOG_HOST and MEDSEC_AUDIT_SYSLOG_PORT",
            ca_hint="MEDSEC_AUDIT_SYSLOG_CA_FILE",
        )  # fmt: skip


# --------------------------------------------------------------------------- forwarding


def forwarded_seq(session: Session) -> int:
    """The sequence number of the last event handed to the syslog server (0: none yet)."""
    row = session.execute(
        select(InstanceSetting).where(InstanceSetting.key == CURSOR_KEY)
    ).scalar_one_or_none()
    return int(row.value) if row is not None else 0


def _advance(session: Session, seq: int) -> None:
    # Deliberately not audited: an audit event per forwarded batch would itself need
    # forwarding, and the log would feed itself forever.
    row = session.execute(
        select(InstanceSetting).where(InstanceSetting.key == CURSOR_KEY)
    ).scalar_one_or_none()
    if row is None:
        session.add(InstanceSetting(
            key=CURSOR_KEY, value=seq, note="last audit event sent to syslog"
        ))  # fmt: skip
    elif seq > int(row.value):
        row.value = seq


@dataclass(frozen=True)
class ForwardReport:
    sent: int
    last_seq: int


def forward_pending(
    db: Database, connect: Callable[[], AbstractContextManager[Sender]],
    fmt: SyslogFormat | None = None, *, batch: int = 200,
) -> ForwardReport:  # fmt: skip
    """Send every event after the stored cursor, oldest first, and advance the cursor.

    The cursor moves after each message reaches the socket (saved once per batch, and on
    failure up to the last message sent), so a retry resumes without duplicates. TCP has no
    application-level acknowledgement: a message in the socket buffer when the connection
    drops is lost; the ``seq`` in each message lets the SIEM notice the gap.
    """
    fmt = fmt or SyslogFormat()
    with db.session() as session:
        last = forwarded_seq(session)
        pending = session.execute(
            select(AuditEvent.seq).where(AuditEvent.seq > last).limit(1)
        ).first()
    if pending is None:
        return ForwardReport(0, last)
    sent = 0
    with connect() as sender:
        while True:
            with db.session() as session:
                events: Sequence[AuditEvent] = session.execute(
                    select(AuditEvent).where(AuditEvent.seq > last)
                    .order_by(AuditEvent.seq).limit(batch)
                ).scalars().all()  # fmt: skip
                messages = [(e.seq, fmt.message(e)) for e in events]
            if not messages:
                return ForwardReport(sent, last)
            reached = last
            try:
                for seq, message in messages:
                    sender.send(message)
                    reached = seq
                    sent += 1
            finally:
                if reached > last:
                    with db.session() as session:
                        _advance(session, reached)
            last = reached
