"""Benchmark P4 (issue 6 §7): syslog intake over TCP on loopback, medsec against rsyslog on
the same stream, in one run.

1. A fresh PostgreSQL database (on the server of ``--database``, default
   ``$MEDSEC_BENCH_DATABASE_URL`` or ``$MEDSEC_TEST_DATABASE_URL``) is migrated and seeded
   with ``medsec demo``'s hospital: its inventory, the three example profiles and its
   alert rule. The stream is the catalog sample messages of the demo assets, each
   carrying the asset's serial (``[bench@32473 serial=…]``), octet-counted (RFC 6587),
   sent over ``--connections`` TCP connections as fast as TCP lets them.
2. rsyslog: a private ``rsyslogd -n`` with ``imtcp`` → ``omfile`` (the raw message, one
   line each); done when the file holds every message.
3. medsec: ``--workers`` processes of ``medsec monitor listen --store db --reuse-port``
   on one port (SO_REUSEPORT): parse, attribute and enrich against the catalogs, alert
   rules, insert into PostgreSQL; done when the table holds every message.
4. Loss: the same stream, paced at 80 % of medsec's rate for ``--loss-seconds``; then
   messages sent and messages stored are compared.

Before the runs it also times the pipeline's two halves in one process without sockets
(parse + attribute + enrich + the COPY row, with its CPU time per message; store into
PostgreSQL with the alert rules).

    python3 -m uv run python benches/bench_p4.py [--messages 60000] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from medsec.db import migrate
from medsec.demo import HOSPITAL, seed
from medsec.inventory.models import Asset
from medsec.monitoring.alerts import AlertEngine
from medsec.monitoring.assets_db import DatabaseAssetDirectory, LiveEnricher
from medsec.monitoring.exports.samples import samples
from medsec.monitoring.models import DeviceEvent
from medsec.monitoring.notify import Notifier, NotifierConfig
from medsec.monitoring.records import DeviceEventRecord
from medsec.monitoring.store import DatabaseStore
from medsec.monitoring.syslog import rfc5424
from medsec.monitoring.syslog.framing import Deframer, octet_counted
from medsec.monitoring.syslog.message import SdElement
from medsec.monitoring.syslog.parser import read_frame, read_message
from medsec.service import Instance
from medsec.settings import Settings

MEDSEC = str(Path(sys.executable).with_name("medsec"))
RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
RSYSLOG_CONF = """\
global(workDirectory="{run}" maxMessageSize="64k")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="bench") {{
  action(type="omfile" file="{run}/messages.log" template="raw")
}}
input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="bench")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise SystemExit(f"{what} did not listen on {port}")


@contextlib.contextmanager
def database(server_url: str) -> Iterator[str]:
    url = make_url(server_url)
    name = f"medsec_bench_p4_{os.getpid()}"
    conninfo = f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stream(instance: Instance) -> list[bytes]:
    """One frame per (demo asset, catalog sample): the sample with the asset's serial."""
    with instance.db.session() as session:
        org_id = session.execute(
            select(Asset.organization_id).where(Asset.profile_version_id.is_not(None))
        ).scalars().first()  # fmt: skip
    assert org_id is not None
    directory = DatabaseAssetDirectory(instance.db, org_id)
    directory.refresh(force=True)
    profiles = {ref.name: p for ref, p in directory.snapshot.profiles.items()}
    frames = []
    for asset in directory.snapshot.assets:
        profile = profiles.get(asset.product)
        if profile is None or not asset.serial:
            continue
        for sample in samples(profile):
            message = read_message(sample.line.encode())
            tagged = dataclasses.replace(
                message, structured_data=(SdElement("bench@32473", (("serial", asset.serial),)),)
            )
            frames.append(octet_counted(rfc5424.format(tagged)))
    return frames


def in_process(
    instance: Instance, frames: list[bytes], count: int, batch: int
) -> tuple[float, float, float]:
    """One process, no sockets: (parse + attribute + enrich + row rate in messages/s, its
    CPU seconds per message, store rate) — where the time of the pipeline goes."""
    with instance.db.session() as session:
        org_id = session.execute(
            select(Asset.organization_id).where(Asset.profile_version_id.is_not(None))
        ).scalars().first()  # fmt: skip
    assert org_id is not None
    directory = DatabaseAssetDirectory(instance.db, org_id)
    directory.refresh(force=True)
    enricher = LiveEnricher(directory)
    payload = b"".join(frames[i % len(frames)] for i in range(count))
    start, cpu = time.perf_counter(), time.process_time()
    now = dt.datetime.now(dt.UTC)
    events = [
        enricher.enrich(read_frame(frame, received=now, zone=dt.UTC, source="127.0.0.1",
                                   receipt_id=str(uuid.uuid4())))
        for frame in Deframer(65536).feed(payload)
    ]  # fmt: skip
    records = [DeviceEventRecord.of(e, org_id) for e in events]
    rows = [r.copy_row() for r in records]  # what the store hands to COPY
    enrich_rate = count / (time.perf_counter() - start)
    cpu_per_message = (time.process_time() - cpu) / count
    del rows
    engine = AlertEngine(instance.db, Notifier(NotifierConfig()))
    store = DatabaseStore(instance.db, [engine.after_insert])
    start = time.perf_counter()
    for i in range(0, len(records), batch):
        store.insert(records[i : i + batch])
    return enrich_rate, cpu_per_message, count / (time.perf_counter() - start)


def payloads(frames: list[bytes], count: int, connections: int) -> list[bytes]:
    chosen = [frames[i % len(frames)] for i in range(count)]
    return [b"".join(chosen[c::connections]) for c in range(connections)]


def send_all(port: int, parts: list[bytes]) -> None:
    def one(data: bytes) -> None:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(data)

    threads = [threading.Thread(target=one, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def send_paced(
    port: int, frames: list[bytes], rate: float, seconds: float, connections: int
) -> int:
    """Send at ``rate`` messages/s for ``seconds``; how many were sent."""
    sent = [0] * connections

    def one(c: int) -> None:
        per_second = rate / connections
        with socket.create_connection(("127.0.0.1", port)) as s:
            start = time.monotonic()
            i = c
            while (elapsed := time.monotonic() - start) < seconds:
                due = int(elapsed * per_second) + 1
                if sent[c] < due:
                    chunk = [frames[(i + k) % len(frames)] for k in range(due - sent[c])]
                    s.sendall(b"".join(chunk))
                    i += len(chunk)
                    sent[c] = due
                time.sleep(0.005)

    threads = [threading.Thread(target=one, args=(c,)) for c in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(sent)


def wait_until(done: object, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while not done():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def rsyslog_rate(run: Path, parts: list[bytes], count: int) -> float:
    port = free_port()
    conf = run / "rsyslog.conf"
    conf.write_text(RSYSLOG_CONF.format(run=run, port=port))
    output = run / "messages.log"
    # %rawmsg% is the frame without its octet count; one newline each.
    expected = sum(len(p) for p in parts)
    expected -= sum(len(f.split(b" ", 1)[0]) + 1 for p in parts for f in _frames(p))
    expected += count
    log = (run / "rsyslogd.log").open("wb")
    process = subprocess.Popen(
        [RSYSLOGD, "-n", "-f", str(conf), "-i", str(run / "rsyslogd.pid")], stdout=log, stderr=log
    )
    try:
        wait_for_port(port, "rsyslogd")
        start = time.perf_counter()
        send_all(port, parts)
        if not wait_until(lambda: output.exists() and output.stat().st_size >= expected, 600):
            raise SystemExit(f"rsyslog wrote {output.stat().st_size} of {expected} bytes")
        return count / (time.perf_counter() - start)
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _frames(payload: bytes) -> Iterator[bytes]:
    at = 0
    while at < len(payload):
        space = payload.index(b" ", at)
        length = int(payload[at:space])
        yield payload[at : space + 1 + length]
        at = space + 1 + length


class Listeners:
    """``workers`` processes of ``medsec monitor listen --store db --reuse-port``."""

    def __init__(self, url: str, data_dir: Path, workers: int, batch: int) -> None:
        self.port = free_port()
        env = {**os.environ, "MEDSEC_DATABASE_URL": url, "MEDSEC_DATA_DIR": str(data_dir)}
        self.processes = []
        self.logs = []
        for n in range(workers):
            log = (data_dir / f"listener-{n}.log").open("w+b")
            self.logs.append(log)
            self.processes.append(subprocess.Popen(
                [MEDSEC, "monitor", "listen", "--store", "db",
                 "--organization", HOSPITAL, "--host", "127.0.0.1", "--tcp", str(self.port),
                 "--reuse-port", "--batch-size", str(batch),
                 "--spool", str(data_dir / f"spool-{n}.jsonl")],
                env=env, stdout=log, stderr=log,
            ))  # fmt: skip
        for n, log in enumerate(self.logs):
            if not wait_until(lambda log=log: b"listening on" in Path(log.name).read_bytes(), 120):
                raise SystemExit(f"listener {n} did not start:\n{Path(log.name).read_text()}")

    def stop(self) -> list[str]:
        for p in self.processes:
            p.terminate()
        for p in self.processes:
            p.wait(120)
        return [Path(log.name).read_text().strip().splitlines()[-1] for log in self.logs]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--loss-seconds", type=float, default=20.0)
    parser.add_argument(
        "--database",
        default=os.environ.get("MEDSEC_BENCH_DATABASE_URL")
        or os.environ.get("MEDSEC_TEST_DATABASE_URL"),
        help="a PostgreSQL URL; the bench creates and drops its own database on that server",
    )
    args = parser.parse_args()
    if not args.database:
        raise SystemExit("give --database postgresql+psycopg://… (or MEDSEC_TEST_DATABASE_URL)")
    with tempfile.TemporaryDirectory() as tmp, database(args.database) as url:
        data_dir = Path(tmp)
        migrate.upgrade(url)
        instance = Instance.from_settings(Settings(database_url=url, data_dir=data_dir))
        seed(instance)
        frames = stream(instance)

        def stored() -> int:
            with instance.db.session() as session:
                return session.execute(select(func.count(DeviceEvent.id))).scalar_one()

        enrich_rate, cpu_per_message, store_rate = in_process(
            instance, frames, min(args.messages, 10_000), args.batch_size
        )
        parts = payloads(frames, args.messages, args.connections)
        (data_dir / "rsyslog").mkdir()
        rsyslog = rsyslog_rate(data_dir / "rsyslog", parts, args.messages)
        load = os.getloadavg()[0]

        listeners = Listeners(url, data_dir, args.workers, args.batch_size)
        try:
            before = stored()
            start = time.perf_counter()
            send_all(listeners.port, parts)
            if not wait_until(lambda: stored() >= before + args.messages, 900):
                raise SystemExit(f"medsec stored {stored() - before} of {args.messages}")
            medsec = args.messages / (time.perf_counter() - start)

            before = stored()
            paced = 0.8 * medsec
            sent = send_paced(listeners.port, frames, paced, args.loss_seconds, args.connections)
            wait_until(lambda: stored() >= before + sent, 300)
            kept = stored() - before
        finally:
            summaries = listeners.stop()
        instance.db.dispose()

    print(f"stream: {len(frames)} distinct messages (demo assets × catalog samples), "
          f"{args.messages} sent over {args.connections} connections")  # fmt: skip
    print(f"in one process, no sockets: parse+attribute+enrich+row {enrich_rate:,.0f}/s "
          f"({cpu_per_message * 1e6:.0f} µs CPU/message), "
          f"store (COPY, alert rules) {store_rate:,.0f}/s")  # fmt: skip
    print(f"rsyslog imtcp → omfile:                    {rsyslog:,.0f} messages/s")
    print(f"medsec ×{args.workers} parse+enrich+alerts → PostgreSQL: {medsec:,.0f} messages/s "
          f"({medsec / rsyslog:.2f}× rsyslog)")  # fmt: skip
    print(f"at 80 % ({paced:,.0f}/s for {args.loss_seconds:.0f} s): sent {sent}, stored {kept}, "
          f"lost {sent - kept}")  # fmt: skip
    print(f"load average (1 min) when rsyslog ran: {load:.1f} on {os.cpu_count()} cores")
    for line in summaries:
        print(f"  listener: {line}")


if __name__ == "__main__":
    main()
