"""The vers-spec test suite (../shared/data/vers/tests) against univers, as medsec uses it.

Reports passed/total per file and lists every deviation; fails if fewer cases pass than
recorded in ``MINIMUM`` (a regression) — raise the numbers when univers improves.
"""

from __future__ import annotations

import json
import os
from functools import cmp_to_key
from pathlib import Path
from typing import Any

import pytest
from univers.version_range import RANGE_CLASS_BY_SCHEMES, VersionRange

pytestmark = pytest.mark.conformance

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "vers" / "tests"


def _files() -> list[Path]:
    if not SHARED.is_dir():
        reason = f"{SHARED} is absent: the vers-spec tests are not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    return sorted(SHARED.glob("*.json"))


#: vers-spec scheme names univers spells differently (a naming deviation, same rules).
ALIASES = {"gentoo": "ebuild"}


def _cmp(scheme: str) -> Any:
    cls = RANGE_CLASS_BY_SCHEMES[ALIASES.get(scheme, scheme)].version_class

    def cmp(a: str, b: str) -> int:
        va, vb = cls(a), cls(b)
        return -1 if va < vb else 1 if vb < va else 0

    return cmp


def _run(case: dict[str, Any]) -> bool:
    kind, given, expected = case["test_type"], case["input"], case.get("expected_output")
    failure = case.get("expected_failure", False)
    try:
        if kind == "comparison":
            cmp = _cmp(given["input_scheme"])
            got: Any = sorted(given["versions"], key=cmp_to_key(cmp))
        elif kind == "equality":
            a, b = given["versions"]
            got = _cmp(given["input_scheme"])(a, b) == 0
        elif kind == "containment":
            rng = VersionRange.from_string(given["vers"])
            got = rng.version_class(given["version"]) in rng
        elif kind in ("validate", "from_native", "parse"):
            if kind == "from_native":
                rng = RANGE_CLASS_BY_SCHEMES[given["scheme"]].from_native(given["native_range"])
            else:
                rng = VersionRange.from_string(given if isinstance(given, str) else given["vers"])
            if kind == "parse":
                got = {
                    "scheme": rng.scheme,
                    "version_constraints": [
                        [c.comparator, str(c.version)] for c in rng.constraints
                    ],
                }
            else:
                got = str(rng)
        else:
            return False
    except Exception:  # a univers exception is a failure of this case, counted below
        return bool(failure)
    if failure:
        return False
    if kind == "comparison" and isinstance(expected, list):
        return [str(v) for v in got] == expected
    return bool(got == expected)


#: Cases passing at the time of writing (univers 32); fewer is a regression. Files not
#: listed pass entirely and must keep doing so.
MINIMUM: dict[str, int] = {
    # univers orders NuGet pre-release labels case-sensitively in places ("BETA" vs
    # "beta2"); NuGet compares them case-insensitively. 4 cases.
    "nuget_version_cmp_test.json": 29,
    # univers' vers parser is lenient: it accepts whitespace, empty constraints, unsorted
    # constraints and percent-encoded versions that the spec's canonical form refuses.
    # medsec does not parse vers strings from outside, so this does not reach matching.
    "vers_canonical_parse_test.json": 6,
}


def test_vers_spec_suite(capsys: pytest.CaptureFixture[str]) -> None:
    passed_total = total_total = 0
    report: list[str] = []
    regressions: list[str] = []
    for path in _files():
        cases = json.loads(path.read_text(encoding="utf-8"))["tests"]
        failed = [c for c in cases if not _run(c)]
        passed = len(cases) - len(failed)
        passed_total += passed
        total_total += len(cases)
        report.append(f"{path.name}: {passed}/{len(cases)}")
        report.extend(f"  deviation: {json.dumps(c['input'])[:160]}" for c in failed[:5])
        if passed < MINIMUM.get(path.name, len(cases)):
            regressions.append(f"{path.name}: {passed} < {MINIMUM.get(path.name, len(cases))}")
    with capsys.disabled():
        print(f"\nvers-spec: {passed_total}/{total_total} passed")
        print("\n".join(report))
    assert not regressions, regressions
