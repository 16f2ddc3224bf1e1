"""Every Zeek log in ../shared/data/zeek: conn logs read (TSV and JSON), the others refused.

For each conn log the expected number of flows and malformed lines is pinned; both ways
in (the Python reader, and DuckDB reading the file) must give it. Then the §8 hypothesis on
real traffic: with a map authorizing every observed flow of the busiest host but one,
exactly that one is flagged.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from medsec.flows.authorized import parse_map
from medsec.flows.engine import Session
from medsec.flows.errors import FlowLogError
from medsec.flows.readers import read_all
from medsec.flows.scan import create_obs, scan_zeek_json, scan_zeek_tsv

ZEEK = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "zeek" / "data"

#: conn logs: (flows, malformed lines).
CONN_LOGS = {
    "conn.log": (360, 0),
    "conn_date_issue.log": (3, 0),
    "json/conn.log": (50, 0),
}


def _logs() -> list[str]:
    if not ZEEK.is_dir():
        return []
    return sorted(str(p.relative_to(ZEEK)) for p in ZEEK.rglob("*.log"))


def _require() -> None:
    if not ZEEK.is_dir():
        reason = f"{ZEEK} is absent: the shared Zeek logs are not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)


def test_the_shared_data_has_the_logs_we_expect() -> None:
    _require()
    logs = _logs()
    assert set(CONN_LOGS) <= set(logs)
    assert len(logs) == 33, logs


@pytest.mark.parametrize("name", _logs() or ["(absent)"])
def test_each_log_is_read_or_refused_with_a_reason(name: str) -> None:
    _require()
    path = ZEEK / name
    if name not in CONN_LOGS:
        with pytest.raises(FlowLogError) as e:
            read_all(path)
        text = e.value.diagnostics()
        assert "not conn.log" in text or "not a Zeek conn log record" in text, text
        assert "pass conn.* files" in text
        return
    flows, report = read_all(path)
    assert (report.rows, report.malformed_count) == CONN_LOGS[name]
    assert len(flows) == report.rows
    with Session(parse_map({"map_version": 1}, "empty")) as session:
        loaded = session.load(path)
    assert (loaded.rows, loaded.malformed_count) == CONN_LOGS[name]
    # Zeek's own logs are clean, so DuckDB reads them itself (no Python fallback).
    con = duckdb.connect()
    create_obs(con)
    fast = scan_zeek_json if report.format == "zeek-json" else scan_zeek_tsv
    assert fast(con, path) == loaded


@pytest.mark.parametrize("name", sorted(CONN_LOGS))
def test_on_real_traffic_the_map_decides_exactly(name: str) -> None:
    _require()
    path = ZEEK / name
    flows, _ = read_all(path)
    host = Counter(f.orig_h for f in flows).most_common(1)[0][0]
    tuples = sorted(
        {("outbound", f.resp_h, f.proto, f.port) for f in flows if f.orig_h == host}
        | {("inbound", f.orig_h, f.proto, f.port) for f in flows if f.resp_h == host},
        key=repr,
    )
    left_out = tuples[len(tuples) // 2]
    entries: list[dict[str, Any]] = [
        {
            "id": f"host/{i}",
            "asset": "host",
            "direction": direction,
            "protocol": proto,
            "ports": [] if port is None else [[port, port]],
            "peer_cidrs": [peer],
        }
        for i, (direction, peer, proto, port) in enumerate(tuples)
        if (direction, peer, proto, port) != left_out and proto in ("tcp", "udp", "icmp")
    ]
    amap = parse_map(
        {"map_version": 1, "assets": [{"name": "host", "addresses": [host]}], "flows": entries},
        "real",
    )
    with Session(amap) as session:
        session.load(path)
        found = {(v.direction, v.peer, v.protocol, v.port) for v in session.violations()}
    assert left_out in found
    # Anything else flagged must be a flow the map could not express (another protocol).
    assert {t for t in found if t[2] in ("tcp", "udp", "icmp")} == {left_out}
