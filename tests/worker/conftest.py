"""Fixtures for the worker tests: an instance whose audit log goes to a small syslog
receiver on loopback, and a private PostgreSQL database per test.

The receiver is a hand-written fake of the syslog server port (octet-counted frames over
plain TCP, RFC 6587 §3.4.1): the worker tests are about queueing, retries and the cursor;
the message format is checked against a real rsyslog in tests/audit/test_syslog.py.

PostgreSQL runs when ``MEDSEC_TEST_DATABASE_URL`` is set (see tests/backup/conftest.py);
without it those tests are skipped, except under CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import os
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from medsec.db import migrate
from medsec.service import Instance
from medsec.settings import Settings


class Receiver:
    """Collects the syslog messages sent to it."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while True:
                    length = b""
                    while (c := self.rfile.read(1)) not in (b" ", b""):
                        length += c
                    if not length:
                        return
                    message = self.rfile.read(int(length))
                    with receiver._arrived:
                        receiver.messages.append(message)
                        receiver._arrived.notify_all()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count: int) -> list[bytes]:
        """The messages, once ``count`` arrived (at most 30 s: arrival, not timing)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=30)
            return list(self.messages)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "medsec.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


InstanceFactory = Callable[..., Instance]


@pytest.fixture
def make_instance(tmp_path: Path, migrated_sqlite: Path) -> Iterator[InstanceFactory]:
    """``make_instance(syslog_port=…, url=…)``: a migrated instance whose audit log goes to
    127.0.0.1:syslog_port over plain TCP (no port: no syslog configured)."""
    made: list[Instance] = []

    def make(syslog_port: int | None = None, url: str | None = None) -> Instance:
        data_dir = tmp_path / f"instance-{len(made)}"
        settings = Settings(
            data_dir=data_dir, database_url=url,
            audit_syslog_host="127.0.0.1" if syslog_port else None,
            audit_syslog_port=syslog_port or 6514, audit_syslog_tls=False,
            _env_file=None,
        )  # fmt: skip
        if url is None:
            data_dir.mkdir(parents=True)
            (data_dir / "medsec.db").write_bytes(migrated_sqlite.read_bytes())
        else:
            migrate.upgrade(url)
        instance = Instance.from_settings(settings)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.db.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    base = os.environ.get("MEDSEC_TEST_DATABASE_URL")
    if not base:
        reason = "MEDSEC_TEST_DATABASE_URL is not set (a PostgreSQL URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true: the PostgreSQL tests must run in CI")
        pytest.skip(reason)
    name = f"medsec_worker_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Wait (at most 30 s) for something a background thread does; fail naming it."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def helpers() -> type:
    """Plain functions for the tests (fixtures cannot be imported under importlib mode)."""

    class Helpers:
        closed_port = staticmethod(closed_port)
        wait_until = staticmethod(wait_until)

    return Helpers
