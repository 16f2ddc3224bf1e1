"""Benchmark P3: the flow check on a generated Zeek conn.log (issue 5 §7).

For each size (100k, 1M and 10M rows by default) it generates a conn.log for 10,000
devices and an authorized map for them, then, each in its own subprocess so that peak RSS
is per step:

(a) **bare scan**: DuckDB reads the file with the very ``read_csv`` call the check uses
    (:func:`medsec.flows.scan.zeek_tsv_source`) and touches every column the check uses;
(b) **full check**: ``medsec.flows.engine.check`` — map load, scan and aggregate,
    address facts, anti-join, classification, grouping, uninventoried list.

Goal: (b) ≤ 1.5 × (a) and peak RSS ≤ 2 GB at 10M rows.

    python3 -m uv run python benches/bench_flows.py [--sizes 100000,1000000,10000000]
        [--workdir DIR] [--keep] [--reuse]

Besides wall-clock seconds each step reports its CPU seconds (user + system, all DuckDB
threads), which a machine shared with other work disturbs far less; ``--reuse`` measures
a ``conn-ROWS.log`` kept in ``--workdir`` by an earlier ``--keep`` run instead of
generating a new one.

The traffic model: device activity is skewed (device = ⌊10,000·u²⌋), 35 % of rows the
device's main clinical service (HL7 2575 to the EMR, DICOM 104 to the PACS), then DNS,
NTP, syslog, inbound HTTPS from four management servers; ≈1.5 % unauthorized internal
flows (six ports, a few hundred peers), ≈1 % internet (≈250 addresses), ≈0.5 % from 200
addresses not in the inventory. Bytes are exponential
(mean ≈ 2 kB), timestamps spread over one day.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEVICES = 10_000
FIELDS = (
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes "
    "resp_bytes conn_state local_orig missed_bytes history orig_pkts orig_ip_bytes "
    "resp_pkts resp_ip_bytes tunnel_parents"
).split()
TYPES = (
    "time string addr port addr port enum string interval count count string bool count "
    "string count count count count set[string]"
).split()


def device_address(i: int) -> str:
    return f"10.20.{i // 250}.{i % 250 + 1}"


def kind(i: int) -> str:
    """Device i's kind: 60 % pumps, 20 % monitors, 10 % imaging, 10 % workstations."""
    if i % 10 < 6:
        return "pump"
    if i % 10 < 8:
        return "monitor"
    return "imaging" if i % 10 == 8 else "workstation"


def make_map(path: Path) -> None:
    zones = [
        {"name": "devices", "cidrs": ["10.20.0.0/16"], "internet": False},
        {"name": "ehr", "cidrs": ["10.30.0.0/16"], "internet": False},
        {"name": "imaging", "cidrs": ["10.40.0.0/16"], "internet": False},
        {"name": "infra", "cidrs": ["10.50.0.0/16"], "internet": False},
        {"name": "mgmt", "cidrs": ["10.60.0.0/16"], "internet": False},
        {"name": "internet", "cidrs": [], "internet": True},
    ]
    assets, flows = [], []
    for i in range(DEVICES):
        name, k = f"dev-{i:05d}", kind(i)
        assets.append(
            {"name": name, "addresses": [device_address(i)], "zone": "devices",
             "isolated": k == "pump", "product": k, "version": "1"}
        )  # fmt: skip
        if i % 100 == 99:
            continue  # 1 % of the devices have no profile

        def add(
            fid: str,
            direction: str,
            proto: str,
            port: int,
            peer: str,
            phi: bool = False,
            name: str = name,
        ) -> None:
            flows.append(
                {"id": f"{name}/{fid}", "asset": name, "direction": direction, "protocol": proto,
                 "ports": [[port, port]], "peer_cidrs": [peer], "phi": phi, "encrypted": phi}
            )  # fmt: skip

        add("ntp", "outbound", "udp", 123, "10.50.0.1/32")
        add("dns", "outbound", "udp", 53, "10.50.0.2/32")
        add("syslog", "outbound", "udp", 514, "10.50.0.3/32")
        add("mgmt", "inbound", "tcp", 443, "10.60.0.0/24")
        if k in ("pump", "monitor"):
            add("hl7", "outbound", "tcp", 2575, "10.30.0.5/32", phi=True)
        if k == "imaging":
            add("dicom", "outbound", "tcp", 104, "10.40.0.10/32", phi=True)
            add("dicom-in", "inbound", "tcp", 104, "10.40.0.0/24", phi=True)

    def svc(proto: str, lo: int) -> dict[str, object]:
        return {"protocol": proto, "ports": [[lo, lo]]}

    conduits = [
        {"name": "hl7", "from_zone": "devices", "to_zone": "ehr", "services": [svc("tcp", 2575)]},
        {"name": "dicom", "from_zone": "devices", "to_zone": "imaging",
         "services": [svc("tcp", 104)]},
        {"name": "dicom-in", "from_zone": "imaging", "to_zone": "devices",
         "services": [svc("tcp", 104)]},
        {"name": "infra", "from_zone": "devices", "to_zone": "infra",
         "services": [svc("udp", 123), svc("udp", 53), svc("udp", 514)]},
        {"name": "mgmt", "from_zone": "mgmt", "to_zone": "devices", "services": [svc("tcp", 443)]},
    ]  # fmt: skip
    path.write_text(
        json.dumps({"map_version": 1, "site": "Bench General Hospital", "zones": zones,
                    "assets": assets, "flows": flows, "conduits": conduits})
    )  # fmt: skip


GENERATE = """
COPY (
  WITH r AS (
    SELECT i, CAST(floor(pow(random(), 2) * 10000) AS INTEGER) AS d, random() AS u,
           random() AS v
    FROM range({rows}) t(i)
  ), k AS (
    SELECT *, '10.20.' || (d // 250) || '.' || (d % 250 + 1) AS dev,
           CASE WHEN d % 10 < 8 THEN 'hl7' WHEN d % 10 = 8 THEN 'dicom' ELSE 'dns' END AS main
    FROM r
  ), f AS (
    SELECT i, v,
      CASE WHEN u < 0.82 OR (u >= 0.97 AND u < 0.995) THEN dev
           WHEN u < 0.97 THEN '10.60.0.' || (1 + CAST(v * 4 AS INTEGER))
           ELSE '10.20.250.' || (1 + CAST(v * 200 AS INTEGER)) END AS orig,
      CASE WHEN u < 0.35 AND main = 'hl7' THEN '10.30.0.5'
           WHEN u < 0.35 AND main = 'dicom' THEN '10.40.0.10'
           WHEN u < 0.55 OR (u < 0.35) THEN '10.50.0.2'
           WHEN u < 0.70 THEN '10.50.0.1'
           WHEN u < 0.82 THEN '10.50.0.3'
           WHEN u < 0.97 THEN dev
           WHEN u < 0.985 THEN '10.' || (30 + CAST(v * 4 AS INTEGER) * 10) || '.'
                               || CAST(v * 7 AS INTEGER) || '.' || (1 + CAST(v * 50 AS INTEGER))
           WHEN u < 0.995 THEN '52.' || CAST(v * 250 AS INTEGER) || '.'
                               || CAST(v * 97 AS INTEGER) % 250 || '.9'
           ELSE '10.30.0.5' END AS resp,
      CASE WHEN u < 0.35 AND main = 'hl7' THEN 2575 WHEN u < 0.35 AND main = 'dicom' THEN 104
           WHEN u < 0.55 THEN 53 WHEN u < 0.70 THEN 123 WHEN u < 0.82 THEN 514
           WHEN u < 0.97 THEN 443
           WHEN u < 0.985
             THEN (ARRAY[22, 80, 445, 3389, 8080, 5900])[1 + CAST(v * 6 AS INTEGER) % 6]
           WHEN u < 0.995 THEN 443 ELSE 2575 END AS port,
      CASE WHEN (u < 0.35 AND main <> 'dns') OR u >= 0.82 THEN 'tcp' ELSE 'udp' END AS proto,
      CASE WHEN u < 0.35 AND main <> 'dns' THEN '-' WHEN u < 0.55 OR u < 0.35 THEN 'dns'
           WHEN u < 0.70 THEN 'ntp' WHEN u < 0.82 THEN 'syslog' WHEN u < 0.97 THEN 'ssl'
           WHEN u < 0.985 THEN (CASE WHEN v < 0.5 THEN 'http' ELSE '-' END)
           WHEN u < 0.995 THEN 'ssl' ELSE '-' END AS service
    FROM k
  )
  SELECT printf('%.6f', 1700000000 + i * 86400.0 / {rows} + v),
         printf('C%015x', i), orig, CAST(1024 + CAST(v * 64000 AS INTEGER) AS VARCHAR),
         resp, CAST(port AS VARCHAR), proto, service, printf('%.6f', v * 10),
         CAST(CAST(-ln(1 - random()) * 900 AS BIGINT) AS VARCHAR),
         CAST(CAST(-ln(1 - random()) * 1100 AS BIGINT) AS VARCHAR),
         'SF', '-', '0', 'ShADadFf', '6', '520', '5', '1400', '(empty)'
  FROM f
) TO '{out}' (FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '')
"""


def generate(rows: int, path: Path) -> float:
    import duckdb

    started = time.perf_counter()
    body = path.with_suffix(".body")
    con = duckdb.connect()
    con.execute(GENERATE.format(rows=rows, out=str(body).replace("'", "''")))
    con.close()
    with path.open("wb") as out:
        header = [
            "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            "#path\tconn", "#open\t2023-11-14-22-13-20", "#fields\t" + "\t".join(FIELDS),
            "#types\t" + "\t".join(TYPES),
        ]  # fmt: skip
        out.write(("\n".join(header) + "\n").encode())
        with body.open("rb") as data:
            shutil.copyfileobj(data, out, 16 << 20)
        out.write(b"#close\t2023-11-15-22-13-20\n")
    body.unlink()
    return time.perf_counter() - started


# -- the two measured steps, each run in a child process ------------------------------------


def step_scan(log: Path) -> dict[str, object]:
    import duckdb

    from medsec.flows.scan import zeek_tsv_source

    con = duckdb.connect()
    started = time.perf_counter()
    row = con.execute(
        f"""SELECT count(*), min("ts"), min("id.orig_h"), min("id.orig_p"), min("id.resp_h"),
                   min("id.resp_p"), min("proto"), min("service"), min("duration"),
                   min("orig_bytes"), min("resp_bytes")
            FROM {zeek_tsv_source(log, "bench_rejects")}"""  # noqa: S608
    ).fetchone()
    elapsed = time.perf_counter() - started
    assert row is not None
    return {"seconds": elapsed, "rows": row[0]}


def step_check(log: Path, flow_map: Path) -> dict[str, object]:
    from medsec.flows.authorized import load_map
    from medsec.flows.engine import check

    started = time.perf_counter()
    result = check([log], load_map(flow_map))
    elapsed = time.perf_counter() - started
    fast = all(r.malformed_count == 0 for r in result.reports)
    return {
        "seconds": elapsed,
        "rows": result.flows_read,
        "violations": len(result.violations),
        "violating_flows": sum(v.flows for v in result.violations),
        "uninventoried": len(result.uninventoried),
        "clean": fast,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(argv: list[str]) -> None:
    what, log = argv[0], Path(argv[1])
    import medsec.flows.authorized
    import medsec.flows.engine  # noqa: F401 - imports are not part of the measured step

    before = _cpu()
    out = step_scan(log) if what == "scan" else step_check(log, Path(argv[2]))
    out["cpu_seconds"] = _cpu() - before
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def run_child(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--reuse", action="store_true", help="measure an existing conn-ROWS.log in --workdir"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-flows-"))
    work.mkdir(parents=True, exist_ok=True)
    flow_map = work / "map.json"
    make_map(flow_map)
    print(f"map: {DEVICES} devices, {flow_map.stat().st_size / 1e6:.1f} MB; work dir {work}")
    print(
        "| rows | file MB | generate s | (a) scan s | (b) check s | (b)/(a) | (a) CPU s "
        "| (b) CPU s | CPU (b)/(a) | RSS (a) MB | RSS (b) MB | violation groups | uninventoried |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    try:
        for rows in (int(s) for s in args.sizes.split(",")):
            log = work / f"conn-{rows}.log"
            gen = 0.0 if args.reuse and log.exists() else generate(rows, log)
            scan = run_child("scan", str(log))
            full = run_child("check", str(log), str(flow_map))
            assert scan["rows"] == rows == full["rows"], (scan, full)
            ratio = float(full["seconds"]) / float(scan["seconds"])  # type: ignore[arg-type]
            cpu = float(full["cpu_seconds"]) / float(scan["cpu_seconds"])  # type: ignore[arg-type]
            print(
                f"| {rows:,} | {log.stat().st_size / 1e6:.0f} | {gen:.1f} | "
                f"{scan['seconds']:.2f} | {full['seconds']:.2f} | {ratio:.2f} | "
                f"{scan['cpu_seconds']:.2f} | {full['cpu_seconds']:.2f} | {cpu:.2f} | "
                f"{scan['peak_rss_mb']:.0f} | {full['peak_rss_mb']:.0f} | "
                f"{full['violations']} | {full['uninventoried']} |",
                flush=True,
            )
            if not args.keep:
                log.unlink()
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
