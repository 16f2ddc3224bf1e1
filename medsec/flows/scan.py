"""Loading observed flows into DuckDB, aggregated by (orig, resp, proto, port, service).

Two ways in, with the same result (``tests/flows/test_scan.py`` holds them equal):

* **DuckDB reads the file** (:func:`scan_zeek_tsv`): for Zeek TSV, the big case. The
  column list comes from the file's own ``#fields`` header; every column is read as text
  and checked in SQL, at least as strictly as :mod:`medsec.flows.readers.values` does.
  If DuckDB rejects a line, or a value is not in the form Zeek writes, or an address does
  not parse, the file is read again by the Python reader, which names each malformed
  line and why.
  Zeek JSON likewise (:func:`scan_zeek_json`): ``read_json`` with every field kept as
  JSON, so that its type can be checked (a port must be a JSON integer, as the Python
  reader requires); invalid JSON anywhere makes DuckDB fail and the Python reader take
  over.
* **The Python reader** (:func:`load_python`) for nfdump CSV and doubtful files:
  flows are aggregated in Python and the (much smaller) aggregate is copied in.

Either way the table ``obs`` holds one row per distinct tuple, with ``flows``, ``bytes``,
``first_ts`` and ``last_ts``; addresses are raw text, mapped to keys by :mod:`engine`.
"""

from __future__ import annotations

import csv
import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from medsec.flows.readers import detect_format, stream, values
from medsec.flows.readers.zeek_json import first_record, is_conn_record, not_conn
from medsec.flows.readers.zeek_tsv import read_header
from medsec.flows.records import PROTOCOL_NAMES, ReadReport, ReportBuilder

OBS_COLUMNS = {
    "orig": "VARCHAR",
    "resp": "VARCHAR",
    "proto": "VARCHAR",
    "port": "INTEGER",
    "service": "VARCHAR",
    "flows": "BIGINT",
    "bytes": "HUGEINT",
    "first_ts": "DOUBLE",
    "last_ts": "DOUBLE",
}

_ids = itertools.count()

Progress = Callable[[int], None]


def create_obs(con: duckdb.DuckDBPyConnection) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in OBS_COLUMNS.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE obs ({columns})")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def zeek_tsv_source(path: Path, rejects: str | None = None) -> str:
    """The ``read_csv(...)`` call for a Zeek TSV file, columns from its header.

    ``rejects`` names the table DuckDB stores rejected lines in (line number, reason).
    The benchmark's bare scan uses the same call.
    """
    header = read_header(path)
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    columns = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in header.fields)
    options = [
        f"delim={_literal(header.separator)}",
        "header=false",
        f"skip={header.lines}",
        "quote=''",
        "escape=''",
        "auto_detect=false",
        f"compression={_literal('gzip' if gzipped else 'none')}",
        f"columns={{{columns}}}",
    ]
    if rejects is not None:
        options += [
            "ignore_errors=true",
            "store_rejects=true",
            f"rejects_table={_literal(rejects)}",
            f"rejects_scan={_literal(rejects + '_scan')}",
        ]
    return f"read_csv({_literal(str(path))}, {', '.join(options)})"


def _protocol_sql(column: str) -> str:
    cases = " ".join(
        f"WHEN {_literal(number)} THEN {_literal(name)}" for number, name in PROTOCOL_NAMES.items()
    )
    return f"(CASE lower({column}) {cases} ELSE lower({column}) END)"


def scan_zeek_tsv(con: duckdb.DuckDBPyConnection, path: Path) -> ReadReport | None:
    """Aggregate a Zeek TSV file into ``obs`` inside DuckDB; ``None`` if in doubt.

    ``None`` means some line needs the Python reader (nothing was added to ``obs``).

    Per row, only the canonical forms Zeek writes are accepted without doubt: a time or
    interval exactly as ``%.6f`` prints it, a count or port in plain decimal (checked by
    a cast and back, which is far cheaper than a regular expression per value), none of
    them negative and no count above 18 digits, as the Python reader requires. Each value
    is parsed once: the parsed count is what is summed, the parsed ``DECIMAL`` time what
    is compared, and only a group's first and last time become ``DOUBLE`` (by way of
    their text, which is the text in the log). The group-key columns (addresses,
    protocol, responder port, service) are checked once per distinct value after
    aggregation. Anything else — a form the Python reader might still accept, or a
    malformed line — sends the file to the Python reader: the first doubtful row stops
    the scan (:data:`DOUBTFUL`).
    """
    header = read_header(path)
    n = next(_ids)
    rejects, staged = f"medsec_rejects_{n}", f"medsec_stage_{n}"
    u, e = _literal(header.unset), _literal(header.empty)
    parsed = _TsvColumns(header.fields, u)
    try:
        _stage_tsv(con, staged, parsed, zeek_tsv_source(path, rejects))
    except duckdb.Error:  # e.g. bytes that are not UTF-8: the Python reader copes
        for table in (staged, rejects, f"{rejects}_scan"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        return None
    rejected = [
        line
        for (line,) in con.execute(f"SELECT csv_line FROM {rejects}").fetchall()  # noqa: S608
        if not _benign(line)
    ]
    con.execute(f"DROP TABLE IF EXISTS {rejects}")
    con.execute(f"DROP TABLE IF EXISTS {rejects}_scan")
    return _finish(con, path, "zeek-tsv", staged, rejected, u, e)


#: The error a doubtful row raises, which ends the scan at once: the Python reader takes over.
DOUBTFUL = "medsec: a value the Python reader must judge"

#: Largest count the Python reader accepts (:data:`~medsec.flows.readers.values.COUNT_RE`).
_MAX_COUNT = 10**18 - 1


class _TsvColumns:
    """The SQL that parses each checked value of a TSV row once (``parsed``), and the
    row's verdict (``ok``) and byte count over those parsed values."""

    def __init__(self, fields: tuple[str, ...], unset: str) -> None:
        self.fields, self.unset = fields, unset
        self.parsed: list[str] = []
        checks = [
            self._number("ts", "ts", "DECIMAL(18,6)", optional=False),
            self._number("id.orig_p", "p_orig", "USMALLINT", optional=False),
            self._number("duration", "p_duration", "DECIMAL(18,6)", optional=True),
            self._number("orig_bytes", "p_orig_bytes", "BIGINT", optional=True),
            self._number("resp_bytes", "p_resp_bytes", "BIGINT", optional=True),
        ]
        self.ok = " AND ".join(checks)
        self.bytes = " + ".join(
            f"coalesce({alias}, 0)" if self._has(name) else "0"
            for name, alias in (("orig_bytes", "p_orig_bytes"), ("resp_bytes", "p_resp_bytes"))
        )

    def _has(self, name: str) -> bool:
        return name in self.fields

    def _number(self, name: str, alias: str, kind: str, *, optional: bool) -> str:
        """Parse ``name`` as ``alias`` (unset: NULL); the check that it is canonical."""
        if not self._has(name):
            self.parsed.append(f"NULL AS {alias}")
            return "true"
        c, raw = f'"{name}"', f"raw_{alias}"
        self.parsed += [
            f"TRY_CAST(NULLIF({c}, {self.unset}) AS {kind}) AS {alias}",
            f"{c} AS {raw}",
        ]
        limit = f" AND {alias} <= {_MAX_COUNT}" if kind == "BIGINT" else ""
        check = f"coalesce(CAST({alias} AS VARCHAR) = {raw} AND {alias} >= 0{limit}, false)"
        return f"({raw} = {self.unset} OR {check})" if optional else check

    def column(self, name: str) -> str:
        return f'"{name}"' if self._has(name) else "NULL"


def _stage_tsv(
    con: duckdb.DuckDBPyConnection, staged: str, parsed: _TsvColumns, source: str
) -> None:
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {staged} AS
        SELECT orig, resp, proto, resp_p, service, true AS ok, flows, bytes,
               TRY_CAST(CAST(first_ts AS VARCHAR) AS DOUBLE) AS first_ts,
               TRY_CAST(CAST(last_ts AS VARCHAR) AS DOUBLE) AS last_ts
        FROM (
            SELECT orig, resp, proto, resp_p, service,
                   count(*) AS flows, sum(bytes) AS bytes,
                   min(ts) AS first_ts, max(ts) AS last_ts
            FROM (
                SELECT orig, resp, proto, resp_p, service, {parsed.bytes} AS bytes,
                       CASE WHEN {parsed.ok} THEN ts ELSE error({_literal(DOUBTFUL)}) END AS ts
                FROM (
                    SELECT "id.orig_h" AS orig, "id.resp_h" AS resp, "proto" AS proto,
                           "id.resp_p" AS resp_p, {parsed.column("service")} AS service,
                           {", ".join(parsed.parsed)}
                    FROM {source}
                ) AS parsed
            ) AS rows
            GROUP BY orig, resp, proto, resp_p, service
        ) AS groups
        """  # noqa: S608
    )


def _finish(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    format: str,
    staged: str,
    rejected: list[str],
    unset: str,
    empty: str,
) -> ReadReport | None:
    """Check a staged aggregate per group and move it into ``obs``, or give up (``None``)."""
    proto = _protocol_sql("proto")
    try:
        doubtful = _scalar(
            con,
            f"""SELECT count(*) FROM {staged}
                WHERE NOT ok OR resp_p IS NULL OR proto IS NULL
                   OR NOT regexp_full_match(proto, '[A-Za-z0-9_.-]+')
                   OR NOT regexp_full_match(resp_p, '{values.PORT_RE}')
                   OR CAST(resp_p AS INTEGER) > 65535""",  # noqa: S608
        )
        addresses = con.execute(
            f"SELECT orig FROM {staged} UNION SELECT resp FROM {staged}"  # noqa: S608
        ).fetchall()
        if rejected or doubtful or not _all_addresses(a for (a,) in addresses):
            return None
        rows = _scalar(con, f"SELECT coalesce(sum(flows), 0) FROM {staged}")  # noqa: S608
        con.execute(
            f"""
            INSERT INTO obs
            SELECT orig, resp, proto, port, service, sum(flows), sum(bytes),
                   min(first_ts), max(last_ts)
            FROM (
                SELECT orig, resp, {proto} AS proto,
                       CASE WHEN {proto} = 'icmp' THEN NULL
                            ELSE CAST(resp_p AS INTEGER) END AS port,
                       CASE WHEN service IN ({unset}, {empty}, '') THEN NULL ELSE service END
                         AS service,
                       flows, bytes, first_ts, last_ts
                FROM {staged}
            ) AS normalized
            GROUP BY orig, resp, proto, port, service
            """  # noqa: S608
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {staged}")
    return ReadReport(str(path), format, int(rows), 0)


#: The conn fields the check reads from a JSON record.
JSON_FIELDS = (
    "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
    "duration", "orig_bytes", "resp_bytes", "conn_state",
)  # fmt: skip


def zeek_json_source(path: Path) -> str:
    """The ``read_json(...)`` call for a Zeek NDJSON file: each field kept as JSON."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    columns = ", ".join(f"{_literal(name)}: 'JSON'" for name in JSON_FIELDS)
    return (
        f"read_json({_literal(str(path))}, format='newline_delimited', "
        f"compression={_literal('gzip' if gzipped else 'none')}, columns={{{columns}}})"
    )


def scan_zeek_json(con: duckdb.DuckDBPyConnection, path: Path) -> ReadReport | None:
    """Aggregate a Zeek NDJSON file into ``obs`` inside DuckDB; ``None`` if in doubt.

    Each value must have the JSON type the Python reader requires (ports and counts
    non-negative integers, times finite non-negative numbers, text as strings); an ISO
    8601 ``ts``, invalid JSON or anything else sends the file to the Python reader.
    """
    first = first_record(path)
    if first is None:
        return None
    if not is_conn_record(first[1]):
        raise not_conn(path, *first)
    n = next(_ids)
    staged = f"medsec_stage_{n}"

    def q(name: str) -> str:
        return f'"{name}"'

    def integer(name: str, limit: str) -> str:
        c = q(name)
        return f"(json_type({c}) = 'UBIGINT' AND CAST({c} AS UBIGINT) < {limit})"

    def number(name: str) -> str:
        c = q(name)
        return (
            f"(json_type({c}) IN ('UBIGINT', 'DOUBLE') AND NOT isnan(CAST({c} AS DOUBLE)) "
            f"AND CAST({c} AS DOUBLE) >= 0 AND CAST({c} AS DOUBLE) < 1e18)"
        )

    def text(name: str) -> str:
        return f"json_type({q(name)}) = 'VARCHAR'"

    def absent_or(name: str, check: str) -> str:
        return f"({q(name)} IS NULL OR {check})"

    row_ok = " AND ".join(
        [
            number("ts"),
            integer("id.orig_p", "65536"),
            integer("id.resp_p", "65536"),
            text("id.orig_h"),
            text("id.resp_h"),
            text("proto"),
            absent_or("uid", text("uid")),
            absent_or("service", text("service")),
            absent_or("conn_state", text("conn_state")),
            absent_or("duration", number("duration")),
            absent_or("orig_bytes", integer("orig_bytes", "1000000000000000000")),
            absent_or("resp_bytes", integer("resp_bytes", "1000000000000000000")),
        ]
    )

    def count(name: str) -> str:
        c = q(name)
        return (
            f"coalesce(TRY_CAST(CASE WHEN json_type({c}) = 'UBIGINT' THEN {c} END AS HUGEINT), 0)"
        )

    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {staged} AS
            SELECT orig, resp, proto, resp_p, service, bool_and(ok) AS ok,
                   count(*) AS flows, sum(bytes) AS bytes,
                   min(ts) AS first_ts, max(ts) AS last_ts
            FROM (
                SELECT "id.orig_h"->>'$' AS orig, "id.resp_h"->>'$' AS resp,
                       "proto"->>'$' AS proto,
                       CAST(TRY_CAST("id.resp_p" AS UBIGINT) AS VARCHAR) AS resp_p,
                       NULLIF("service"->>'$', '') AS service, {row_ok} AS ok,
                       {count("orig_bytes")} + {count("resp_bytes")} AS bytes,
                       TRY_CAST("ts" AS DOUBLE) AS ts
                FROM {zeek_json_source(path)}
            ) AS rows
            GROUP BY orig, resp, proto, resp_p, service
            """  # noqa: S608
        )
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {staged}")
        return None  # invalid JSON somewhere: the Python reader names the lines
    return _finish(con, path, "zeek-json", staged, [], "NULL", "NULL")


#: ``#`` lines that change how the following lines read: the fast path gives up on them.
HEADER_DIRECTIVES = ("#fields", "#types", "#separator", "#unset_field", "#empty_field", "#path")


def _benign(line: str | None) -> bool:
    """A rejected line the Python reader ignores too (``#close``, ``#open``…)."""
    return line is not None and line.startswith("#") and not line.startswith(HEADER_DIRECTIVES)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    if row is None:  # pragma: no cover - an aggregate returns one row
        raise AssertionError(sql)
    return int(row[0])


def _all_addresses(texts: object) -> bool:
    for text in texts:  # type: ignore[attr-defined]
        try:
            values.address(text)
        except ValueError:
            return False
    return True


def load_python(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    format: str | None = None,
    progress: Progress | None = None,
) -> ReadReport:
    """Read ``path`` with its Python reader, aggregate, and copy the aggregate into ``obs``."""
    report = ReportBuilder(str(path), format or detect_format(path))
    groups: dict[tuple[str, str, str, int | None, str | None], list[float]] = {}
    for i, flow in enumerate(stream(path, report), start=1):
        key = (flow.orig_h, flow.resp_h, flow.proto, flow.port, flow.service)
        group = groups.get(key)
        if group is None:
            groups[key] = [1, flow.bytes, flow.ts, flow.ts]
        else:
            group[0] += 1
            group[1] += flow.bytes
            group[2] = min(group[2], flow.ts)
            group[3] = max(group[3], flow.ts)
        if progress is not None and i % 100_000 == 0:
            progress(100_000)
    if groups:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".csv", newline="", encoding="utf-8", delete=False
        ) as f:
            writer = csv.writer(f)
            for (orig, resp, proto, port, service), (n, b, first, last) in groups.items():
                writer.writerow(
                    [
                        orig,
                        resp,
                        proto,
                        "" if port is None else port,
                        service or "",
                        int(n),
                        int(b),
                        repr(first),
                        repr(last),
                    ]
                )
        try:
            types = ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in OBS_COLUMNS.items())
            con.execute(
                f"INSERT INTO obs SELECT * FROM read_csv({_literal(f.name)}, header=false, "  # noqa: S608
                f"delim=',', quote='\"', escape='\"', auto_detect=false, columns={{{types}}})"
            )
        finally:
            Path(f.name).unlink()
    return report.build()


def load(
    con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None = None
) -> ReadReport:
    """Load one file into ``obs`` by the fastest way that gives the exact answer."""
    format = detect_format(path)
    fast = {"zeek-tsv": scan_zeek_tsv, "zeek-json": scan_zeek_json}.get(format)
    if fast is not None:
        report = fast(con, path)
        if report is not None:
            return report
    return load_python(con, path, format, progress)
