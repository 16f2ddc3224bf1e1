"""The conformance engine: observed flows anti-joined against the authorized map, in DuckDB.

>>> import tempfile, pathlib
>>> from medsec.flows.authorized import parse_map
>>> m = parse_map({"map_version": 1, "assets": [{"name": "pump", "addresses": ["10.0.0.5"]}],
...     "flows": [{"id": "f", "asset": "pump", "direction": "outbound", "protocol": "tcp",
...     "ports": [[2575, 2575]], "peer_cidrs": ["10.0.1.1/32"]}]}, "map")
>>> log = pathlib.Path(tempfile.mkdtemp()) / "conn.log"
>>> _ = log.write_text("#fields\\tts\\tid.orig_h\\tid.orig_p\\tid.resp_h\\tid.resp_p\\tproto\\n"
...     "1.0\\t10.0.0.5\\t40000\\t10.0.1.1\\t2575\\ttcp\\n"
...     "2.0\\t10.0.0.5\\t40001\\t10.0.1.1\\t22\\ttcp\\n")
>>> [(v.peer, v.port, v.cls.value) for v in check([log], m).violations]
[('10.0.1.1', 22, 'unexpected-port')]

How it works. The logs are aggregated into one row per (orig, resp, proto, port, service)
(:mod:`medsec.flows.scan`); the distinct addresses are parsed once in Python into 128-bit
keys (:mod:`medsec.flows.addresses`); then plain SQL — joins, ``BETWEEN`` for CIDR and port
ranges, ``GROUP BY`` — finds, for every aggregate row with an inventoried endpoint, whether
some authorized flow of that asset matches (direction, protocol, port range, peer CIDR).
The SQL uses no DuckDB-only function except ``HUGEINT`` (two ``BIGINT`` columns elsewhere)
and ``read_csv``, so it can move to another SQL engine per partition (site/day).

A flow is authorized when **either** endpoint's asset has a matching flow. Each flagged
row is reported from each inventoried endpoint's side, with every class that applies
(:class:`~medsec.flows.results.ViolationClass`) and the first of them as its class.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

import duckdb

from medsec.errors import Error
from medsec.flows import addresses, scan
from medsec.flows.authorized import AuthorizedMap
from medsec.flows.cleartext import is_cleartext
from medsec.flows.errors import FlowLogError
from medsec.flows.readers import values
from medsec.flows.records import ReadReport
from medsec.flows.results import CheckResult, Uninventoried, Violation, ViolationClass

C = ViolationClass


def _insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: dict[str, str],
    rows: Iterable[Sequence[object]],
) -> None:
    """Create ``table`` and fill it through a temporary CSV (fast, no numpy needed)."""
    spec = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({spec})")
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", newline="", encoding="utf-8", delete=False
    ) as f:
        writer = csv.writer(f)
        count = 0
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    try:
        if count:
            types = ", ".join(f"'{k}': '{v}'" for k, v in columns.items())
            path = f.name.replace("'", "''")
            con.execute(
                f"INSERT INTO {table} SELECT * FROM read_csv('{path}', header=false, "  # noqa: S608
                f"delim=',', quote='\"', escape='\"', auto_detect=false, columns={{{types}}})"
            )
    finally:
        Path(f.name).unlink()


def _fetchable(flows: str, nbytes: str, first: str, last: str) -> str:
    """Flows, bytes and first/last time as the columns Python receives fastest.

    DuckDB hands a ``BIGINT`` to Python several times faster than a ``HUGEINT`` and a
    ``VARCHAR`` faster than a ``DOUBLE`` (whose text is its shortest round-trip form, so
    ``float()`` gives back the same number). Bytes beyond ``BIGINT`` come in a second
    column (``NULL`` otherwise); :func:`_bytes` puts them together.
    """
    return (
        f"CAST({flows} AS BIGINT) AS flows, TRY_CAST({nbytes} AS BIGINT) AS bytes, "
        f"CASE WHEN TRY_CAST({nbytes} AS BIGINT) IS NULL THEN {nbytes} END AS big_bytes, "
        f"CAST({first} AS VARCHAR) AS first_ts, CAST({last} AS VARCHAR) AS last_ts"
    )


def _bytes(small: int | None, big: int | None) -> int:
    if small is not None:
        return small
    if big is None:  # pragma: no cover - one of the two columns is set
        raise AssertionError("bytes missing")
    return int(big)


class Session:
    """One DuckDB connection holding the observed flows of some logs and one map."""

    def __init__(
        self,
        amap: AuthorizedMap,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.map = amap
        self.con = duckdb.connect(":memory:")
        try:
            if memory_limit:
                quoted = memory_limit.replace("'", "''")
                self.con.execute(f"SET memory_limit = '{quoted}'")
            if threads:
                self.con.execute(f"SET threads = {int(threads)}")
        except duckdb.Error as e:
            self.con.close()
            raise Error(
                f"--memory-limit {memory_limit!r}: {e}", hint="give a size such as 1GB or 512MB"
            ) from e
        self.con.execute("SET preserve_insertion_order = false")
        # DuckDB draws its own bar on stdout for queries over 2 s: that broke `--format json`.
        self.con.execute("SET enable_progress_bar = false")
        scan.create_obs(self.con)
        self.reports: list[ReadReport] = []
        self._prepared = False
        self._map_tables()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.con.close()

    def load(self, path: Path, progress: scan.Progress | None = None) -> ReadReport:
        if not path.is_file():
            raise FlowLogError(f"{path}: no such file")
        try:
            report = scan.load(self.con, path, progress)
        except duckdb.OutOfMemoryException as e:
            raise Error(
                f"{path}: out of memory while reading: {e}",
                hint="raise --memory-limit or split the logs (per day, per site)",
            ) from e
        except duckdb.Error as e:
            raise FlowLogError(f"{path}: DuckDB could not read it: {e}") from e
        self.reports.append(report)
        self._prepared = False
        return report

    # -- the map as tables -------------------------------------------------------------

    def _map_tables(self) -> None:
        m = self.map
        with_flows = {f.asset for f in m.flows}
        _insert(
            self.con,
            "asset_addr",
            {"k": "HUGEINT", "asset": "VARCHAR", "zone": "VARCHAR", "isolated": "BOOLEAN",
             "has_flows": "BOOLEAN"},
            (
                (addresses.to_key(addr), a.name, a.zone, a.isolated, a.name in with_flows)
                for a in m.assets
                for addr in a.addresses
            ),
        )  # fmt: skip
        allowed = []
        for f in m.flows:
            ranges: Sequence[tuple[int | None, int | None]] = (
                [(None, None)] if f.protocol == "icmp" else f.ports
            )
            for cidr in f.peer_cidrs:
                lo, hi = addresses.key_range(cidr)
                allowed += [
                    (f.id, f.asset, f.direction, f.protocol, plo, phi, lo, hi, f.phi)
                    for plo, phi in ranges
                ]
        _insert(
            self.con,
            "allowed",
            {"flow_id": "VARCHAR", "asset": "VARCHAR", "direction": "VARCHAR",
             "proto": "VARCHAR", "plo": "INTEGER", "phi": "INTEGER", "clo": "HUGEINT",
             "chi": "HUGEINT", "phi_data": "BOOLEAN"},
            allowed,
        )  # fmt: skip
        _insert(
            self.con,
            "zone_cidr",
            {"zone": "VARCHAR", "lo": "HUGEINT", "hi": "HUGEINT", "prefix": "INTEGER",
             "internet": "BOOLEAN"},
            (
                (z.name, *addresses.key_range(c), addresses.prefix_length(c), z.internet)
                for z in m.zones
                for c in z.cidrs
            ),
        )  # fmt: skip
        _insert(
            self.con,
            "special",
            {"kind": "VARCHAR", "lo": "HUGEINT", "hi": "HUGEINT", "prefix": "INTEGER"},
            (
                (kind, *addresses.key_range(c), addresses.prefix_length(c))
                for c, kind in addresses.SPECIAL_RANGES
            ),
        )
        conduits = []
        for c in m.conduits:
            for s in c.services:
                ranges = [(None, None)] if s.protocol == "icmp" else s.ports
                conduits += [(c.from_zone, c.to_zone, s.protocol, lo, hi) for lo, hi in ranges]
        _insert(
            self.con,
            "conduit",
            {"from_zone": "VARCHAR", "to_zone": "VARCHAR", "proto": "VARCHAR",
             "plo": "INTEGER", "phi": "INTEGER"},
            conduits,
        )  # fmt: skip

    # -- observed addresses and flows ---------------------------------------------------

    def prepare(self) -> None:
        """Canonical addresses, their zone/asset/internet facts, and the per-side rows."""
        if self._prepared:
            return
        con = self.con
        raws = [
            r for (r,) in con.execute("SELECT orig FROM obs UNION SELECT resp FROM obs").fetchall()
        ]
        canonical = {raw: values.address(raw) for raw in raws}
        _insert(con, "addr_raw", {"raw": "VARCHAR", "addr": "VARCHAR"}, canonical.items())
        _insert(
            con,
            "addr",
            {"addr": "VARCHAR", "k": "HUGEINT"},
            ((a, addresses.to_key(a)) for a in set(canonical.values())),
        )
        internet_zone = next((z.name for z in self.map.zones if z.internet and not z.cidrs), None)
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE oc AS
            SELECT row_number() OVER () AS id, * FROM (
                SELECT ro.addr AS orig, rr.addr AS resp, o.proto, o.port, o.service,
                       sum(o.flows) AS flows, sum(o.bytes) AS bytes,
                       min(o.first_ts) AS first_ts, max(o.last_ts) AS last_ts
                FROM obs o
                JOIN addr_raw ro ON ro.raw = o.orig
                JOIN addr_raw rr ON rr.raw = o.resp
                GROUP BY ro.addr, rr.addr, o.proto, o.port, o.service
            ) AS g
            """
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE peer_range AS SELECT DISTINCT clo, chi FROM allowed"
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE info AS
            SELECT a.addr, a.k, aa.asset, coalesce(aa.isolated, false) AS isolated,
                   coalesce(aa.zone, z.zone,
                            CASE WHEN s.kind IS NULL THEN ? END) AS zone,
                   CASE WHEN aa.asset IS NOT NULL THEN false
                        WHEN z.zone IS NOT NULL THEN z.internet
                        ELSE s.kind IS NULL END AS internet,
                   s.kind,
                   EXISTS (SELECT 1 FROM peer_range p WHERE a.k BETWEEN p.clo AND p.chi)
                     AS known_peer
            FROM addr a
            LEFT JOIN asset_addr aa ON aa.k = a.k
            LEFT JOIN (
                SELECT addr, zone, internet FROM (
                    SELECT a.addr, z.zone, z.internet,
                           row_number() OVER (PARTITION BY a.addr
                                              ORDER BY z.prefix DESC, z.zone) AS rn
                    FROM addr a JOIN zone_cidr z ON a.k BETWEEN z.lo AND z.hi
                ) AS ranked WHERE rn = 1
            ) AS z ON z.addr = a.addr
            LEFT JOIN (
                SELECT addr, kind FROM (
                    SELECT a.addr, s.kind,
                           row_number() OVER (PARTITION BY a.addr
                                              ORDER BY s.prefix DESC) AS rn
                    FROM addr a JOIN special s ON a.k BETWEEN s.lo AND s.hi
                ) AS ranked WHERE rn = 1
            ) AS s ON s.addr = a.addr
            """,
            [internet_zone],
        )
        services = [s for (s,) in con.execute("SELECT DISTINCT service FROM oc").fetchall()]
        _insert(
            con,
            "service_class",
            {"service": "VARCHAR", "cleartext": "BOOLEAN"},
            ((s, is_cleartext(s)) for s in services if s is not None),
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE side AS
            SELECT row_number() OVER () AS sid, * FROM (
                SELECT o.id, 'outbound' AS direction, io.asset, io.isolated,
                       o.resp AS peer, ir.k AS peer_k, ir.asset AS peer_asset,
                       ir.zone AS peer_zone, ir.internet AS peer_internet,
                       io.zone AS orig_zone, ir.zone AS resp_zone,
                       o.proto, o.port, o.service, o.flows, o.bytes, o.first_ts, o.last_ts
                FROM oc o JOIN info io ON io.addr = o.orig JOIN info ir ON ir.addr = o.resp
                WHERE io.asset IS NOT NULL
                UNION ALL
                SELECT o.id, 'inbound', ir.asset, ir.isolated,
                       o.orig, io.k, io.asset, io.zone, io.internet,
                       io.zone, ir.zone,
                       o.proto, o.port, o.service, o.flows, o.bytes, o.first_ts, o.last_ts
                FROM oc o JOIN info io ON io.addr = o.orig JOIN info ir ON ir.addr = o.resp
                WHERE ir.asset IS NOT NULL
            ) AS sides
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE judged AS
            WITH m AS (
                SELECT s.sid,
                       coalesce(bool_or(a.direction = s.direction AND a.proto = s.proto
                            AND (s.proto = 'icmp' OR s.port BETWEEN a.plo AND a.phi)), false)
                         AS matched,
                       coalesce(bool_or(a.proto = s.proto
                            AND (s.proto = 'icmp' OR s.port BETWEEN a.plo AND a.phi)), false)
                         AS any_direction,
                       count(a.asset) > 0 AS peer_known,
                       coalesce(bool_or(a.direction = s.direction AND a.proto = s.proto
                            AND (s.proto = 'icmp' OR s.port BETWEEN a.plo AND a.phi)
                            AND a.phi_data), false) AS phi
                FROM side s
                LEFT JOIN allowed a ON a.asset = s.asset AND s.peer_k BETWEEN a.clo AND a.chi
                GROUP BY s.sid
            ),
            auth AS (
                SELECT s.id, bool_or(m.matched) AS authorized
                FROM side s JOIN m ON m.sid = s.sid GROUP BY s.id
            ),
            conduit_ok AS (
                SELECT s.sid FROM side s JOIN conduit c
                  ON c.from_zone = s.orig_zone AND c.to_zone = s.resp_zone
                 AND c.proto = s.proto
                 AND (s.proto = 'icmp' OR s.port BETWEEN c.plo AND c.phi)
                GROUP BY s.sid
            )
            SELECT s.*,
                   NOT au.authorized AND NOT m.peer_known AS c_peer,
                   NOT au.authorized AND m.peer_known AND NOT m.any_direction AS c_port,
                   NOT au.authorized AND m.peer_known AND m.any_direction AS c_direction,
                   s.orig_zone IS NOT NULL AND s.resp_zone IS NOT NULL
                     AND s.orig_zone <> s.resp_zone AND ck.sid IS NULL AS c_conduit,
                   m.matched AND m.phi AND coalesce(sc.cleartext, false) AS c_cleartext,
                   s.isolated AND s.peer_internet AS c_isolated
            FROM side s
            JOIN m ON m.sid = s.sid
            JOIN auth au ON au.id = s.id
            LEFT JOIN conduit_ok ck ON ck.sid = s.sid
            LEFT JOIN service_class sc ON sc.service = s.service
            """
        )
        self._prepared = True

    # -- results --------------------------------------------------------------------------

    def flows_read(self) -> int:
        return sum(r.rows for r in self.reports)

    def flows_checked(self) -> int:
        self.prepare()
        row = self.con.execute(
            "SELECT coalesce(sum(flows), 0) FROM oc WHERE id IN (SELECT id FROM side)"
        ).fetchone()
        return int(row[0]) if row else 0

    def violations(self) -> list[Violation]:
        self.prepare()
        names = ["c_peer", "c_port", "c_direction", "c_conduit", "c_cleartext", "c_isolated"]
        classes = ", ".join(
            f"CASE WHEN {n} THEN '{c.value}' END" for n, c in zip(names, C, strict=True)
        )
        rows = self.con.execute(
            f"""
            SELECT asset, direction, peer, peer_asset, peer_zone, peer_internet, proto, port,
                   string_agg(DISTINCT service, ',' ORDER BY service) AS services, classes,
                   {_fetchable("sum(flows)", "sum(bytes)", "min(first_ts)", "max(last_ts)")}
            FROM (SELECT *, concat_ws(',', {classes}) AS classes FROM judged) AS j
            WHERE classes <> ''
            GROUP BY asset, direction, peer, peer_asset, peer_zone, peer_internet, proto,
                     port, classes
            ORDER BY asset, flows DESC, peer, proto, port
            """  # noqa: S608
        ).fetchall()
        out = []
        parsed: dict[str, tuple[ViolationClass, ...]] = {}
        split: dict[str | None, tuple[str, ...]] = {None: (), "": ()}
        for (asset, direction, peer, peer_asset, peer_zone, internet, proto, port, services,
             cls, flows, nbytes, big_bytes, first, last) in rows:  # fmt: skip
            found = parsed.get(cls)
            if found is None:
                found = parsed[cls] = tuple(ViolationClass(c) for c in cls.split(","))
            seen = split.get(services)
            if seen is None:
                seen = split[services] = tuple(services.split(","))
            out.append(
                Violation(
                    asset=asset,
                    direction=direction,
                    peer=peer,
                    peer_asset=peer_asset,
                    peer_zone=peer_zone,
                    peer_internet=bool(internet),
                    protocol=proto,
                    port=port,
                    services=seen,
                    cls=found[0],
                    classes=found,
                    flows=flows,
                    bytes=_bytes(nbytes, big_bytes),
                    first_seen=float(first),
                    last_seen=float(last),
                )
            )
        return out

    def uninventoried(self) -> list[Uninventoried]:
        self.prepare()
        not_devices = ", ".join(f"'{k}'" for k in sorted(addresses.NOT_DEVICES))
        rows = self.con.execute(
            f"""
            SELECT i.addr, i.zone, i.kind, i.known_peer, count(DISTINCT e.other) AS peers,
                   {_fetchable("sum(e.flows)", "sum(e.bytes)", "min(e.first_ts)", "max(e.last_ts)")}
            FROM (
                SELECT orig AS a, resp AS other, flows, bytes, first_ts, last_ts FROM oc
                UNION ALL
                SELECT resp, orig, flows, bytes, first_ts, last_ts FROM oc
            ) AS e
            JOIN info i ON i.addr = e.a
            WHERE i.asset IS NULL AND NOT i.internet
              AND (i.kind IS NULL OR i.kind NOT IN ({not_devices}))
            GROUP BY i.addr, i.k, i.zone, i.kind, i.known_peer
            ORDER BY flows DESC, i.k
            """  # noqa: S608
        ).fetchall()
        return [
            Uninventoried(
                a, z, kind, bool(known), int(p), f, _bytes(b, big), float(first), float(last)
            )
            for a, z, kind, known, p, f, b, big, first, last in rows
        ]

    def result(self) -> CheckResult:
        try:
            return self._result()
        except duckdb.OutOfMemoryException as e:
            raise Error(
                f"out of memory while checking: {e}",
                hint="raise --memory-limit or split the logs (per day, per site)",
            ) from e

    def _result(self) -> CheckResult:
        return CheckResult(
            site=self.map.site,
            reports=tuple(self.reports),
            flows_read=self.flows_read(),
            flows_checked=self.flows_checked(),
            violations=tuple(self.violations()),
            uninventoried=tuple(self.uninventoried()),
        )


def check(
    paths: Sequence[Path],
    amap: AuthorizedMap,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> CheckResult:
    """Load ``paths`` and check them against ``amap``."""
    with Session(amap, memory_limit=memory_limit, threads=threads) as session:
        for path in paths:
            session.load(path)
        return session.result()
