"""Benchmark: the maintenance planner on a hospital-sized input.

``--assets`` devices (default 2,000) in 40 wards of one site, each ward a concurrency
group with a limit of 2, one device in ten life-sustaining, updates of 15–90 minutes,
one nightly window (01:00–05:00 Europe/Berlin) over a 28-day period. Prints the time to
plan, how many tasks were placed, and checks the group limits on the result.

    python3 -m uv run python benches/bench_planner.py [--assets 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from medsec.updates.planner import PlanAsset, Scope, Window, peak, plan
from medsec.updates.windows import WindowRule


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=2000)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args()
    wards = 40
    assets = [
        PlanAsset(
            f"dev-{i:05d}", "north", f"ward-{i % wards}", (f"ward-{i % wards}",),
            life_sustaining=i % 10 == 0, duration=dt.timedelta(minutes=15 + (i % 6) * 15),
        )
        for i in range(args.assets)
    ]  # fmt: skip
    rule = WindowRule("night", frozenset(range(7)), dt.time(1), dt.time(5), "Europe/Berlin")
    limits = {f"ward-{w}": 2 for w in range(wards)}
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    began = time.perf_counter()
    result = plan(
        assets, [Window(rule, Scope.SITE, "north")], limits, start,
        start + dt.timedelta(days=args.days),
    )  # fmt: skip
    elapsed = time.perf_counter() - began
    by_id = {a.id: a for a in assets}
    worst = max(
        peak((t.start, t.end) for t in result.tasks if by_id[t.asset_id].groups[0] == group)
        for group in limits
    )
    print(f"assets: {len(assets)}  placed: {len(result.tasks)}  unplaced: {len(result.unplaced)}")
    print(f"plan time: {elapsed:.2f} s  ({len(assets) / elapsed:.0f} assets/s)")
    print(f"largest concurrency in a group: {worst} (limit 2)")


if __name__ == "__main__":
    main()
