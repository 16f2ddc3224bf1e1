"""The benchmark's independent peer: OSV.dev's own ``osv`` library (PyPI ``osv==0.1.0``).

Runs in its own venv (see bench_vulns.py), never imports medsec. Ordering per ecosystem
is osv.dev's ``ecosystems.get(name).sort_key`` (``SemverEcosystem`` for SEMVER ranges),
events are sorted as ``osv.models.sorted_events`` does, and each introduced→fixed /
last_affected interval is decided by osv.dev's ``_get_affected_versions``.

    PEER_PYTHON peer_osvdev.py RECORDS.jsonl SBOM.json
"""

import importlib.util
import json
import pathlib
import sys
import time
import types
import warnings

import typing_extensions

# osv 0.1.0 needs Python 3.13's warnings.deprecated; its package __init__ imports the
# Google Cloud datastore models, which matching does not need: load the subpackage alone.
warnings.deprecated = typing_extensions.deprecated
_root = pathlib.Path(importlib.util.find_spec("osv").submodule_search_locations[0])
_pkg = types.ModuleType("osv")
_pkg.__path__ = [str(_root)]
sys.modules["osv"] = _pkg
from osv import ecosystems  # noqa: E402

SEMVER = ecosystems.SemverEcosystem()
errors = 0


def helper(eco, range_type):
    return SEMVER if range_type == "SEMVER" else ecosystems.get(eco)


def key(eco, name):
    base = eco.split(":")[0]
    return base, ecosystems.maybe_normalize_package_names(name, base)


def in_interval(h, version, introduced, fixed, last_affected, limits):
    """osv.dev's ``EnumerableEcosystem._get_affected_versions`` for one version, on the
    ecosystem's ``sort_key`` (ordered-only ecosystems such as SemVer lack the method)."""
    if hasattr(h, "_get_affected_versions"):
        return bool(h._get_affected_versions([version], introduced, fixed, last_affected, limits))
    k = h.sort_key(version)
    if introduced and introduced != "0" and k < h.sort_key(introduced):
        return False
    if fixed and not k < h.sort_key(fixed):
        return False
    if not fixed and last_affected and h.sort_key(last_affected) < k:
        return False
    return not limits or any(k < h.sort_key(lim) for lim in limits)


def affected(entry, version):
    global errors
    eco, versions, ranges = entry
    if version in versions:
        return True
    for rg in ranges:
        if rg["type"] == "GIT":
            continue
        h = helper(eco, rg["type"])
        if h is None:
            continue
        events = [(k, v) for e in rg["events"] for k, v in e.items()]
        limits = [v for k, v in events if k == "limit"] or None
        zero = [(k, v) for k, v in events if k == "introduced" and v == "0"]
        rest = [(k, v) for k, v in events if not (k == "introduced" and v == "0")]
        try:
            rest.sort(key=lambda kv: h.sort_key(kv[1]))
            ordered = zero + rest
            for i, (k, v) in enumerate(ordered):
                if k != "introduced":
                    continue
                fixed = last = None
                for k2, v2 in ordered[i + 1 :]:
                    if k2 == "fixed":
                        fixed = v2
                        break
                    if k2 == "last_affected":
                        last = v2
                        break
                if in_interval(h, version, v, fixed, last, limits):
                    return True
        except Exception:
            errors += 1
    return False


def main():
    index = {}
    with open(sys.argv[1]) as f:
        for line in f:
            r = json.loads(line)
            if r.get("withdrawn"):
                continue
            for a in r.get("affected", []):
                p = a.get("package")
                if not p:
                    continue
                entry = (p["ecosystem"], a.get("versions", []), a.get("ranges", []))
                index.setdefault(key(p["ecosystem"], p["name"]), []).append((r["id"], entry))
    sbom = json.loads(pathlib.Path(sys.argv[2]).read_text())
    times, found = [], set()
    for _ in range(6):
        t = time.perf_counter()
        found = {
            (rid, p["name"], p["version"])
            for p in sbom
            if p["version"]
            for rid, entry in index.get(key(p["ecosystem"], p["name"]), [])
            if (
                entry[0].split(":")[0] != "Debian"
                or entry[0] == p["ecosystem"]
                or ":" not in entry[0]
            )
            and affected(entry, p["version"])
        }
        times.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "warm_scan_ms": min(times[1:]) * 1000,
                "findings": sorted(found),
                "errors": errors // 6,
            }
        )
    )


main()
