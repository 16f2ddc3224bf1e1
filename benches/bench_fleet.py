"""P2 — findings of a fleet: 10,000 assets over 200 SBOMs of 1,000 components each.

Run: ``python3 -m uv run python benches/bench_fleet.py`` (``--assets``, ``--sboms``,
``--components``, ``--records`` to change the sizes; ``--db`` also stores the fleet in a
SQLite database and times loading it). Everything is synthetic and generated here: a pool
of PyPI, npm and Maven packages, SBOMs drawing from it, OSV records with ECOSYSTEM ranges
on a part of the pool, assets linked to product versions (one SBOM each) with a clinical
criticality.

Prints: the full re-match (every asset's findings from a fresh vulnerability index: each
distinct package matched once, each (SBOM, criticality) scanned once, VEX and priorities
applied), the fleet's counts by priority, and the time from one new advisory to the list
of affected assets (the component index is already in memory; the findings' own matching,
VEX and triage, on the components the advisory can concern).
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from medsec.findings import affected, fleet, knowledge
from medsec.findings.fleet import AssetInfo, Bom, Components, Decisions
from medsec.sbom.model import Component, Sbom, SbomFormat
from medsec.vulns.matcher import Index
from medsec.vulns.records import Record

ECOSYSTEMS = (("pypi", "PyPI"), ("npm", "npm"), ("maven", "Maven"))
CRITICALITY = ("life-sustaining", "high", "medium", "low")
NEW_EVENTS = [{"introduced": "0"}, {"fixed": "1.2.0"}]


def pool(size: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(purl type, OSV ecosystem, name) for ``size`` packages."""
    out = []
    for n in range(size):
        kind, eco = ECOSYSTEMS[n % 3]
        name = f"org.bench{n % 97}:lib{n}" if kind == "maven" else f"lib{n}"
        out.append((kind, eco, name))
    rng.shuffle(out)
    return out


def purl(kind: str, name: str, version: str) -> str:
    if kind == "maven":
        group, artifact = name.split(":")
        return f"pkg:maven/{group}/{artifact}@{version}"
    return f"pkg:{kind}/{name}@{version}"


def build(args: argparse.Namespace) -> tuple[Components, list[Record]]:
    rng = random.Random(2026)
    packages = pool(args.pool, rng)
    boms: dict[int, Bom] = {}
    cid = 0
    for s in range(1, args.sboms + 1):
        chosen = rng.sample(packages, args.components)
        components = []
        for kind, _eco, name in chosen:
            version = f"1.{rng.randrange(4)}.{rng.randrange(3)}"
            components.append(
                Component(ref=f"c{cid}", type="library", name=name, version=version,
                          purl=purl(kind, name, version))
            )  # fmt: skip
            cid += 1
        product = Component(ref=None, type="device", name=f"device {s}", version="1.0")
        sbom = Sbom(SbomFormat.CYCLONEDX_JSON, "1.6", product=product, components=tuple(components))
        ids = tuple(range(cid - len(components), cid))
        boms[s] = Bom(s, sbom, ids, f"sbom-{s}.json", profile_version_id=s)
    assets = {
        a: AssetInfo(a, f"SN-{a:05d}", "Bench", "Model", 1, None,
                     CRITICALITY[a % 4], 1 + a % args.sboms, "1.0")
        for a in range(1, args.assets + 1)
    }  # fmt: skip
    source_of = {a: info.profile_version_id or 0 for a, info in assets.items()}
    components = Components(("bench",), assets, {}, source_of)
    for bom in boms.values():
        components.index(bom)
    records = []
    for r, (_kind, eco, name) in enumerate(rng.sample(packages, args.records)):
        fixed = f"1.{rng.randrange(1, 4)}.0"
        records.append(
            Record.model_validate(
                {
                    "id": f"BENCH-{r}",
                    "modified": "2026-01-01T00:00:00Z",
                    "aliases": [f"CVE-2026-{10000 + r}"],
                    "severity": [
                        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
                    ]
                    if r % 2
                    else [],
                    "affected": [
                        {
                            "package": {"ecosystem": eco, "name": name},
                            "ranges": [
                                {"type": "ECOSYSTEM",
                                 "events": [{"introduced": "0"}, {"fixed": fixed}]}
                            ],
                        }
                    ],
                }
            )
        )  # fmt: skip
    return components, records


def rematch(components: Components, records: list[Record]) -> tuple[float, float, fleet.Assessment]:
    """(wall seconds, CPU seconds, assessment) of a re-match on a fresh index."""
    index = Index()
    index.add_all(records)
    known = knowledge.Knowledge(("bench", len(records)), index)
    decisions = Decisions(("none",), {}, ())
    start, cpu = time.perf_counter(), time.process_time()
    assessment = fleet.assess(components, decisions, known)
    return time.perf_counter() - start, time.process_time() - cpu, assessment


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--sboms", type=int, default=200)
    parser.add_argument("--components", type=int, default=1_000)
    parser.add_argument("--pool", type=int, default=30_000)
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    t0 = time.perf_counter()
    components, records = build(args)
    built = time.perf_counter() - t0
    distinct = sum(len(v) for v in components.by_package.values())
    print(
        f"{args.assets} assets, {args.sboms} SBOMs × {args.components} components "
        f"({args.sboms * args.components} rows, {distinct} distinct packages), "
        f"{args.records} OSV records; built in {built:.1f} s"
    )
    for n in range(args.repeat):
        elapsed, cpu, assessment = rematch(components, records)
        findings = sum(len(v) for v in assessment.by_asset.values())
        levels = Counter(f.priority.level.value for v in assessment.by_asset.values() for _, f in v)
        print(
            f"full re-match {n + 1}: {elapsed:.2f} s wall, {cpu:.2f} s CPU — "
            f"{findings} findings on "
            f"{len(assessment.by_asset)} assets, {assessment.distinct_packages} packages "
            f"matched; {dict(sorted(levels.items()))}"
        )
    rng = random.Random(7)
    times = []
    for n in range(20):
        _kind, eco, name = next(
            (k, e, nm) for k, e, nm in [rng.choice(pool(args.pool, random.Random(2026)))]
        )
        advisory = Record.model_validate(
            {
                "id": f"NEW-{n}",
                "modified": "2026-06-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"ecosystem": eco, "name": name},
                        "ranges": [{"type": "ECOSYSTEM", "events": NEW_EVENTS}],
                    }
                ],
            }
        )  # fmt: skip
        start = time.perf_counter()
        found = affected.affected_in(components, advisory)
        times.append((time.perf_counter() - start, len(found)))
    times.sort()
    median, worst = times[len(times) // 2], times[-1]
    print(
        f"one new advisory → affected assets: median {median[0] * 1000:.1f} ms "
        f"({median[1]} assets), slowest {worst[0] * 1000:.1f} ms ({worst[1]} assets), 20 advisories"
    )


if __name__ == "__main__":
    main()
