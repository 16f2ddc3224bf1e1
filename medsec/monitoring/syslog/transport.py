"""Sending syslog messages to a server over TCP, optionally TLS (RFC 5425), framed by
octet counting (RFC 6587 §3.4.1). Used by the audit log's export and the SIEM forwarder.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from types import TracebackType
from typing import Protocol

from medsec.errors import ConfigurationError, Error
from medsec.monitoring.syslog.framing import octet_counted


class SyslogError(Error):
    kind = "syslog-unreachable"
    status = 502
    title = "The syslog server cannot be reached"


class Sender(Protocol):
    """Where formatted messages go; :class:`TcpSender` is the one adapter."""

    def send(self, message: bytes) -> None: ...


class TcpSender:
    """A TCP connection to a syslog server, optionally TLS, framing by octet counting.

    Use as a context manager; :meth:`send` raises :class:`SyslogError` when the
    connection fails, so the caller knows the message did not reach the socket. ``hint``
    names the settings a person should check when that happens; ``client_cert`` and
    ``client_key`` authenticate this side when the server asks for a certificate.
    """

    def __init__(
        self, host: str, port: int, *, tls: bool = True, ca_file: Path | None = None,
        timeout: float = 10.0, hint: str = "check the syslog server's host and port",
        ca_hint: str = "the CA file", client_cert: Path | None = None,
        client_key: Path | None = None,
    ) -> None:  # fmt: skip
        self.host = host
        self.port = port
        self.tls = tls
        self.ca_file = ca_file
        self.timeout = timeout
        self.hint = hint
        self.ca_hint = ca_hint
        self.client_cert = client_cert
        self.client_key = client_key
        self._socket: socket.socket | None = None

    @property
    def destination(self) -> str:
        return f"{'tls' if self.tls else 'tcp'}://{self.host}:{self.port}"

    def _fail(self, what: str, error: Exception) -> SyslogError:
        hint = self.hint
        if self.tls:
            hint += (
                "; for TLS the server certificate must match the host name and be signed "
                f"by {self.ca_hint} (or a system CA)"
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
            if self.client_cert is not None:
                context.load_cert_chain(self.client_cert, self.client_key)
            self._socket = context.wrap_socket(raw, server_hostname=self.host)
        except FileNotFoundError as e:
            raw.close()
            if self.ca_file is not None and not self.ca_file.exists():
                raise ConfigurationError(
                    f"the syslog CA file {self.ca_file} does not exist",
                    hint=f"set {self.ca_hint} to the PEM file of the CA",
                ) from e
            raise ConfigurationError(
                f"the client certificate or key ({self.client_cert}, {self.client_key}) "
                "does not exist",
                hint="give the PEM files of the client certificate and its key",
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
