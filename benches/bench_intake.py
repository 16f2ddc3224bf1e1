"""Syslog intake throughput on loopback (a preliminary figure before benchmark P4, which
needs the database sink that comes with the inventory).

Starts the intake in-process with a TCP listener, one profile (the infusion pump) and the
JSON-lines sink on a temporary file; one client sends ``--messages`` octet-counted RFC
5424 messages (the catalog's sample messages in turn) as fast as TCP lets it. Prints the
messages per second from the first byte sent to the last event written, and the parse
and enrich rate alone (no sockets, no sink).

    python3 -m uv run python benches/bench_intake.py [--messages 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from medsec.monitoring.assets_file import FileAssetDirectory
from medsec.monitoring.catalog import Catalog, ProductRef
from medsec.monitoring.enrich import Enricher
from medsec.monitoring.exports.samples import samples
from medsec.monitoring.intake import Intake, IntakeConfig
from medsec.monitoring.sinks import JsonLinesSink
from medsec.monitoring.syslog.framing import octet_counted
from medsec.monitoring.syslog.parser import read_message
from medsec.profiles.loader import load_profile

PROFILE = Path(__file__).resolve().parents[1] / "examples" / "infusion-pump.yaml"


def enricher() -> Enricher:
    profile = load_profile(PROFILE)
    return Enricher(
        Catalog([profile]), FileAssetDirectory.empty(), default_product=ProductRef.of(profile)
    )


async def over_tcp(lines: list[bytes], count: int, output: Path) -> float:
    sink = JsonLinesSink(output)
    intake = Intake(IntakeConfig(host="127.0.0.1", tcp_port=0), enricher(), sink)
    await intake.start()
    payload = b"".join(octet_counted(lines[i % len(lines)]) for i in range(count))
    start = time.perf_counter()
    _, writer = await asyncio.open_connection("127.0.0.1", intake.ports["tcp"])
    writer.write(payload)
    await writer.drain()
    writer.close()
    while intake.stats.written < count:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    await intake.stop()
    sink.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50_000)
    args = parser.parse_args()
    lines = [s.line.encode() for s in samples(load_profile(PROFILE))]
    enrich = enricher()
    start = time.perf_counter()
    for i in range(args.messages):
        enrich.enrich(read_message(lines[i % len(lines)]))
    parse_rate = args.messages / (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        elapsed = asyncio.run(over_tcp(lines, args.messages, Path(tmp) / "events.jsonl"))
    print(f"parse + enrich only: {parse_rate:,.0f} messages/s")
    print(f"TCP → intake → JSON lines: {args.messages / elapsed:,.0f} messages/s "
          f"({args.messages} messages in {elapsed:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
