"""Benchmark P1: one 1,000-component SBOM against ≥ 200,000 OSV records.

Records: the real PyPA, PSF and RustSec databases in ../shared/data/osv plus synthetic
records generated to the OSV schema (validated by medsec's model) up to ``--records``.
The SBOM: 1,000 packages — real names from the databases with versions inside and
outside their ranges, synthetic names, and a few without a version.

Measured in a fresh subprocess: index build time, warm scan (best of 5 after one warm-up
scan), peak RSS (ru_maxrss). Side by side, the peer: the ``osv`` library of OSV.dev
(PyPI ``osv==0.1.0``, its per-ecosystem ``sort_key`` orderings and its
``_get_affected_versions`` interval logic), installed into its own venv
(``--peer-venv``, created with uv if absent), run on the same records and SBOM; agreement
of findings and the time ratio are printed.

    python3 -m uv run python benches/bench_vulns.py [--records 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OSV = ROOT / ".." / "shared" / "data" / "osv"
PEER = Path(__file__).with_name("peer_osvdev.py")
ECOSYSTEMS = ["PyPI", "npm", "Maven", "Go", "crates.io", "NuGet", "RubyGems", "Debian:12"]


def _name(eco: str, i: int) -> str:
    if eco == "Maven":
        return f"org.example{i % 97}:artifact-{i}"
    if eco == "Go":
        return f"github.com/example{i % 89}/module-{i}"
    return f"synthetic-{i}"


def _version(eco: str, major: int, minor: int) -> str:
    v = f"{major}.{minor}.0"
    return ("v" + v) if eco == "Go" else (v + "-1") if eco.startswith("Debian") else v


def synthetic(n: int, seed: int = 7) -> list[dict[str, object]]:
    """``n`` OSV records, ~4 per package, each with one ECOSYSTEM range."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for i in range(n):
        pkg = i // 4
        eco = ECOSYSTEMS[pkg % len(ECOSYSTEMS)]
        lo = rng.randrange(0, 5)
        events: list[dict[str, str]] = [
            {"introduced": "0" if lo == 0 else _version(eco, lo, 0)},
            {"fixed": _version(eco, lo + 1, rng.randrange(0, 9))},
        ]
        out.append(
            {
                "id": f"OSV-2099-{i}",
                "modified": "2026-01-01T00:00:00Z",
                "aliases": [f"CVE-2099-{i}"],
                "affected": [
                    {
                        "package": {"ecosystem": eco, "name": _name(eco, pkg)},
                        "ranges": [{"type": "ECOSYSTEM", "events": events}],
                    }
                ],
            }
        )
    return out


def _peak_rss_mb() -> float:
    """Peak RSS of this process image: VmHWM. (``ru_maxrss`` would also count the pages
    the forked child shared with the parent before exec, i.e. the parent's records.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(data: Path, sbom: Path) -> None:
    """Runs in the subprocess: build the index, scan, print figures as JSON."""
    from medsec.vulns.matcher import Index, MatchStatus, match
    from medsec.vulns.packages import Package
    from medsec.vulns.records import Record

    t0 = time.perf_counter()
    index = Index()
    with data.open() as f:
        for line in f:
            index.add(Record.model_validate_json(line))
    build = time.perf_counter() - t0
    packages = [Package(**p) for p in json.loads(sbom.read_text())]
    scans = []
    findings: set[tuple[str, str, str]] = set()
    for _ in range(6):
        t = time.perf_counter()
        found = [(p, m) for p in packages for m in match(index, p)]
        scans.append(time.perf_counter() - t)
    findings = {
        (m.record_id, p.name, p.version or "") for p, m in found if m.status is MatchStatus.AFFECTED
    }
    unknown = sum(1 for _, m in found if m.status is MatchStatus.UNKNOWN_VERSION)
    print(
        json.dumps(
            {
                "records": len(index),
                "build_s": build,
                "first_scan_ms": scans[0] * 1000,
                "warm_scan_ms": min(scans[1:]) * 1000,
                "peak_rss_mb": _peak_rss_mb(),
                "findings": sorted(findings),
                "unknown_version": unknown,
            }
        )
    )


def _real_records() -> list[dict[str, object]]:
    """The real records as their files hold them (checked by medsec's model first)."""
    sys.path.insert(0, str(ROOT))
    import yaml

    from medsec.vulns.sources.osv import parse_record, record_files

    out = []
    for name in ("pypa", "psf", "rustsec"):
        for f in record_files(OSV / name):
            text = f.read_bytes()
            parse_record(text, str(f))
            raw = (
                yaml.load(text, Loader=yaml.CBaseLoader)  # noqa: S506 (strings only)
                if f.suffix == ".yaml"
                else json.loads(text)
            )
            out.append(raw)
    return out


def _sbom(real: list[dict[str, object]], n_synthetic: int, size: int) -> list[dict[str, object]]:
    rng = random.Random(11)
    pkgs: list[dict[str, object]] = []
    # Each real package once (an SBOM lists a component once), with a version taken
    # from its records: a listed version or a range bound, so some are affected.
    candidates: dict[tuple[str, str], list[str]] = {}
    for r in real:
        for a in r.get("affected", []):  # type: ignore[attr-defined]
            if not isinstance(a, dict) or not a.get("package"):
                continue
            versions = candidates.setdefault((a["package"]["ecosystem"], a["package"]["name"]), [])
            versions.extend(a.get("versions") or [])
            for rg in a.get("ranges") or []:
                if rg["type"] != "GIT":
                    versions.extend(v for e in rg["events"] for v in e.values() if v != "0")
    for (eco, name), versions in rng.sample(sorted(candidates.items()), size // 2):
        version = rng.choice(versions) if versions else "1.0.0"
        pkgs.append({"ecosystem": eco, "name": name, "version": version})
    for _ in range(size - len(pkgs) - 10):
        i = rng.randrange(0, n_synthetic // 4)
        eco = ECOSYSTEMS[i % len(ECOSYSTEMS)]
        pkgs.append(
            {
                "ecosystem": eco,
                "name": _name(eco, i),
                "version": _version(eco, rng.randrange(0, 7), rng.randrange(0, 9)),
            }
        )
    pkgs.extend({"ecosystem": "PyPI", "name": f"synthetic-{i}", "version": None} for i in range(10))
    return pkgs


def _peer_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        # uv itself, or the system Python's uv module (under `uv run`, sys.executable is
        # the project venv, which has no uv).
        found = shutil.which("uv")
        uv = [found] if found else ["python3", "-m", "uv"]
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        subprocess.run([*uv, "venv", "-q", "--python", version, str(venv)], check=True)
        pip = [*uv, "pip", "install", "-q", "--python", str(python)]
        subprocess.run(
            [
                *pip,
                "pygit2",
                "requests",
                "semver",
                "packaging-legacy",
                "attrs",
                "typing_extensions",
                "pyyaml",
                "packageurl-python",
                "jsonschema",
            ],
            check=True,
        )
        subprocess.run([*pip, "--no-deps", "osv==0.1.0"], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000, help="total records (≥ real)")
    parser.add_argument("--components", type=int, default=1000)
    parser.add_argument(
        "--peer-venv", type=Path, default=Path(tempfile.gettempdir()) / "medsec-bench-peer"
    )
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    real = _real_records()
    n_synthetic = max(args.records - len(real), 0)
    records = real + synthetic(n_synthetic)
    with tempfile.TemporaryDirectory() as tmp:
        data, sbom = Path(tmp) / "records.jsonl", Path(tmp) / "sbom.json"
        with data.open("w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        sbom.write_text(json.dumps(_sbom(real, n_synthetic, args.components)))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        ours = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--child", str(data), str(sbom)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        )
        peer = json.loads(
            subprocess.run(
                [str(_peer_python(args.peer_venv)), str(PEER), str(data), str(sbom)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    a = {tuple(x) for x in ours["findings"]}
    b = {tuple(x) for x in peer["findings"]}
    print(
        f"records: {ours['records']} ({len(real)} real, {n_synthetic} synthetic); "
        f"components: {args.components}"
    )
    print(
        f"medsec: index build {ours['build_s']:.1f} s, first scan {ours['first_scan_ms']:.0f} ms, "
        f"warm scan {ours['warm_scan_ms']:.1f} ms (goal ≤ 100), "
        f"peak RSS {ours['peak_rss_mb']:.0f} MB (goal ≤ 300), "
        f"{len(a)} findings, {ours['unknown_version']} unknown-version"
    )
    print(
        f"peer (osv.dev `osv` 0.1.0): warm scan {peer['warm_scan_ms']:.1f} ms, "
        f"{len(b)} findings, {peer['errors']} versions it could not order"
    )
    print(
        f"agreement: both {len(a & b)}, only medsec {len(a - b)}, only peer {len(b - a)}; "
        f"time ratio medsec/peer {ours['warm_scan_ms'] / peer['warm_scan_ms']:.2f}"
    )
    for label, diff in (("only medsec", a - b), ("only peer", b - a)):
        for x in sorted(diff)[:8]:
            print(f"  {label}: {x[0]} {x[1]} {x[2]}")


if __name__ == "__main__":
    main()
