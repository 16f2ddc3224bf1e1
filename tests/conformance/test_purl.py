"""The purl-spec test suite (../shared/data/purl/tests) against packageurl-python, and
medsec's purl -> OSV mapping on every parse case of the ecosystems it matches.

Reports passed/total and lists deviations; fails if fewer cases pass than recorded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from packageurl import PackageURL

from medsec.errors import Error
from medsec.vulns.packages import Package, ecosystem_of_purl

pytestmark = pytest.mark.conformance

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "purl" / "tests"


def _cases() -> list[tuple[str, dict[str, Any]]]:
    if not SHARED.is_dir():
        reason = f"{SHARED} is absent: the purl-spec tests are not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    return [
        (path.name, case)
        for path in sorted(SHARED.glob("*/*.json"))
        for case in json.loads(path.read_text(encoding="utf-8"))["tests"]
    ]


def _run(case: dict[str, Any]) -> bool:
    kind, given, expected = case["test_type"], case["input"], case.get("expected_output")
    try:
        if kind == "parse":
            p = PackageURL.from_string(given)
            got: Any = {
                "type": p.type,
                "namespace": p.namespace,
                "name": p.name,
                "version": p.version,
                "qualifiers": p.qualifiers or None,
                "subpath": p.subpath,
            }
        elif kind == "validate":
            got = PackageURL.from_string(given).to_string()
        elif kind == "build":
            got = PackageURL(**given).to_string()
        else:
            return False
    except ValueError:
        return bool(case.get("expected_failure"))
    return not case.get("expected_failure") and got == expected


#: Cases packageurl-python 0.17 fails at the time of writing; more is a regression.
#: Why (from the list the test prints): purl types and type rules added to the spec after
#: 0.17 (mlflow, huggingface, oci, brew, swift, cpan, vcpkg, otp, chrome-extension, julia,
#: bazel, luarocks, vscode-extension, git); percent-encoding of URL qualifier values
#: (repository_url, vcs_url, download_url: maven, npm, hex, generic); qualifier keys in
#: upper case kept as written (gem ``Platform``, rpm ``Arch``/``Distro``; medsec lowercases
#: qualifier keys itself before reading ``distro``). None changes the type, namespace,
#: name or version medsec matches on.
MAXIMUM_FAILURES = 83


def test_purl_spec_suite(capsys: pytest.CaptureFixture[str]) -> None:
    cases = _cases()
    failed = [(name, c) for name, c in cases if not _run(c)]
    with capsys.disabled():
        print(f"\npurl-spec: {len(cases) - len(failed)}/{len(cases)} passed")
        for name, c in failed:
            print(f"  deviation: {name}: {c['test_type']}: {json.dumps(c['input'])[:140]}")
    assert len(failed) <= MAXIMUM_FAILURES


OSV_TYPES = {
    "pypi",
    "npm",
    "maven",
    "golang",
    "cargo",
    "nuget",
    "gem",
    "composer",
    "deb",
    "apk",
    "rpm",
    "hex",
    "pub",
}


def test_every_valid_purl_of_a_matched_type_becomes_a_package() -> None:
    seen = 0
    for _, case in _cases():
        if case["test_type"] != "parse" or case.get("expected_failure"):
            continue
        purl = PackageURL.from_string(case["input"])
        if purl.type not in OSV_TYPES:
            continue
        seen += 1
        try:
            package = Package.from_purl(case["input"])
        except Error as e:  # pragma: no cover - a failure names the case
            pytest.fail(f"{case['input']}: {e.diagnostics()}")
        if ecosystem_of_purl(purl) is not None:
            assert package.ecosystem is not None
    assert seen > 20
