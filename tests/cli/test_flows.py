"""`medsec flows check|learn` as a script runs them: output formats and exit status.

Exit status: 0 nothing found, 3 findings, 1 an error (printed, no traceback), 2 usage.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app
from medsec.errors import Error

FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service"]
MAP = {
    "map_version": 1, "site": "St. Example",
    "zones": [{"name": "devices", "cidrs": ["10.20.0.0/16"]}],
    "assets": [{"name": "pump", "addresses": ["10.20.3.11"], "zone": "devices"}],
    "flows": [{"id": "pump/hl7", "asset": "pump", "direction": "outbound", "protocol": "tcp",
               "ports": [[2575, 2575]], "peer_cidrs": ["10.30.0.5/32"]}],
    "conduits": [],
}  # fmt: skip


def _log(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "conn.log"
    path.write_text(
        "#separator \\x09\n#path\tconn\n#fields\t" + "\t".join(FIELDS) + "\n"
        + "".join(r + "\n" for r in rows)
    )  # fmt: skip
    return path


@pytest.fixture
def flow_map(tmp_path: Path) -> Path:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(MAP))
    return path


GOOD = "1.0\tC1\t10.20.3.11\t40000\t10.30.0.5\t2575\ttcp\t-"
BAD_PORT = "2.0\tC2\t10.20.3.11\t40001\t10.30.0.5\t22\ttcp\tssh"
NEW_DEVICE = "3.0\tC3\t10.20.9.9\t40002\t10.30.0.5\t2575\ttcp\t-"
MALFORMED = "x\tC4\t10.20.3.11\t1\t10.30.0.5\t2575\ttcp\t-"


def test_a_conforming_log_exits_0(tmp_path: Path, flow_map: Path) -> None:
    result = CliRunner().invoke(
        app, ["flows", "check", str(_log(tmp_path, GOOD)), "-a", str(flow_map)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "0 unauthorized flow groups, 1 uninventoried addresses "
        "(1 of them named by authorized flows)" in result.stdout
    )  # the EMR server: listed, but not a finding


def test_findings_exit_3_and_json_lists_them_with_malformed_lines(
    tmp_path: Path, flow_map: Path
) -> None:
    log = _log(tmp_path, GOOD, BAD_PORT, NEW_DEVICE, MALFORMED)
    result = CliRunner().invoke(
        app, ["flows", "check", str(log), "--authorized", str(flow_map), "--format", "json"]
    )
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    (violation,) = data["violations"]
    assert violation["asset"] == "pump" and violation["port"] == 22
    assert violation["class"] == "unexpected-port" and violation["services"] == ["ssh"]
    assert [(u["address"], u["known_peer"]) for u in data["uninventoried"]] == [
        ("10.30.0.5", True),
        ("10.20.9.9", False),
    ]
    assert data["files"][0]["malformed"] == [
        {"line": 7, "reason": "ts: 'x' is not a time in seconds"}
    ]
    assert (data["flows_read"], data["malformed_lines"]) == (3, 1)


def test_csv_has_one_row_per_finding(tmp_path: Path, flow_map: Path) -> None:
    log = _log(tmp_path, BAD_PORT, NEW_DEVICE)
    result = CliRunner().invoke(app, ["flows", "check", str(log), "-a", str(flow_map), "-f", "csv"])
    assert result.exit_code == 3
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["record"], r["asset"] or r["address"]) for r in rows] == [
        ("violation", "pump"), ("uninventoried", "10.30.0.5"), ("uninventoried", "10.20.9.9")
    ]  # fmt: skip


def test_learn_prints_proposals(tmp_path: Path, flow_map: Path) -> None:
    log = _log(tmp_path, NEW_DEVICE)
    result = CliRunner().invoke(
        app, ["flows", "learn", str(log), "-a", str(flow_map), "--asset", "10.20.9.9", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    (p,) = json.loads(result.stdout)["proposals"]
    assert (p["status"], p["peer_cidrs"], p["ports"]) == (
        "proposed",
        ["10.30.0.5/32"],
        [[2575, 2575]],
    )


def test_an_unreadable_log_is_an_error_exit_1_without_traceback(
    tmp_path: Path, flow_map: Path
) -> None:
    dns = tmp_path / "dns.log"
    dns.write_text("#separator \\x09\n#path\tdns\n#fields\tts\tquery\n1.0\texample.org\n")
    script = Path(sys.executable).with_name("medsec")
    done = subprocess.run(
        [str(script), "flows", "check", str(dns), "-a", str(flow_map)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {dns}: this is a Zeek dns.log")
    assert "Traceback" not in done.stderr


SITE = Path(__file__).resolve().parents[2] / "examples" / "site" / "st-example.yaml"
PUMP_TO_SERVER = "1.0\tC1\t10.20.3.11\t40000\t10.30.0.10\t8443\ttcp\tssl"
PUMP_TELNET = "2.0\tC2\t10.20.3.11\t40001\t10.30.0.10\t23\ttcp\t-"


def test_the_map_can_come_from_a_site_file(tmp_path: Path) -> None:
    """`--site` computes the map as `medsec network flows` does: the pump's declared flow
    to its server passes, telnet to the same server does not — reported for both ends."""
    log = _log(tmp_path, PUMP_TO_SERVER, PUMP_TELNET)
    result = CliRunner().invoke(
        app, ["flows", "check", str(log), "--site", str(SITE), "--format", "json"]
    )
    assert result.exit_code == 3, result.output
    violations = json.loads(result.stdout)["violations"]
    assert sorted((v["asset"], v["port"], v["class"]) for v in violations) == [
        ("pump-server-01", 23, "unexpected-peer"),
        ("pump-ward3-01", 23, "unexpected-port"),
    ]


@pytest.mark.parametrize("given", [[], ["-a", "map.json", "--site", str(SITE)]])
def test_exactly_one_source_of_authorized_flows(tmp_path: Path, given: list[str]) -> None:
    log = _log(tmp_path, PUMP_TO_SERVER)
    result = CliRunner().invoke(app, ["flows", "check", str(log), *given])
    assert isinstance(result.exception, Error)  # main() prints it and exits 1
    assert "either as --authorized MAP.json or as --site SITE.yaml" in str(result.exception)
