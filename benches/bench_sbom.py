"""Benchmark: reading a 300,000-component CycloneDX JSON SBOM.

Generates a CycloneDX 1.6 JSON file (each component with bom-ref, supplier, name,
version, purl, a SHA-256 hash and a licence; one dependency entry per component), then
reads it in separate subprocesses, one per reader, measuring wall time and peak RSS:

- ``medsec-stream``: :func:`medsec.sbom.stream.read_streamed` (per-component checks,
  builds the whole model);
- ``json-load``: plain ``json.load`` (the parsed tree only, no model, no checks);
- ``cyclonedx-lib``: ``json.load`` + cyclonedx-python-lib's ``Bom.from_json``.

Prints one line per reader and the ratios medsec ÷ peer. ``rss`` is the process's peak
resident set; ``+rss`` is the peak minus the RSS after imports, i.e. what the read costs.

    python3 -m uv run python benches/bench_sbom.py [--components 300000] [--timeout 900]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

READERS = ("medsec-stream", "json-load", "cyclonedx-lib")


def generate(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(
            '{"bomFormat": "CycloneDX", "specVersion": "1.6", '
            f'"serialNumber": "urn:uuid:{uuid.uuid4()}", "version": 1, "metadata": '
            '{"timestamp": "2026-01-01T00:00:00Z", "authors": [{"name": "bench"}], '
            '"component": {"type": "device", "bom-ref": "root", "name": "pump", '
            '"version": "1.0"}}, "components": ['
        )
        for i in range(n):
            version = f"1.{i % 50}.{i % 7}"
            component = {
                "type": "library",
                "bom-ref": f"c{i}",
                "supplier": {"name": f"vendor{i % 100}"},
                "name": f"pkg{i}",
                "version": version,
                "purl": f"pkg:pypi/pkg{i}@{version}",
                "hashes": [{"alg": "SHA-256", "content": f"{i:064x}"}],
                "licenses": [{"license": {"id": "MIT"}}],
            }
            f.write(("," if i else "") + json.dumps(component))
        roots = ",".join(f'"c{i}"' for i in range(min(n, 1000)))
        f.write(f'], "dependencies": [{{"ref": "root", "dependsOn": [{roots}]}}')
        for i in range(n):
            f.write(f',{{"ref": "c{i}", "dependsOn": ["c{(i + 1) % n}"]}}')
        f.write("]}")


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_one(reader: str, path: Path) -> None:
    """In the child process: read once, print a JSON line with time and memory."""
    if reader == "medsec-stream":
        from medsec.sbom.stream import read_streamed

        def read() -> int:
            return len(read_streamed(path).components)
    elif reader == "json-load":

        def read() -> int:
            with path.open("rb") as f:
                return len(json.load(f)["components"])
    else:
        import warnings

        from cyclonedx.model.bom import Bom

        warnings.simplefilter("ignore")

        def read() -> int:
            with path.open("rb") as f:
                bom = Bom.from_json(json.load(f))  # type: ignore[attr-defined]
            return len(bom.components)

    baseline = _rss_kib()
    start = time.perf_counter()
    count = read()
    seconds = time.perf_counter() - start
    peak = _rss_kib()
    print(
        json.dumps(
            {
                "reader": reader,
                "components": count,
                "seconds": seconds,
                "rss_mib": peak / 1024,
                "read_mib": (peak - baseline) / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=300_000)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument("--run", nargs=2, metavar=("READER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_one(args.run[0], Path(args.run[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bom.json"
        start = time.perf_counter()
        generate(path, args.components)
        size = path.stat().st_size / 2**20
        print(
            f"generated {args.components} components, {size:.1f} MiB, "
            f"in {time.perf_counter() - start:.1f} s"
        )
        results = {}
        for reader in args.readers.split(","):
            try:
                out = subprocess.run(
                    [sys.executable, __file__, "--run", reader, str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                ).stdout
            except subprocess.TimeoutExpired:
                print(f"{reader:14} did not finish within {args.timeout:.0f} s")
                continue
            r = json.loads(out.strip().splitlines()[-1])
            results[reader] = r
            print(
                f"{reader:14} {r['components']:>8} components  {r['seconds']:7.1f} s  "
                f"rss {r['rss_mib']:7.0f} MiB  +rss {r['read_mib']:7.0f} MiB  "
                f"(file {size:.0f} MiB)"
            )
        mine = results.get("medsec-stream")
        for peer, r in results.items():
            if mine and peer != "medsec-stream":
                print(
                    f"medsec-stream ÷ {peer}: time {mine['seconds'] / r['seconds']:.2f}, "
                    f"+rss {mine['read_mib'] / max(r['read_mib'], 1):.2f}"
                )


if __name__ == "__main__":
    main()
