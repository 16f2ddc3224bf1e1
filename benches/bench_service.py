"""Benchmark P6: ``medsec serve`` with production settings under wrk on loopback.

Production settings: PostgreSQL (``MEDSEC_BENCH_DATABASE_URL``, default the local
``test`` server; a fresh database is created and dropped), one worker process per core,
access log off. Loads, each for ``--seconds`` with 64 connections:

- a public document: the published security guide (HTML) of a demo product;
- the same product's security.txt;
- an authenticated API list page: ``GET /api/v1/products`` with a bearer token;
- ``/healthz`` (no database, no goal): the framework's floor on this machine, to show
  how much of each request is medsec's own work.

Prints requests/s and p99 latency, and the ratio to the goals stated in issue 3
(≥ 2,000 requests/s with p99 ≤ 50 ms public; ≥ 500 requests/s authenticated), and the
CPU time per request of the server's workers and of the database's backends: wall clock
swings with whatever else runs on the machine, CPU per request much less.

    python3 -m uv run python benches/bench_service.py [--seconds 15] [--only LOAD]
        [--threads N] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select, text

from medsec.accounts import tokens
from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.accounts.roles import ROLE_PERMISSIONS
from medsec.audit.services import Context
from medsec.db import migrate
from medsec.demo import seed
from medsec.products.models import ProfileVersion
from medsec.service import Instance
from medsec.settings import Settings

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOALS: dict[str, tuple[int, float | None]] = {
    "public guide": (2000, 50.0),
    "public security.txt": (2000, 50.0),
    "authenticated list": (500, None),
}


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_second: float
    p99_ms: float
    #: Answers other than 2xx/3xx (a failure of the service).
    non_2xx: int
    #: wrk's socket errors: connect, read, write, and requests unanswered after 2 s.
    socket_errors: int
    #: CPU time (user + system) per request of the server's workers and of the database's
    #: backends, in ms: what one request costs, much less noisy than wall clock on a
    #: shared machine.
    server_cpu_ms: float
    database_cpu_ms: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_database(admin_url: str) -> tuple[str, str]:
    name = f"medsec_bench_{secrets.token_hex(4)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def drop_database(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def prepare(settings: Settings) -> tuple[int, str]:
    """Seed the demo data; return a published version id and an admin API token."""
    migrate.upgrade(settings.resolved_database_url())
    instance = Instance.from_settings(settings)
    seed(instance)
    with instance.db.session() as session:
        version_id = session.execute(
            select(ProfileVersion.id).where(ProfileVersion.status == "published").limit(1)
        ).scalar_one()
        user = session.execute(select(User).where(User.username == "analyst")).scalar_one()
        actor = actor_for(session, user, None, instance.auth, Context.cli("bench"))
        scopes = [p.value for p in ROLE_PERMISSIONS[actor.role]]
        _, token = tokens.create_token(session, actor, "benchmark", scopes, 1)
    instance.db.dispose()
    return version_id, token


def wait_ready(url: str, deadline: float, server: subprocess.Popen[bytes]) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited (code {server.returncode}); its log follows")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not become ready at {url}")


def parse_latency(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group(0))  # type: ignore[union-attr]
    if value.endswith("us"):
        return number / 1000
    if value.endswith("ms"):
        return number
    if value.endswith("s"):
        return number * 1000
    return number


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (the server's workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class CpuMeter:
    """CPU time of the server's processes and of the PostgreSQL backends serving the
    bench database (found in ``pg_stat_activity``; a backend that exits during a run is
    not counted, so the database figure is a lower bound)."""

    server_pid: int
    admin_url: str
    database: str

    def backends(self) -> list[int]:
        engine = create_engine(self.admin_url)
        with engine.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": self.database}
            ).scalars()
            found = [int(p) for p in pids]
        engine.dispose()
        return found

    def sample(self) -> tuple[dict[int, float], dict[int, float]]:
        server = {p: cpu_seconds(p) for p in [self.server_pid, *descendants(self.server_pid)]}
        return server, {p: cpu_seconds(p) for p in self.backends()}


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(p, 0.0) for p, t in after.items())


def run_wrk(
    name: str, url: str, seconds: int, meter: CpuMeter, header: str | None = None
) -> Result:
    command = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    server_before, database_before = meter.sample()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if not re.search(r"99%\s+[\d.]+", out):
        raise SystemExit(f"{name}: wrk reported no latency distribution:\n{out}")
    server_after, database_after = meter.sample()
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = parse_latency(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = socket_errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        non_2xx = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        socket_errors = sum(int(g) for g in match.groups())
    return Result(
        name,
        rps,
        p99,
        non_2xx,
        socket_errors,
        1000 * _spent(server_before, server_after) / max(total, 1),
        1000 * _spent(database_before, database_after) / max(total, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", action="store_true", help="print results as JSON too")
    parser.add_argument(
        "--only",
        action="append",
        choices=[
            "public guide",
            "public security.txt",
            "authenticated list",
            "health check (floor)",
        ],
        help="run only this load (repeatable)",
    )
    parser.add_argument(
        "--threads", type=int, help="MEDSEC_THREADS of the server (default: its own default)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each load this many times, one after another"
    )
    parser.add_argument(
        "--ready-timeout", type=int, default=300, help="seconds to wait for the server to start"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    admin_url = os.environ.get("MEDSEC_BENCH_DATABASE_URL", DEFAULT_PG)
    database_url, database = create_database(admin_url)
    data_dir = Path(tempfile.mkdtemp(prefix="medsec-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=data_dir, database_url=database_url, base_url=base)
    server = None
    log = (data_dir / "server.log").open("w")
    try:
        version_id, token = prepare(settings)
        env = {
            **os.environ,
            "MEDSEC_DATA_DIR": str(data_dir),
            "MEDSEC_DATABASE_URL": database_url,
            "MEDSEC_BASE_URL": base,
        }
        if args.threads is not None:
            env["MEDSEC_THREADS"] = str(args.threads)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "medsec.cli",
                "serve",
                "--no-migrate",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        # Importing the app takes seconds per worker, minutes on a heavily loaded machine.
        wait_ready(f"{base}/readyz", time.monotonic() + args.ready_timeout, server)
        guide = f"{base}/public/profiles/{version_id}/guide.html"
        txt = f"{base}/public/profiles/{version_id}/security.txt"
        for url in (guide, txt):  # warm the per-process caches of both workers
            for _ in range(20):
                urllib.request.urlopen(url, timeout=5).read()  # noqa: S310 (loopback)
        meter = CpuMeter(server.pid, admin_url, database)
        loads = {
            "public guide": (guide, None),
            "public security.txt": (txt, None),
            "authenticated list": (f"{base}/api/v1/products", f"Authorization: Bearer {token}"),
            "health check (floor)": (f"{base}/healthz", None),
        }
        results = [
            run_wrk(name, url, args.seconds, meter, header)
            for name, (url, header) in loads.items()
            if not args.only or name in args.only
            for _ in range(args.repeat)
        ]
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        drop_database(admin_url, database)
        log.close()
        sys.stderr.write((data_dir / "server.log").read_text()[-2000:])
        shutil.rmtree(data_dir, ignore_errors=True)

    threads = args.threads if args.threads is not None else Settings().threads
    print(
        f"medsec serve --workers {args.workers} on PostgreSQL, MEDSEC_THREADS={threads}; "
        f"wrk -t2 -c64 -d{args.seconds}s"
    )
    print(
        f"{'load':<22}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>9}{'sock/timeout':>14}"
        f"{'req/s ÷ goal':>15}{'p99 ÷ goal':>12}{'server CPU ms':>15}{'db CPU ms':>11}"
    )
    for r in results:
        goal_rps, goal_p99 = GOALS.get(r.name, (None, None))
        rps_ratio = f"{r.requests_per_second / goal_rps:.2f}" if goal_rps else "–"
        p99_ratio = f"{r.p99_ms / goal_p99:.2f}" if goal_p99 else "–"
        print(
            f"{r.name:<22}{r.requests_per_second:>10.0f}{r.p99_ms:>10.1f}{r.non_2xx:>9}"
            f"{r.socket_errors:>14}"
            f"{rps_ratio:>15}{p99_ratio:>12}{r.server_cpu_ms:>15.2f}{r.database_cpu_ms:>11.2f}"
        )
    if args.json:
        print(json.dumps([vars(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
