"""Storage without loss: a listener keeps receiving over TCP while its PostgreSQL is
stopped and started again, and every message sent is stored exactly once.

The test runs its own throwaway PostgreSQL 15 cluster (``initdb`` + ``pg_ctl`` on a free
loopback port, as the ``postgres`` OS user when run as root), never the machine's shared
server. Without the PostgreSQL binaries it skips (a failure under CI, by the ``postgres``
marker).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from medsec.accounts.roles import OrganizationKind
from medsec.accounts.services import create_organization
from medsec.audit.services import Context
from medsec.db import migrate
from medsec.db.engine import Database
from medsec.monitoring.intake import IntakeConfig
from medsec.monitoring.listener import DatabaseListener
from medsec.monitoring.models import DeviceEvent
from medsec.monitoring.syslog.framing import octet_counted

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
BIN = Path("/usr/lib/postgresql/15/bin")
MESSAGES = 1500


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    """A private PostgreSQL cluster in a temporary directory."""

    def __init__(self) -> None:
        if not (BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL 15 binaries not found in {BIN}")
        self.dir = Path(tempfile.mkdtemp(prefix="medsec-pg-"))
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.dir, "postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self._run(str(BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U",
                  "postgres", "--no-sync")  # fmt: skip

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-o", options,
                  "-l", str(self.dir / "log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    try:
        c.start()
        with psycopg.connect(f"host=127.0.0.1 port={c.port} user=postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE medsec")
        yield c
    finally:
        c.remove()


def _wait(condition: object, what: str, limit: float = 120.0) -> None:
    """A guard against hanging, not a timed assertion."""
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_every_message_is_stored_once_across_a_database_outage(
    cluster: Cluster, tmp_path: Path
) -> None:
    url = cluster.url("medsec")
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        org = create_organization(session, "Hospital", OrganizationKind.HEALTHCARE_PROVIDER,
                                  Context.cli("test"))  # fmt: skip
    config = IntakeConfig(host="127.0.0.1", tcp_port=0, batch_size=50, queue_size=200)
    listener = DatabaseListener(db, org.id, config, tmp_path / "spool.jsonl",
                                maintenance_interval=0.2)  # fmt: skip

    def stored() -> int:
        with db.session() as session:
            return session.execute(select(func.count(DeviceEvent.id))).scalar_one()

    async def scenario() -> None:
        await listener.start()
        _, writer = await asyncio.open_connection("127.0.0.1", listener.intake.ports["tcp"])

        async def send(numbers: range) -> None:
            for n in numbers:
                line = f"<134>1 2026-12-03T20:00:00Z pump-1 app - TEST - message {n}"
                writer.write(octet_counted(line.encode()))
                if n % 50 == 0:
                    await writer.drain()
                    await asyncio.sleep(0.005)
            await writer.drain()

        third = MESSAGES // 3
        await send(range(third))
        await asyncio.to_thread(cluster.stop)
        await send(range(third, 2 * third))
        await asyncio.to_thread(_wait, lambda: listener.sink.stats.spooled > 0, "spooling")
        await asyncio.to_thread(cluster.start)
        await send(range(2 * third, MESSAGES))
        writer.close()
        await writer.wait_closed()
        await asyncio.to_thread(_wait, lambda: listener.intake.stats.received == MESSAGES,
                                "all messages received")  # fmt: skip
        await listener.stop()

    try:
        asyncio.run(scenario())
        assert listener.sink.stats.spooled > 0 and listener.sink.stats.replayed > 0
        assert not listener.spool.pending
        with db.session() as session:
            texts = session.execute(select(DeviceEvent.msg)).scalars().all()
        assert len(texts) == MESSAGES == stored()
        assert sorted(texts) == sorted(f"message {n}" for n in range(MESSAGES))
    finally:
        db.dispose()
