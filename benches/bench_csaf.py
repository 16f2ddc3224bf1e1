"""Validation speed of CSAF 2.0 advisories (the 90 real CISA ICSMA files) per preset.

Run: ``python3 -m uv run python benches/bench_csaf.py [--repeat 3]``. Prints, per preset,
documents per second and the slowest document; reads ../shared/data/csaf/cisa-icsma.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from medsec.advisories.interfaces import Preset
from medsec.advisories.validation import default_validator

CISA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "csaf" / "cisa-icsma"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    documents = [
        (p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(CISA.rglob("*.json"))
    ]
    if not documents:
        raise SystemExit(f"no advisories under {CISA}")
    validator = default_validator()
    validator.validate(documents[0][1], file="warm-up", preset=Preset.FULL)
    print(f"{len(documents)} CISA advisories, {args.repeat} rounds, {validator.name}")
    for preset in Preset:
        slowest = (0.0, "")
        start = time.perf_counter()
        for _ in range(args.repeat):
            for name, document in documents:
                t0 = time.perf_counter()
                validator.validate(document, file=name, preset=preset)
                slowest = max(slowest, (time.perf_counter() - t0, name))
        elapsed = time.perf_counter() - start
        rate = len(documents) * args.repeat / elapsed
        print(
            f"{preset.value:>9}: {rate:7.1f} documents/s, "
            f"slowest {slowest[0] * 1000:.0f} ms ({slowest[1]})"
        )


if __name__ == "__main__":
    main()
