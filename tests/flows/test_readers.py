"""The readers: Zeek TSV (header-driven), Zeek JSON (NDJSON), nfdump CSV.

A malformed line is counted with its line number and reason and never stops the run; a
file that is not a conn log at all is refused with an :class:`Error` naming what it is.
"""

from __future__ import annotations

import gzip
import json
import re
import string
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.flows.errors import FlowLogError
from medsec.flows.readers import detect_format, read_all
from medsec.flows.records import ObservedFlow

# -- Zeek TSV ---------------------------------------------------------------------------

HEADER_LINES = 8  # separator, set_separator, empty, unset, path, open, fields, types


def test_a_clean_tsv_log_reads_every_row(write_tsv, kit: SimpleNamespace) -> None:
    path = write_tsv(
        [
            kit.conn_row("10.0.0.1", "10.0.0.2", 443, service="ssl"),
            kit.conn_row("10.0.0.1", "2001:DB8::2", 53, "udp", orig_bytes="-"),
        ]
    )
    flows, report = read_all(path)
    assert report.format == "zeek-tsv"
    assert (report.rows, report.malformed_count) == (2, 0)
    assert flows[0] == ObservedFlow(
        ts=1700000000.5, uid="CuId1", orig_h="10.0.0.1", orig_p=40000, resp_h="10.0.0.2",
        resp_p=443, proto="tcp", service="ssl", duration=0.5, orig_bytes=100, resp_bytes=200,
        conn_state="SF",
    )  # fmt: skip
    # Unset fields are None; IPv6 addresses come out canonical.
    assert (flows[1].resp_h, flows[1].orig_bytes, flows[1].service) == ("2001:db8::2", None, None)


BAD_TSV_ROWS = [
    # (row, reason fragment)
    ("1.0\t10.0.0.1\t1", "expected 20 fields, found 3"),
    (None, "id.resp_p: '70000' is not a port"),
    (None, "ts: 'x' is not a time"),
    (None, "id.orig_h: '999.1.1.1' is not an IP address"),
    (None, "proto is unset"),
    (None, "expected 20 fields, found 21"),
    (None, "orig_bytes: '-5' is not a count"),
    (None, "ts is unset"),
]


def _bad_rows(kit: SimpleNamespace) -> list[str]:
    good = kit.conn_row("10.0.0.1", "10.0.0.2", 80)
    rows = [
        "1.0\t10.0.0.1\t1",
        "\t".join(kit.conn_row("10.0.0.1", "10.0.0.2", 70000)),
        "\t".join(kit.conn_row("10.0.0.1", "10.0.0.2", 80, ts="x")),
        "\t".join(kit.conn_row("999.1.1.1", "10.0.0.2", 80)),
        "\t".join(kit.conn_row("10.0.0.1", "10.0.0.2", 80, proto="-")),
        "\t".join([*good, "extra"]),
        "\t".join(kit.conn_row("10.0.0.1", "10.0.0.2", 80, orig_bytes="-5")),
        "\t".join(kit.conn_row("10.0.0.1", "10.0.0.2", 80, ts="-")),
    ]
    return ["\t".join(good), *rows, "\t".join(good)]


def test_malformed_tsv_lines_are_counted_with_line_numbers_and_reasons(
    write_tsv, kit: SimpleNamespace
) -> None:
    path = write_tsv(_bad_rows(kit))
    flows, report = read_all(path)
    assert report.rows == 2 == len(flows)
    assert report.malformed_count == len(BAD_TSV_ROWS)
    first_bad = HEADER_LINES + 2
    assert [m.line for m in report.malformed] == list(
        range(first_bad, first_bad + len(BAD_TSV_ROWS))
    )
    for malformed, (_, fragment) in zip(report.malformed, BAD_TSV_ROWS, strict=True):
        assert fragment in malformed.reason


def test_columns_are_found_by_name_so_missing_and_extra_fields_read_alike(
    write_tsv, kit: SimpleNamespace
) -> None:
    fields = ["site_tag", "id.resp_p", "proto", "ts", "id.orig_h", "id.orig_p", "id.resp_h"]
    path = write_tsv(
        ["ward3\t2575\ttcp\t5.25\t10.0.0.1\t40000\t10.0.0.2"], fields=fields, types=None
    )
    (flow,), report = read_all(path)
    assert report.malformed_count == 0
    assert flow.key == ("10.0.0.1", "10.0.0.2", "tcp", 2575)
    assert (flow.ts, flow.service, flow.orig_bytes) == (5.25, None, None)


def test_a_gzipped_log_reads_like_the_plain_one(
    write_tsv, kit: SimpleNamespace, tmp_path: Path
) -> None:
    plain = write_tsv(_bad_rows(kit))
    packed = tmp_path / "conn.log.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    flows, report = read_all(plain)
    assert read_all(packed) == (flows, replace(report, file=str(packed)))


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        (["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "query"], "dns",
         "this is a Zeek dns.log (#path dns), not conn.log"),
        (["ts", "id.orig_h", "id.orig_p", "id.resp_h", "proto"], None,
         "the #fields line lacks id.resp_p"),
    ],
)  # fmt: skip
def test_a_log_that_is_not_a_conn_log_is_refused(
    write_tsv, fields: list[str], path: str | None, message: str
) -> None:
    log = write_tsv(["\t".join("1" for _ in fields)], fields=fields, types=None, path=path)
    with pytest.raises(FlowLogError, match=re.escape(message)):
        read_all(log)


def test_a_second_header_in_the_file_starts_new_columns(write_tsv) -> None:
    second = "#fields\tid.orig_h\tid.resp_h\tid.orig_p\tid.resp_p\tproto\tts"
    path = write_tsv(
        ["1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t80\ttcp", second, "10.0.0.3\t10.0.0.4\t1\t22\ttcp\t2.0"],
        fields=["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"],
        types=None,
    )
    flows, _ = read_all(path)
    assert [f.key for f in flows] == [
        ("10.0.0.1", "10.0.0.2", "tcp", 80),
        ("10.0.0.3", "10.0.0.4", "tcp", 22),
    ]


# -- Zeek JSON ----------------------------------------------------------------------------


def _conn(**fields: object) -> dict[str, object]:
    record: dict[str, object] = {
        "ts": 1575413096.052279, "uid": "C1", "id.orig_h": "10.18.20.97", "id.orig_p": 49187,
        "id.resp_h": "10.18.20.8", "id.resp_p": 88, "proto": "tcp", "conn_state": "SF",
    }  # fmt: skip
    record.update(fields)
    return {k: v for k, v in record.items() if v is not None}


JSON_LINES = [
    # (line, reason fragment or None when the line is good)
    (json.dumps(_conn(service="krb_tcp", orig_bytes=242, resp_bytes=283)), None),
    ("this is not json", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    (json.dumps(_conn(**{"id.resp_h": None})), "id.resp_h is missing"),
    (json.dumps(_conn(**{"id.resp_p": "88"})), "id.resp_p: '88' is not a non-negative integer"),
    (json.dumps(_conn(**{"id.resp_p": 65536})), "id.resp_p: 65536 is not a port"),
    ('{"ts": NaN, "id.orig_h": "10.0.0.1", "id.orig_p": 1, "id.resp_h": "10.0.0.2", '
     '"id.resp_p": 2, "proto": "tcp", "conn_state": "S0"}', "ts: nan"),
    (json.dumps(_conn(ts="2019-12-03T22:44:56.052279Z")), None),
    ("", None),
    (json.dumps(_conn(orig_bytes=True)), "orig_bytes: True"),
]  # fmt: skip


def test_json_lines_read_with_unset_fields_omitted_and_bad_lines_counted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "conn.json"
    path.write_text("\n".join(line for line, _ in JSON_LINES) + "\n", encoding="utf-8")
    flows, report = read_all(path)
    assert report.format == "zeek-json"
    good = [i for i, (line, reason) in enumerate(JSON_LINES) if reason is None and line]
    assert report.rows == len(good) == len(flows)
    expected_bad = [(i + 1, r) for i, (_, r) in enumerate(JSON_LINES) if r is not None]
    assert [m.line for m in report.malformed] == [n for n, _ in expected_bad]
    for malformed, (_, fragment) in zip(report.malformed, expected_bad, strict=True):
        assert fragment in malformed.reason
    assert flows[0].service == "krb_tcp" and flows[0].bytes == 525
    assert flows[1].ts == pytest.approx(1575413096.052279)  # the ISO 8601 form
    assert flows[1].service is None and flows[1].orig_bytes is None


def test_a_json_log_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dns.log"
    path.write_text(
        json.dumps({"ts": 1.0, "uid": "C", "id.orig_h": "10.0.0.1", "id.orig_p": 1,
                    "id.resp_h": "10.0.0.2", "id.resp_p": 53, "proto": "udp", "query": "x"})
        + "\n"
    )  # fmt: skip
    with pytest.raises(FlowLogError, match=r"dns.log:1: not a Zeek conn log record"):
        read_all(path)


# -- nfdump CSV ---------------------------------------------------------------------------

NFDUMP_HEADER = "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das"


def _nf(sa: str, da: str, sp: str, dp: str, pr: str, ts: str = "2024-11-22 19:50:00.123") -> str:
    end = "2024-11-22 19:50:01.000"
    return f"{ts},{end},0.877,{sa},{da},{sp},{dp},{pr},.AP.SF,0,0,5,400,4,900,0,0,0,0"


def test_nfdump_csv_reads_by_column_name_and_stops_at_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "flows.csv"
    path.write_text(
        "\n".join(
            [
                NFDUMP_HEADER,
                _nf("10.0.0.1", "10.0.0.2", "40000", "443", "TCP"),
                _nf("10.0.0.1", "10.0.0.3", "40001", "53", "17"),
                _nf("10.0.0.1", "10.0.0.4", "0", "8.0", "ICMP"),
                _nf("10.0.0.1", "10.0.0.2", "40000", "99999", "TCP"),
                "2024-11-22 19:50:00,too,few",
                _nf("10.0.0.1", "10.0.0.2", "1", "2", "TCP", ts="yesterday"),
                "Summary",
                "flows,bytes,packets,avg_bps,avg_pps,avg_bpp",
                "3,2600,27,0,0,96",
            ]
        )
        + "\n"
    )
    flows, report = read_all(path)
    assert report.format == "nfdump-csv"
    assert [f.key for f in flows] == [
        ("10.0.0.1", "10.0.0.2", "tcp", 443),
        ("10.0.0.1", "10.0.0.3", "udp", 53),
        ("10.0.0.1", "10.0.0.4", "icmp", None),
    ]
    assert flows[0].bytes == 1300
    assert flows[0].ts == pytest.approx(1732305000.123)  # read as UTC
    assert [(m.line, m.reason.split(":")[0]) for m in report.malformed] == [
        (5, "dp"),
        (6, "expected 19 fields, found 3"),
        (7, "ts"),
    ]
    assert report.notes == ("line 8: nfdump summary, end of records",)


# -- detection and robustness -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "format"),
    [
        ("#separator \\x09\n#fields\tts\n", "zeek-tsv"),
        ('\n{"ts": 1}\n', "zeek-json"),
        (NFDUMP_HEADER + "\n", "nfdump-csv"),
    ],
)
def test_the_format_is_detected_from_the_first_line(tmp_path: Path, text: str, format: str) -> None:
    path = tmp_path / "log"
    path.write_text(text)
    assert detect_format(path) == format


@pytest.mark.parametrize("text", ["", "hello,world\n", "<xml/>\n"])
def test_an_unknown_file_is_an_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "log"
    path.write_text(text)
    with pytest.raises(FlowLogError, match="not a flow log medsec knows"):
        detect_format(path)


FIELD_VALUES = st.sampled_from(
    ["1.5", "x", "-", "(empty)", "10.0.0.1", "::1", "80", "70000", "tcp", "", "1e3", "#c",
     "{", '"', "ssl", "0"]
)  # fmt: skip
LINES = st.one_of(
    st.lists(FIELD_VALUES, min_size=0, max_size=9).map("\t".join),
    st.text(string.printable, max_size=40),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(LINES, max_size=8), prefix=st.sampled_from(["tsv", "json", "csv", ""]))
def test_any_content_gives_flows_and_a_report_or_an_error(
    tmp_path_factory: pytest.TempPathFactory, kit: SimpleNamespace, body: list[str], prefix: str
) -> None:
    head = {
        "tsv": kit.tsv_text([], fields=kit.CONN_FIELDS[:7], types=None, close=False),
        "json": json.dumps(_conn()) + "\n",
        "csv": NFDUMP_HEADER + "\n",
        "": "",
    }[prefix]
    path = tmp_path_factory.mktemp("any") / "log"
    path.write_text(head + "\n".join(body) + "\n", encoding="utf-8")
    try:
        flows, report = read_all(path)
    except Error:
        return
    assert report.rows == len(flows)
    assert all(m.line >= 1 for m in report.malformed)
