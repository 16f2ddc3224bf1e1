"""Suite-wide rules.

In CI (``CI=true``) a test that needs a real component (the shared conformance data, the
PostgreSQL test database, slapd, rsyslog, nft, Chromium, LibreOffice) must not skip: a
skipped conformance, PostgreSQL or end-to-end test would hide a missing install step, so
this hook turns such skips into a failed run.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

STRICT_MARKERS = ("conformance", "postgres", "e2e")
_strict_skips: list[str] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/conformance/" in str(item.path):
            item.add_marker(pytest.mark.conformance)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not (_in_ci() and report.skipped):
        return
    keywords = report.keywords
    if any(marker in keywords for marker in STRICT_MARKERS) or "[postgres" in report.nodeid:
        _strict_skips.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _strict_skips:
        terminalreporter.section("skipped in CI (not allowed)")
        for nodeid in _strict_skips:
            terminalreporter.write_line(nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _strict_skips and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --------------------------------------------------------------------------- rsyslog
# A private rsyslogd (Debian packages rsyslog and rsyslog-gnutls) for the tests of syslog
# senders (tests/audit, tests/monitoring): two inputs on free loopback ports, plain TCP
# and TLS (gtls driver, a certificate from a CA made for the session), writing every
# message it parsed as one JSON line (the raw message, the header fields, and the
# structured data as decoded by mmpstrucdata). Tests tell their messages apart by
# HOSTNAME. Without rsyslogd these tests are skipped, except under CI (CI=true), where
# that is a failure.

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
GTLS = Path("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so")

RSYSLOG_CONF = """\
global(workDirectory="{run}" maxMessageSize="64k" parser.escapeControlCharactersOnReceive="off"
       DefaultNetstreamDriverCAFile="{run}/ca.pem"
       DefaultNetstreamDriverCertFile="{run}/server.pem"
       DefaultNetstreamDriverKeyFile="{run}/server.key")
module(load="imtcp")
module(load="mmpstrucdata")
template(name="parsed" type="list" option.jsonf="on") {{
  property(outname="raw" name="rawmsg" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="$!rfc5424-sd" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="port" name="inputname" format="jsonf")
}}
ruleset(name="capture") {{
  action(type="mmpstrucdata")
  action(type="omfile" file="{run}/messages.jsonl" template="parsed")
}}
input(type="imtcp" address="127.0.0.1" port="{tcp}" ruleset="capture")
input(type="imtcp" address="127.0.0.1" port="{tls}" ruleset="capture"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
"""


@dataclass(frozen=True)
class Rsyslog:
    tcp_port: int
    tls_port: int
    ca_file: Path
    other_ca_file: Path
    output: Path

    def received(self, hostname: str, count: int) -> list[dict[str, Any]]:
        """The messages from ``hostname``, once ``count`` have arrived (waits for delivery,
        at most 30 s; this is arrival, not a timed assertion)."""
        deadline = time.monotonic() + 30
        while True:
            lines = self.output.read_text().splitlines() if self.output.exists() else []
            found = [m for m in map(json.loads, lines) if m["hostname"] == hostname]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """The handler of a loopback aiosmtpd ``Controller``: keeps every envelope it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _ca(run: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (run / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _leaf(
    run: Path, name: str, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate,
    usage: x509.ObjectIdentifier,
) -> None:  # fmt: skip
    """``name.pem`` and ``name.key``: a certificate for 127.0.0.1 signed by ``ca``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    (run / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (run / f"{name}.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))  # fmt: skip


@dataclass(frozen=True)
class SyslogPki:
    """PEM files for syslog over TLS on loopback: a CA with a server certificate and a
    client certificate for 127.0.0.1, and another CA with its own client certificate."""

    ca: Path
    other_ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_client_cert: Path
    other_client_key: Path


def make_pki(run: Path) -> SyslogPki:
    ca_key, ca = _ca(run, "ca")
    other_key, other = _ca(run, "other-ca")
    _leaf(run, "server", ca_key, ca, ExtendedKeyUsageOID.SERVER_AUTH)
    _leaf(run, "client", ca_key, ca, ExtendedKeyUsageOID.CLIENT_AUTH)
    _leaf(run, "other-client", other_key, other, ExtendedKeyUsageOID.CLIENT_AUTH)
    return SyslogPki(
        run / "ca.pem", run / "other-ca.pem", run / "server.pem", run / "server.key",
        run / "client.pem", run / "client.key", run / "other-client.pem",
        run / "other-client.key",
    )  # fmt: skip


@pytest.fixture(scope="session")
def syslog_pki(tmp_path_factory: pytest.TempPathFactory) -> SyslogPki:
    return make_pki(tmp_path_factory.mktemp("syslog-pki"))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the rsyslog tests must run in CI)")
    pytest.skip(reason)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rsyslogd exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"rsyslogd did not listen on {port} within 30 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def rsyslog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rsyslog]:
    if not Path(RSYSLOGD).exists():
        _unavailable("rsyslogd is missing; install the Debian packages rsyslog and rsyslog-gnutls")
    if not GTLS.exists():
        _unavailable(f"{GTLS} is missing; install the Debian package rsyslog-gnutls")
    run = tmp_path_factory.mktemp("rsyslog")
    make_pki(run)
    tcp, tls = free_port(), free_port()
    conf = run / "rsyslog.conf"
    conf.write_text(RSYSLOG_CONF.format(run=run, tcp=tcp, tls=tls))
    log = run / "rsyslogd.log"
    with log.open("wb") as out:
        # -n: foreground, so the fixture owns the process; -i: a pid file of its own.
        process = subprocess.Popen(
            [RSYSLOGD, "-n", "-f", str(conf), "-i", str(run / "rsyslogd.pid")],
            stdout=out, stderr=out,
        )  # fmt: skip
    try:
        _wait_for_port(tcp, process, log)
        _wait_for_port(tls, process, log)
        yield Rsyslog(tcp, tls, run / "ca.pem", run / "other-ca.pem", run / "messages.jsonl")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
