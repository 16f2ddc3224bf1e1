"""Benchmark: flow map and firewall rules for a large generated site.

Builds a site like examples/site/st-example.yaml scaled up — ``--pumps`` infusion pumps,
one CT per 100 pumps, one PACS — computes the authorized flow map, renders the nftables
rules with aerleon and checks them with ``nft -c -f`` (directly as root, else in an
unprivileged namespace). Prints the time of each step.

    python3 -m uv run python benches/bench_network.py [--pumps 2000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from medsec.network.firewall.policy import build
from medsec.network.firewall.targets import Target, render
from medsec.network.flowmap import compute
from medsec.network.profiles import FileProfiles
from medsec.network.site_yaml import load_site_text

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "site" / "st-example.yaml"


def scaled_site(pumps: int) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    head, rest = text.split("\nassets:\n", 1)
    assets, bindings = rest.split("\nbindings:\n", 1)
    lines = [
        f"  - name: pump-{n:05d}\n    zone: clinical-devices\n"
        f"    addresses: [10.20.{n // 250}.{n % 250 + 1}]\n"
        "    profile: {path: ../infusion-pump.yaml}\n    enable: [syslog-tls]\n"
        for n in range(pumps)
    ]
    lines += [
        f"  - name: ct-{n:03d}\n    zone: imaging\n    addresses: [10.40.2.{n + 1}]\n"
        "    profile: {path: ../ct-scanner.yaml}\n    enable: [ntp, syslog-tls]\n"
        "    ports: {dicom-scu: 104}\n"
        for n in range(max(pumps // 100, 1))
    ]
    return head + "\nassets:\n" + assets + "\n" + "".join(lines) + "\nbindings:\n" + bindings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pumps", type=int, default=2000)
    args = parser.parse_args()
    text = scaled_site(args.pumps)

    started = time.perf_counter()
    site = load_site_text(text, str(EXAMPLE))
    loaded = time.perf_counter()
    profiles = FileProfiles(EXAMPLE.parent)
    for asset in site.assets:
        if asset.profile is not None:
            profiles.resolve(asset.profile)  # parsed once each, then cached
    resolved = time.perf_counter()
    flowmap = compute(site, profiles)
    computed = time.perf_counter()
    rules = build(flowmap)
    nft = render(rules, Target.NFTABLES)
    rendered = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".nft", delete=False) as f:
        f.write(nft)
    command = ["nft", "-c", "-f", f.name]
    if os.geteuid() != 0:
        command = ["unshare", "-rn", *command]
    check = subprocess.run(command, capture_output=True, text=True, check=False)
    checked = time.perf_counter()
    Path(f.name).unlink()

    print(f"assets: {len(site.assets)}, flows: {len(flowmap.flows)}, rules: {len(rules.rules)}")
    print(f"load site:        {loaded - started:7.2f} s")
    print(f"load 3 profiles:  {resolved - loaded:7.2f} s")
    print(f"compute flow map: {computed - resolved:7.2f} s")
    print(f"render nftables:  {rendered - computed:7.2f} s ({len(nft.splitlines())} lines)")
    print(f"nft -c -f:        {checked - rendered:7.2f} s (exit {check.returncode})")


if __name__ == "__main__":
    main()
