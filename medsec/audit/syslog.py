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
import ssl
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.models import InstanceSetting
from medsec.audit.models import AuditEvent
from medsec.audit.services import as_dict, canonical
from medsec.audit.tags import Outcome
from medsec.db.engine import Database
from medsec.errors import ConfigurationError, Error

#: RFC 5424 §6.2.1 facility 10: security/authorization messages (private).
FACILITY_AUTHPRIV = 10
SEVERITY_NOTICE = 5
SEVERITY_WARNING = 4
#: Example enterprise number from RFC 5612, a placeholder until medsec registers its own.
ENTERPRISE_NUMBER = 32473
SD_ID = f"medsec@{ENTERPRISE_NUMBER}"
#: The instance setting that remembers the last event handed to the syslog socket.
CURSOR_KEY = "audit:syslog:forwarded-seq"


class SyslogError(Error):
    kind = "syslog-unreachable"
    status = 502
    title = "The syslog server cannot be reached"


def sd_escape(value: str) -> str:
    """Escape a PARAM-VALUE as RFC 5424 §6.3.3 requires: ``"``, ``\\`` and ``]``."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_field(value: str | None, limit: int) -> str:
    """A header field: printable US-ASCII (33–126), at most ``limit`` characters, or ``-``."""
    cleaned = "".join(c for c in (value or "") if 33 <= ord(c) <= 126)[:limit]
    return cleaned or "-"


def msgid_for(tag: str) -> str:
    """The MSGID for a tag: the tag itself when it fits (≤ 32 printable ASCII), else its
    first 23 characters, ``~`` and 8 hex digits of its SHA-256, so it stays unique."""
    if len(tag) <= 32 and all(33 <= ord(c) <= 126 for c in tag):
        return tag
    digest = hashlib.sha256(tag.encode()).hexdigest()[:8]
    return f"{_header_field(tag, 23)}~{digest}"


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
        pri = FACILITY_AUTHPRIV * 8 + severity_for(event.outcome)
        timestamp = event.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
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
        sd = " ".join(f'{k}="{sd_escape(v)}"' for k, v in params.items() if v is not None)
        header = " ".join(
            (
                f"<{pri}>1",
                timestamp,
                _header_field(self.hostname, 255),
                _header_field(self.app_name, 48),
                _header_field(self.procid, 128),
                msgid_for(event.tag),
            )
        )
        # canonical() escapes every non-ASCII character, so MSG is plain ASCII and needs
        # no BOM (RFC 5424 §6.4 asks for one only before UTF-8 text).
        return f"{header} [{SD_ID} {sd}] ".encode() + canonical(as_dict(event))


def octet_counted(message: bytes) -> bytes:
    """RFC 6587 §3.4.1 framing: ``MSG-LEN SP SYSLOG-MSG``."""
    return str(len(message)).encode() + b" " + message


class Sender(Protocol):
    """Where formatted messages go; :class:`TcpSender` is the one adapter."""

    def send(self, message: bytes) -> None: ...


class TcpSender:
    """A TCP connection to a syslog server, optionally TLS, framing by octet counting.

    Use as a context manager; :meth:`send` raises :class:`SyslogError` when the
    connection fails, so the caller knows the message did not reach the socket.
    """

    def __init__(
        self, host: str, port: int, *, tls: bool = True, ca_file: Path | None = None,
        timeout: float = 10.0,
    ) -> None:  # fmt: skip
        self.host = host
        self.port = port
        self.tls = tls
        self.ca_file = ca_file
        self.timeout = timeout
        self._socket: socket.socket | None = None

    @property
    def destination(self) -> str:
        return f"{'tls' if self.tls else 'tcp'}://{self.host}:{self.port}"

    def _fail(self, what: str, error: Exception) -> SyslogError:
        hint = "check MEDSEC_AUDIT_SYSLOG_HOST and MEDSEC_AUDIT_SYSLOG_PORT"
        if self.tls:
            hint += (
                "; for TLS the server certificate must match the host name and be signed "
                "by MEDSEC_AUDIT_SYSLOG_CA_FILE (or a system CA)"
            )
        return SyslogError(f"{what} {self.destination}: {error}", hint=hint)

    def __enter__(self) -> TcpSender:
        try:
            raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as e:
            raise self._fail("cannot connect to syslog server", e) from e
        if not self.tls:
            self._socket = raw
            return self
        try:
            context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
            context.minimum_version = ssl.TLSVersion.TLSv1_2  # RFC 9662 updates RFC 5425
            self._socket = context.wrap_socket(raw, server_hostname=self.host)
        except FileNotFoundError as e:
            raw.close()
            raise ConfigurationError(
                f"the syslog CA file {self.ca_file} does not exist",
                hint="set MEDSEC_AUDIT_SYSLOG_CA_FILE to the PEM file of the CA",
            ) from e
        except (OSError, ssl.SSLError) as e:
            raw.close()
            raise self._fail("TLS handshake failed with syslog server", e) from e
        return self

    def send(self, message: bytes) -> None:
        if self._socket is None:
            raise RuntimeError("TcpSender.send outside its `with` block")
        try:
            self._socket.sendall(octet_counted(message))
        except OSError as e:
            raise self._fail("lost the connection to syslog server", e) from e

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        sock, self._socket = self._socket, None
        if sock is None:
            return
        if isinstance(sock, ssl.SSLSocket):
            # RFC 5425 §4.4: close with close_notify, so the server can tell the end of the
            # stream from a connection cut (truncation).
            try:
                sock.unwrap()
            except (OSError, ssl.SSLError):
                pass
        sock.close()


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
