"""DuckDB reading a Zeek TSV file itself gives exactly what the Python reader gives.

The fast path (:func:`scan_zeek_tsv`) serves clean files; a file with anything doubtful
goes to the Python reader, so the aggregate table and the report are the same either way.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.flows.readers.values import address
from medsec.flows.scan import create_obs, load, load_python, scan_zeek_json, scan_zeek_tsv

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


# -- Zeek JSON: DuckDB's read_json against the Python reader ---------------------------------


JSON_GOOD: dict[str, list[object]] = {
    "ts": [1575413096.052279, 1575413100, 0.5],
    "id.orig_h": ["10.18.20.97", "2001:DB8::1", "2001:db8::1"],
    "id.orig_p": [49187, 0, 65535],
    "id.resp_h": ["10.18.20.8", "::1"],
    "id.resp_p": [88, 443, 0],
    "proto": ["tcp", "udp", "icmp", "TCP"],
    "service": ["krb_tcp", "ssl", "", None],
    "orig_bytes": [242, 0, None],
    "conn_state": ["SF", None],
}
JSON_BAD: dict[str, list[object]] = {
    "ts": ["2019-12-03T22:44:56Z", -1, True, "x", 1e30],
    "id.orig_h": ["999.1.1.1", 10, None],
    "id.orig_p": [80.0, -1, 65536, "80"],
    "id.resp_h": ["x", None],
    "id.resp_p": [88.5, 70000, None, "443"],
    "proto": ["", 6, None],
    "service": [5, ["ssl"]],
    "orig_bytes": [-1, 1.5, "100", 10**19],
    "conn_state": [1],
}


def _record(values: dict[str, list[object]]) -> st.SearchStrategy[str]:
    fields = {k: st.sampled_from(v) for k, v in values.items()}
    return st.fixed_dictionaries(fields).map(
        lambda r: json.dumps({k: v for k, v in r.items() if v is not None})
    )


JSON_ANY = {k: JSON_GOOD[k] + JSON_BAD[k] for k in JSON_GOOD}
JSON_DIRTY = st.one_of(
    _record(JSON_ANY), st.just("not json"), st.just("[1, 2]"), st.just(""),
    st.just('{"ts": NaN, "id.orig_h": "10.0.0.1", "id.orig_p": 1, "id.resp_h": "10.0.0.2", '
            '"id.resp_p": 2, "proto": "tcp"}'),
)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_record(JSON_GOOD), min_size=1, max_size=10),
    dirty=st.lists(st.tuples(st.integers(1, 10), JSON_DIRTY), max_size=2),
)
def test_json_both_ways_in_agree(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], dirty: list[tuple[int, str]]
) -> None:
    lines[0] = json.dumps({**json.loads(lines[0]), "conn_state": "SF"})  # a conn record first
    for at, line in dirty:
        lines.insert(at, line)
    path = tmp_path_factory.mktemp("json") / "conn.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    slow, slow_report = _obs(path, "python")
    fast, fast_report = _obs(path, "auto")
    assert fast_report == slow_report
    assert _canonical(fast) == _canonical(slow)
    if not dirty:
        con = duckdb.connect()
        create_obs(con)
        assert scan_zeek_json(con, path) is not None, "a clean file must take the DuckDB path"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("orig_bytes", "-5"),
        ("resp_bytes", "1234567890123456789"),
        ("ts", "-1.000000"),
    ],
)
def test_values_the_python_reader_calls_malformed_send_the_file_to_it(
    write_tsv, kit: SimpleNamespace, field: str, value: str
) -> None:
    """Regression: the fast path took negative counts and times and 19-digit counts
    (their cast and back is exact) while the Python reader calls the line malformed."""
    path = write_tsv(
        [
            kit.conn_row("10.0.0.1", "10.0.0.2", 443),
            kit.conn_row("10.0.0.1", "10.0.0.2", 443, **{field: value}),
        ]
    )
    assert _obs(path, "duckdb")[1] is None
    rows, report = _obs(path, "auto")
    assert (rows, report) == _obs(path, "python")
    assert report.malformed_count == 1  # type: ignore[attr-defined]
