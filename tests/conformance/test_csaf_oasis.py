"""Every case of the OASIS CSAF 2.0 validator test suite, through medsec's validator port.

``testcases.json`` lists, per test (6.1.1 … 6.3.11), files that must fail it and files that
must pass it. For a must-fail file of a mandatory test, the document must be invalid and the
set of failing mandatory tests must be exactly the listed one, plus the other tests the file
breaks by construction (:data:`ALSO_FAILS`, each with the reason). For an optional or
informative test, the file must produce a warning or info of that test. A valid file must not
fail its test. Counts per group are printed (``pytest -s``) and no group may regress.

The bundled schemas are checked against the OASIS copies: medsec validates against the CSAF
2.0 JSON schema and the FIRST CVSS v2.0/v3.0/v3.1 schemas exactly as published.
"""

from __future__ import annotations

import collections
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from medsec.advisories.interfaces import Preset, ValidationResult
from medsec.advisories.validation import default_validator

pytestmark = pytest.mark.conformance

OASIS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "csaf" / "oasis"
SUITE = OASIS / "csaf_2.0" / "test" / "validator" / "data"

#: Test files that break more mandatory tests than the one they are listed for.
#: "6.1.16 (library)": the csaf library compares the document version with the highest
#: revision number, where CSAF 2.0 §6.1.16 says the newest by date; the two readings differ
#: only for a history that is not sorted, i.e. one that already fails 6.1.14.
_LIB_6_1_16 = "6.1.16 (library): the highest revision number is not the document version"
ALSO_FAILS: dict[str, tuple[set[str], str]] = {
    "6-1-14-01": ({"6.1.16", "6.1.21"}, f"by date the history starts at 2 (6.1.21); {_LIB_6_1_16}"),
    "6-1-14-02": ({"6.1.21"}, "by date the history starts at 2, not 0 or 1"),
    "6-1-14-03": ({"6.1.21"}, "by date the history starts at 2, not 0 or 1"),
    "6-1-14-04": ({"6.1.16", "6.1.21"}, f"by date the majors start at 2 (6.1.21); {_LIB_6_1_16}"),
    "6-1-14-05": ({"6.1.21"}, "by date the major versions start at 2, not 0 or 1"),
    "6-1-14-06": ({"6.1.16", "6.1.21"}, f"by date 10 comes before 9 (6.1.21); {_LIB_6_1_16}"),
    "6-1-14-07": ({"6.1.16"}, _LIB_6_1_16),
    "6-1-14-08": ({"6.1.16", "6.1.21"}, f"by date the history starts at 2 (6.1.21); {_LIB_6_1_16}"),
    "6-1-17-01": ({"6.1.18"}, "its one revision is the draft version 0.9.5 of a final document"),
    "6-1-20-01": (
        {"6.1.16"},
        "an interim document keeps the pre-release part: 1.0.0-alpha ≠ 1.0.0",
    ),
    "6-1-22-01": (
        {"6.1.14", "6.1.21"},
        "number 1 twice: by date it does not ascend, and 2 is missing",
    ),
    "6-1-27-03-01": ({"6.1.27.2"}, "the informational advisory has no external reference"),
    "6-1-27-04-01": ({"6.1.27.5", "6.1.27.6"}, "its vulnerability has no notes and no status"),
    "6-1-27-05-01": ({"6.1.27.4", "6.1.27.6"}, "it has no product tree and no product status"),
    "6-1-27-06-01": ({"6.1.27.4", "6.1.27.5"}, "it has no product tree and no notes"),
    "6-1-27-07-01": ({"6.1.27.5", "6.1.27.8"}, "its vulnerability has no notes and no CVE"),
    "6-1-27-08-01": ({"6.1.27.4", "6.1.27.5"}, "it has no product tree and no notes"),
    "6-1-27-10-01": ({"6.1.27.5"}, "its vulnerability has no notes"),
    "6-1-30-01": ({"6.1.14", "6.1.16"}, f"'2' and '1.0.0' cannot be ordered; {_LIB_6_1_16}"),
}

#: Cases medsec does not decide, and why. Only informative tests; none is mandatory.
KNOWN_DEVIATIONS: dict[str, str] = {
    "6-3-06-01": "6.3.6 resolves URLs over the network; medsec validates offline (not run)",
    "6-3-06-02": "6.3.6 resolves URLs over the network; medsec validates offline (not run)",
    "6-3-07-01": "6.3.7 resolves URLs over the network; medsec validates offline (not run)",
    "6-3-08-01": "6.3.8 spell check is not implemented by the csaf library (not run)",
    "6-3-08-02": "6.3.8 spell check is not implemented by the csaf library (not run)",
}

#: What passed when this suite was last changed: any fewer is a regression.
EXPECTED_PASSES = {"mandatory": (147, 147), "optional": (51, 51), "informative": (36, 41)}


@dataclass(frozen=True)
class Case:
    test_id: str
    group: str
    file: str
    must_fail: bool

    @property
    def key(self) -> str:
        return self.file.rsplit("-2021-", 1)[1].removesuffix(".json")


def _suite() -> list[Case]:
    index = SUITE / "testcases.json"
    if not index.is_file():
        reason = f"{index} is absent: the OASIS CSAF test suite is not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    tests: list[dict[str, Any]] = json.loads(index.read_text(encoding="utf-8"))["tests"]
    return [
        Case(t["id"], t["group"], case["name"], kind == "failures")
        for t in tests
        for kind in ("failures", "valid")
        for case in t.get(kind, [])
    ]


def _check(case: Case, result: ValidationResult) -> str | None:
    """``None`` if the result is what the suite expects, else what is wrong."""
    failing = {f.test_id for f in result.findings}
    if case.group == "mandatory":
        if not case.must_fail:
            if not result.is_valid:
                return f"valid file reported invalid: {sorted({f.test_id for f in result.errors})}"
            return None
        if result.is_valid:
            return "must-fail file reported valid"
        expected = {case.test_id} | ALSO_FAILS.get(case.key, (set(), ""))[0]
        errors = {f.test_id for f in result.errors}
        return None if errors == expected else f"errors {sorted(errors)} != {sorted(expected)}"
    if case.must_fail:
        return None if case.test_id in failing else f"{case.test_id} not reported"
    return f"{case.test_id} reported on a valid file" if case.test_id in failing else None


def test_every_oasis_case_and_no_regression() -> None:
    validator = default_validator()
    passed: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    wrong: list[str] = []
    deviations: list[str] = []
    for case in _suite():
        document = json.loads((SUITE / case.file).read_text(encoding="utf-8"))
        result = validator.validate(document, file=case.file, preset=Preset.FULL)
        total[case.group] += 1
        problem = _check(case, result)
        if problem is None:
            passed[case.group] += 1
            assert case.key not in KNOWN_DEVIATIONS, f"{case.key} now passes: drop the deviation"
        elif case.key in KNOWN_DEVIATIONS:
            deviations.append(f"{case.test_id} {case.key}: {KNOWN_DEVIATIONS[case.key]}")
        else:
            wrong.append(f"{case.group} {case.test_id} {case.file}: {problem}")
    print()
    for group in ("mandatory", "optional", "informative"):
        print(f"OASIS CSAF 2.0 {group}: {passed[group]}/{total[group]} cases pass")
    for line in deviations:
        print(f"  known deviation: {line}")
    assert wrong == []
    assert len(deviations) == len(KNOWN_DEVIATIONS)
    assert {g: (passed[g], total[g]) for g in EXPECTED_PASSES} == EXPECTED_PASSES


def test_the_also_fails_table_names_only_real_cases() -> None:
    keys = {case.key for case in _suite()}
    assert set(ALSO_FAILS) <= keys
    assert set(KNOWN_DEVIATIONS) <= keys


def _bundled_schemas() -> Path:
    import csaf.csaf.v20 as v20  # type: ignore[import-untyped]

    return Path(v20.__file__).parent / "schema"


@pytest.mark.parametrize(
    ("bundled", "published"),
    [
        ("csaf.json", "json_schema/csaf_json_schema.json"),
        ("referenced/cvss-v2.0.json", "referenced_schema/first/cvss-v2.0.json"),
        ("referenced/cvss-v3.0.json", "referenced_schema/first/cvss-v3.0.json"),
        ("referenced/cvss-v3.1.json", "referenced_schema/first/cvss-v3.1.json"),
    ],
)
def test_the_bundled_schemas_are_the_published_ones(bundled: str, published: str) -> None:
    reference = OASIS / "csaf_2.0" / published
    if not reference.is_file():
        pytest.skip(f"{reference} is absent")
    ours = json.loads((_bundled_schemas() / bundled).read_text(encoding="utf-8"))
    assert ours == json.loads(reference.read_text(encoding="utf-8"))


def test_the_oasis_example_advisories_are_valid() -> None:
    """The TC's own example documents (Red Hat, Cisco, BSI, the VEX use cases) are valid CSAF
    2.0. One VEX example lists `recommended` beside `fixed`: CSAF 2.0 allows it, the csaf
    library flags it, medsec reports it as a warning (see csaf_lib._vex_status_as_csaf20)."""
    examples = sorted((OASIS / "csaf_2.0" / "examples" / "csaf").rglob("*.json"))
    if not examples:
        pytest.skip("the OASIS examples are absent")
    validator = default_validator()
    warned: dict[str, set[str]] = {}
    for path in examples:
        document = json.loads(path.read_text(encoding="utf-8"))
        result = validator.validate(document, file=path.name, preset=Preset.MANDATORY)
        assert result.errors == (), path.name
        if result.warnings:
            warned[path.name] = {f.test_id for f in result.warnings}
    print(f"\nOASIS CSAF 2.0 examples: {len(examples)}/{len(examples)} valid")
    assert len(examples) == 19
    assert warned == {"2022-evd-uc-08-001.json": {"6.1.27.7"}}
