"""`medsec monitor parse` and `medsec monitor export` as a person runs them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from typer.testing import CliRunner

from medsec.cli.main import app
from medsec.errors import DocumentError, Error

if TYPE_CHECKING:
    from conftest import Rsyslog

REPO = Path(__file__).resolve().parents[2]
PUMP = REPO / "examples" / "infusion-pump.yaml"
PACS = REPO / "examples" / "pacs-server.yaml"
LINES = (
    b'<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 AUTH-FAIL [northwind@55555 serial="NW123"]'
    b" service login failed for user tech\n"
    b"<13>Dec 31 23:59:58 lvp pumpd: configuration changed\r\n"
    b"not syslog at all\n"
    b"<133>1 - pacs01 vista - CONFIG-CHANGED - config\n"
)


def run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_parse_prints_one_json_object_per_line_with_the_enrichment(tmp_path: Path) -> None:
    assets = tmp_path / "assets.yaml"
    assets.write_text(
        "assets:\n"
        "  - {id: pump-7, product: Northwind LVP 3000, version: 4.2.1, serial: NW123,\n"
        "     hostname: lvp}\n"
        "  - {id: pacs, product: Contoso Vista PACS, version: 12.4.0, hostname: pacs01}\n"
    )
    code, out, err = run(
        "monitor", "parse", "-p", str(PUMP), "-p", str(PACS), "--assets", str(assets),
        "--received", "2027-01-01T00:00:10+00:00", stdin=LINES,
    )  # fmt: skip
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["status"], r["asset"], r["event"] and r["event"]["id"]) for r in rows] == [
        ("catalogued", "pump-7", "AUTH-FAIL"),
        ("catalogued", "pump-7", "CONFIG-CHANGED"),
        ("uncatalogued", None, None),
        ("catalogued", "pacs", "CONFIG-CHANGED"),
    ]
    assert rows[1]["message"]["timestamp"] == "2026-12-31T23:59:58+00:00"
    assert rows[1]["message"]["inferred"] == ["time-zone", "year"]
    assert rows[1]["event"]["matched_by"] == "match-rule"
    assert rows[2]["message"]["parse_error"].startswith("not syslog")
    assert rows[2]["message"]["raw"] == "not syslog at all"
    assert rows[3]["product"]["name"] == "Contoso Vista PACS"
    assert "uncatalogued: (unattributed): 1" in err


def test_uncatalogued_report_from_the_events_file(tmp_path: Path) -> None:
    stdin = LINES + b"<36>1 - - pumpd - NEW-EVENT - first\n<36>1 - - pumpd - NEW-EVENT - again\n"
    _, out, _ = run("monitor", "parse", "-p", str(PUMP), stdin=stdin)
    events = tmp_path / "events.jsonl"
    events.write_text(out)
    code, report, err = run("monitor", "uncatalogued", str(events), "-f", "json")
    assert code == 0, err
    product = "Northwind Infusion Systems Northwind LVP 3000 4.2.1"
    assert json.loads(report) == [
        {"product": product, "app_name": "pumpd", "msgid": "NEW-EVENT", "reason": "no-event",
         "count": 2, "example": "<36>1 - - pumpd - NEW-EVENT - first"},
        {"product": product, "app_name": None, "msgid": None, "reason": "unparsed",
         "count": 1, "example": "not syslog at all"},
    ]  # fmt: skip


def test_uncatalogued_report_names_a_bad_line(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"status": "catalogued"}\n{"status": "uncatalogued"}\n')
    result = CliRunner().invoke(app, ["monitor", "uncatalogued", str(events)])
    assert isinstance(result.exception, Error)
    assert f"{events}:2: not an event line" in result.exception.message


def test_parse_text_and_the_rfc3164_time_zone() -> None:
    code, out, _ = run(
        "monitor", "parse", "-p", str(PUMP), "-f", "text", "--timezone", "Europe/Berlin",
        "--received", "2026-07-01T12:00:00", stdin=LINES[:200],
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == (
        "AUTH-FAIL [4] Northwind Infusion Systems Northwind LVP 3000 4.2.1: A service login failed."
    )


def test_export_writes_every_format(tmp_path: Path) -> None:
    for fmt in ("sigma", "wazuh", "cef-map"):
        code, _, err = run("monitor", "export", "--format", fmt, str(PUMP), "-o", str(tmp_path))
        assert code == 0, err
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    slug = "northwind-infusion-systems-northwind-lvp-3000"
    assert names == sorted([
        *(f"{slug}-{e}.yml" for e in ("auth-fail", "auth-lockout", "lib-sig-fail",
                                     "cert-expiring", "fw-updated", "time-jump-rejected",
                                     "config-changed")),
        "medsec_rfc5424_decoders.xml", f"{slug}_rules.xml", f"{slug}.cef-map.json",
        f"samples/{slug}.log",
    ])  # fmt: skip
    assert yaml.safe_load((tmp_path / f"{slug}-auth-fail.yml").read_text())["level"] == "medium"
    assert len((tmp_path / f"samples/{slug}.log").read_text().splitlines()) == 7


@pytest.mark.slow
def test_errors_are_diagnostics_not_tracebacks() -> None:
    # The installed entry point (with its error handler), in a fresh interpreter.
    result = subprocess.run(
        [sys.executable, "-m", "medsec.cli", "monitor", "parse", "--timezone", "Mars/Olympus"],
        input=b"", capture_output=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.decode().startswith("error: 'Mars/Olympus' is not a known time zone")
    assert b"Traceback" not in result.stderr


def test_a_bad_assets_map_is_a_document_error(tmp_path: Path) -> None:
    bad = tmp_path / "assets.yaml"
    bad.write_text("assets:\n  - {id: a}\n")
    result = CliRunner().invoke(app, ["monitor", "parse", "--assets", str(bad)], input=b"")
    assert isinstance(result.exception, DocumentError)
    assert f"{bad}:2:5: assets[0].product: Field required" in result.exception.diagnostics()


def _free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_listen_receives_and_forwards_until_terminated(tmp_path: Path, rsyslog: Rsyslog) -> None:
    output = tmp_path / "events.jsonl"
    udp, tcp = _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_STREAM)
    process = subprocess.Popen(
        [sys.executable, "-m", "medsec.cli", "monitor", "listen", "-p", str(PUMP),
         "--host", "127.0.0.1", "--udp", str(udp), "--tcp", str(tcp), "-o", str(output),
         "--forward", f"127.0.0.1:{rsyslog.tls_port}", "--forward-ca", str(rsyslog.ca_file)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        listening = [process.stderr.readline() for _ in range(2)]
        assert listening == [f"listening on udp://127.0.0.1:{udp}\n",
                             f"listening on tcp://127.0.0.1:{tcp}\n"]  # fmt: skip
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(LINES.splitlines()[0], ("127.0.0.1", udp))
        with socket.create_connection(("127.0.0.1", tcp)) as s:
            s.sendall(LINES)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if output.exists() and len(output.read_text().splitlines()) == 5:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    # UDP and TCP are separate streams: compare without order.
    assert sorted(str(r["event"] and r["event"]["id"]) for r in rows) == [
        "AUTH-FAIL", "AUTH-FAIL", "CONFIG-CHANGED", "CONFIG-CHANGED", "None",
    ]  # fmt: skip
    assert "received 5, written 5, truncated 0, unparsed 1, UDP dropped 0" in err
    forwarded = rsyslog.received(socket.gethostname(), 5)
    assert sorted(m["msgid"] for m in forwarded) == [
        "AUTH-FAIL", "AUTH-FAIL", "CONFIG-CHANGED", "CONFIG-CHANGED", "uncatalogued",
    ]  # fmt: skip
    assert all(m["msg"].startswith("CEF:0|Northwind Infusion Systems|") for m in forwarded)


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--store", "db", "-o", "x.jsonl", "--tcp", "0"], "--store db takes assets and profiles"),
        (["--store", "jsonl", "--tcp", "0"], "--store jsonl needs --output FILE"),
    ],
)
def test_listen_refuses_contradictory_stores(args: list[str], complaint: str) -> None:
    result = CliRunner().invoke(app, ["monitor", "listen", *args])
    assert result.exit_code != 0 and isinstance(result.exception, Error)
    assert complaint in result.exception.message


@pytest.mark.slow
def test_listen_stores_into_the_database(tmp_path: Path) -> None:
    from sqlalchemy import select

    from medsec.accounts.roles import OrganizationKind
    from medsec.accounts.services import create_organization
    from medsec.audit.services import Context
    from medsec.db import migrate
    from medsec.db.engine import Database
    from medsec.monitoring.models import DeviceEvent

    url = f"sqlite:///{tmp_path / 'medsec.db'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        create_organization(session, "Clinic", OrganizationKind.HEALTHCARE_PROVIDER,
                            Context.cli("test"))  # fmt: skip
    tcp = _free_port(socket.SOCK_STREAM)
    env = {**os.environ, "MEDSEC_DATABASE_URL": url, "MEDSEC_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "medsec.cli", "monitor", "listen", "--store", "db",
         "--host", "127.0.0.1", "--tcp", str(tcp), "--spool", str(tmp_path / "spool.jsonl")],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        assert process.stderr.readline() == f"listening on tcp://127.0.0.1:{tcp}\n"
        with socket.create_connection(("127.0.0.1", tcp)) as s:
            s.sendall(LINES)

        def stored() -> int:
            with db.session() as session:
                return len(session.execute(select(DeviceEvent.id)).all())

        deadline = time.monotonic() + 60
        while stored() < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        db.dispose()
    assert process.returncode == 0, err
    assert "received 4, stored 4, spooled 0, replayed 0, UDP dropped 0" in err
