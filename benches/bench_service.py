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
(≥ 2,000 requests/s with p99 ≤ 50 ms public; ≥ 500 requests/s authenticated).

    python3 -m uv run python benches/bench_service.py [--seconds 15]
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


def wait_ready(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
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


def run_wrk(name: str, url: str, seconds: int, header: str | None = None) -> Result:
    command = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = parse_latency(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = socket_errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        non_2xx = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        socket_errors = sum(int(g) for g in match.groups())
    return Result(name, rps, p99, non_2xx, socket_errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", action="store_true", help="print results as JSON too")
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
        wait_ready(f"{base}/readyz", time.monotonic() + args.ready_timeout)
        guide = f"{base}/public/profiles/{version_id}/guide.html"
        txt = f"{base}/public/profiles/{version_id}/security.txt"
        for url in (guide, txt):  # warm the per-process caches of both workers
            for _ in range(20):
                urllib.request.urlopen(url, timeout=5).read()  # noqa: S310 (loopback)
        results = [
            run_wrk("public guide", guide, args.seconds),
            run_wrk("public security.txt", txt, args.seconds),
            run_wrk(
                "authenticated list",
                f"{base}/api/v1/products",
                args.seconds,
                f"Authorization: Bearer {token}",
            ),
            run_wrk("health check (floor)", f"{base}/healthz", args.seconds),
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

    print(f"medsec serve --workers {args.workers} on PostgreSQL; wrk -t2 -c64 -d{args.seconds}s")
    print(
        f"{'load':<22}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>9}{'sock/timeout':>14}"
        f"{'req/s ÷ goal':>15}{'p99 ÷ goal':>12}"
    )
    for r in results:
        goal_rps, goal_p99 = GOALS.get(r.name, (None, None))
        rps_ratio = f"{r.requests_per_second / goal_rps:.2f}" if goal_rps else "–"
        p99_ratio = f"{r.p99_ms / goal_p99:.2f}" if goal_p99 else "–"
        print(
            f"{r.name:<22}{r.requests_per_second:>10.0f}{r.p99_ms:>10.1f}{r.non_2xx:>9}"
            f"{r.socket_errors:>14}"
            f"{rps_ratio:>15}{p99_ratio:>12}"
        )
    if args.json:
        print(json.dumps([vars(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
