"""DuckDB reading a Zeek TSV file itself gives exactly what the Python reader gives.

The fast path (:func:`scan_zeek_tsv`) serves clean files; a file with anything doubtful
goes to the Python reader, so the aggregate table and the report are the same either way.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.flows.readers.values import address
from medsec.flows.scan import create_obs, load, load_python, scan_zeek_tsv

Rows = list[tuple[object, ...]]


def _obs(path: Path, how: str) -> tuple[Rows, object]:
    con = duckdb.connect()
    create_obs(con)
    if how == "python":
        report = load_python(con, path)
    elif how == "duckdb":
        report = scan_zeek_tsv(con, path)
    else:
        report = load(con, path)
    rows = con.execute("SELECT * FROM obs").fetchall()
    con.close()
    return sorted(rows, key=repr), report


def _canonical(rows: Rows) -> Rows:
    """Merge aggregate rows whose addresses differ only in spelling (``2001:DB8::1``)."""
    merged: dict[tuple[object, ...], tuple[int, int, float, float]] = {}
    for orig, resp, proto, port, service, flows, nbytes, first, last in rows:
        key = (address(str(orig)), address(str(resp)), proto, port, service)
        n, b, f, la = merged.get(key, (0, 0, float(first), float(last)))  # type: ignore[arg-type]
        merged[key] = (n + int(flows), b + int(nbytes), min(f, first), max(la, last))  # type: ignore[call-overload,arg-type]
    return sorted(((*k, *v) for k, v in merged.items()), key=repr)


def test_a_clean_file_is_read_by_duckdb_with_the_same_result(
    write_tsv, kit: SimpleNamespace
) -> None:
    path = write_tsv(
        [
            kit.conn_row("10.0.0.1", "10.0.0.2", 443, service="ssl"),
            kit.conn_row("10.0.0.1", "10.0.0.2", 443, service="ssl", ts=1700000100.25),
            kit.conn_row("10.0.0.1", "10.0.0.2", 443, orig_bytes="-"),
            kit.conn_row("2001:DB8::1", "10.0.0.9", 8, "icmp", orig_port=3),
            kit.conn_row("10.0.0.3", "10.0.0.2", 53, "UDP", service="dns", resp_bytes="-"),
        ]
    )
    fast, fast_report = _obs(path, "duckdb")
    slow, slow_report = _obs(path, "python")
    assert fast_report is not None, "a clean file must take the DuckDB path"
    assert fast_report == slow_report
    assert _canonical(fast) == _canonical(slow)
    assert ("10.0.0.1", "10.0.0.2", "tcp", 443, "ssl", 2, 600, 1700000000.5, 1700000100.25) in fast
    assert (
        "2001:db8::1",
        "10.0.0.9",
        "icmp",
        None,
        None,
        1,
        300,
        1700000000.5,
        1700000000.5,
    ) in slow


def test_a_file_with_malformed_lines_falls_back_to_the_python_reader(
    write_tsv, kit: SimpleNamespace
) -> None:
    path = write_tsv(
        [
            kit.conn_row("10.0.0.1", "10.0.0.2", 443),
            kit.conn_row("10.0.0.1", "10.0.0.2", 70000),
            kit.conn_row("not-an-ip", "10.0.0.2", 443),
            "1\t2",
        ]
    )
    assert _obs(path, "duckdb")[1] is None
    rows, report = _obs(path, "auto")
    assert (rows, report) == _obs(path, "python")
    assert report.malformed_count == 3  # type: ignore[attr-defined]


GOOD = {
    "ts": ["1700000000.500000", "1.000000", "1700000001.250000"],
    "addr": ["10.0.0.1", "10.0.0.2", "::1", "2001:DB8::1", "2001:db8::1"],
    "port": ["80", "443", "0", "65535"],
    "proto": ["tcp", "udp", "icmp", "TCP", "6", "unknown_transport"],
    "service": ["-", "(empty)", "ssl", "http,ssl", "dns"],
    "count": ["0", "100", "-", "999999999999"],
}
BAD = {
    "ts": ["x", "-", "1e3", "+1", ".5", "nan", "1700000000.5", "1700000000"],
    "addr": ["300.1.1.1", "-", "(empty)", "10.0.0.1 "],
    "port": ["65536", "-1", "0x10", "-", "1.5", " 80", "1_0", "080"],
    "proto": ["-", "", "(empty)"],
    "service": ["-"],
    "count": ["1e3", "-5", "(empty)", "1.0", "007"],
}


def _row(values: dict[str, list[str]]) -> st.SearchStrategy[list[str]]:
    v = {k: st.sampled_from(x) for k, x in values.items()}
    return st.builds(
        lambda ts, o, op, r, rp, proto, svc, ob, rb: [
            ts, "C1", o, op, r, rp, proto, svc, "0.500000", ob, rb, "SF", "-", "0", "ShAD", "1",
            "2", "3", "4", "(empty)",
        ],
        v["ts"], v["addr"], v["port"], v["addr"], v["port"], v["proto"], v["service"],
        v["count"], v["count"],
    )  # fmt: skip


ANY = {k: GOOD[k] + BAD[k] for k in GOOD}
CLEAN = _row(GOOD).map("\t".join)
DIRTY = st.one_of(
    _row(ANY).map("\t".join), _row(GOOD).map(lambda r: "\t".join(r[:-1])), st.just("#close\tx")
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(CLEAN, min_size=1, max_size=10),
    dirty=st.lists(st.tuples(st.integers(0, 10), DIRTY), max_size=2),
)
def test_both_ways_in_agree_on_any_file(
    tmp_path_factory: pytest.TempPathFactory,
    kit: SimpleNamespace,
    lines: list[str],
    dirty: list[tuple[int, str]],
) -> None:
    for at, line in dirty:
        lines.insert(at, line)
    path = tmp_path_factory.mktemp("scan") / "conn.log"
    path.write_text(kit.tsv_text(lines, close=False), encoding="utf-8")
    slow, slow_report = _obs(path, "python")
    fast, fast_report = _obs(path, "duckdb")
    if fast_report is not None:
        assert fast_report == slow_report
        assert _canonical(fast) == _canonical(slow)
    if not dirty:
        assert fast_report is not None, "a clean file must take the DuckDB path"
    assert _obs(path, "auto") == ((fast, fast_report) if fast_report else (slow, slow_report))
