"""Benchmark: importing a 300,000-component CycloneDX JSON SBOM into the service database.

Generates the same CycloneDX 1.6 JSON file as ``bench_sbom.py`` (each component with
bom-ref, supplier, name, version, purl, a SHA-256 hash and a licence; one dependency
entry per component), then, in a subprocess per database, attaches it to a draft profile
version through :func:`medsec.sbom.services.attach_to_version` — the streamed read,
batched inserts of 5,000 rows, the NTIA tally, the SHA-256 and the gzip copy, in one
transaction — and prints wall time, peak RSS and ``+rss`` (peak minus the RSS after
imports and setup: what the import costs). The peer from issue 4 §2 is the file size × 2
("not more than one copy" of the document beside the file itself).

SQLite always (a file in a temporary directory); PostgreSQL too when
``MEDSEC_BENCH_DATABASE_URL`` names a database (it is migrated; the rows stay).

    python3 -m uv run python benches/bench_sbom_import.py [--components 300000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sbom import generate

REPO = Path(__file__).resolve().parents[1]


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_one(url: str, path: Path) -> None:
    """In the child: set up an organization and a draft, import once, print JSON."""
    from medsec.accounts import services as accounts
    from medsec.accounts.actor import Actor
    from medsec.accounts.roles import OrganizationKind, Role
    from medsec.audit.services import Context
    from medsec.db import migrate
    from medsec.db.engine import Database
    from medsec.products import services as products
    from medsec.sbom import services

    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        org = accounts.create_organization(
            session,
            f"bench-{uuid.uuid4().hex[:8]}",
            OrganizationKind.MANUFACTURER,
            Context.cli("b"),
        )
        actor = Actor(0, "bench", org.id, OrganizationKind.MANUFACTURER, Role.ADMIN, ip="local")
        profile = (REPO / "examples" / "infusion-pump.yaml").read_bytes()
        version = products.upload(session, actor, "pump.yaml", profile).id
    before = _rss_kib()
    start = time.perf_counter()
    with db.session() as session:
        source, document = services.read_file(path, path.name)
        row = services.attach_to_version(session, actor, version, source, document)
        count, stored = row.component_count, row.document_stored
    elapsed = time.perf_counter() - start
    db.dispose()
    print(
        json.dumps(
            {
                "components": count,
                "document_stored": stored,
                "seconds": round(elapsed, 1),
                "rss_mib": round(_rss_kib() / 1024),
                "plus_rss_mib": round((_rss_kib() - before) / 1024),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=300_000)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "bom.json")
        generate(path, args.components)
        size = path.stat().st_size / 2**20
        print(f"{args.components} components, {size:.0f} MiB; peer: 2 × file = {2 * size:.0f} MiB")
        targets = [("sqlite", f"sqlite:///{Path(tmp, 'medsec.db')}")]
        if os.environ.get("MEDSEC_BENCH_DATABASE_URL"):
            targets.append(("postgresql", os.environ["MEDSEC_BENCH_DATABASE_URL"]))
        for name, url in targets:
            child = subprocess.run(
                [sys.executable, __file__, "--child", url, str(path)],
                capture_output=True,
                text=True,
                timeout=args.timeout,
                check=False,
            )
            if child.returncode != 0:
                print(f"{name}: failed\n{child.stderr[-2000:]}")
                continue
            result = json.loads(child.stdout.strip().splitlines()[-1])
            ratio = result["plus_rss_mib"] / (2 * size)
            print(
                f"{name:10} {result['seconds']:7.1f} s  rss {result['rss_mib']:5} MiB  "
                f"+rss {result['plus_rss_mib']:5} MiB  +rss ÷ (2 × file) {ratio:.2f}  "
                f"({result['components']} rows, document kept: {result['document_stored']})"
            )


if __name__ == "__main__":
    main()
