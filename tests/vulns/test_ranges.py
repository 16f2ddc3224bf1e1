"""The OSV evaluation algorithm (schema "Evaluation" section), case by case."""

from __future__ import annotations

from typing import Any

import pytest

from medsec.vulns.ranges import GIT_UNSUPPORTED, Interval, RangeSkipped, evaluate_range
from medsec.vulns.records import Range


def _range(*events: tuple[str, str], type: str = "ECOSYSTEM") -> Range:
    data: dict[str, Any] = {"type": type, "events": [{k: v} for k, v in events]}
    if type == "GIT":
        data["repo"] = "https://example.org/repo.git"
    return Range.model_validate(data)


INTRO, F, L, LIM = "introduced", "fixed", "last_affected", "limit"

CASES = [
    # description, ecosystem, events, version, affected
    ("introduced 0 affects everything", "PyPI", [(INTRO, "0")], "0.0.1", True),
    ("before the fix", "PyPI", [(INTRO, "0"), (F, "1.0")], "0.9", True),
    ("the fixed version is not affected", "PyPI", [(INTRO, "0"), (F, "1.0")], "1.0", False),
    ("after the fix", "PyPI", [(INTRO, "0"), (F, "1.0")], "1.1", False),
    ("before introduced", "PyPI", [(INTRO, "1.0"), (F, "2.0")], "0.9", False),
    ("introduced is inclusive", "PyPI", [(INTRO, "1.0"), (F, "2.0")], "1.0", True),
    ("pre-release of the fix is affected", "PyPI", [(INTRO, "0"), (F, "1.0")], "1.0rc1", True),
    ("last_affected is inclusive", "npm", [(INTRO, "0"), (L, "1.2.3")], "1.2.3", True),
    ("after last_affected", "npm", [(INTRO, "0"), (L, "1.2.3")], "1.2.4", False),
    (
        "second interval",
        "PyPI",
        [(INTRO, "1.0"), (F, "1.2"), (INTRO, "3.0"), (F, "3.2")],
        "3.1",
        True,
    ),
    (
        "between intervals",
        "PyPI",
        [(INTRO, "1.0"), (F, "1.2"), (INTRO, "3.0"), (F, "3.2")],
        "2.0",
        False,
    ),
    (
        "unsorted events",
        "PyPI",
        [(F, "3.2"), (INTRO, "3.0"), (F, "1.2"), (INTRO, "1.0")],
        "1.1",
        True,
    ),
    (
        "unsorted, between",
        "PyPI",
        [(F, "3.2"), (INTRO, "3.0"), (F, "1.2"), (INTRO, "1.0")],
        "2.0",
        False,
    ),
    ("introduced 0 listed last", "PyPI", [(F, "1.0"), (INTRO, "0")], "0.5", True),
    ("limit: below", "Go", [(INTRO, "0"), (LIM, "v2.0.0")], "v1.9.0", True),
    ("limit: at the limit", "Go", [(INTRO, "0"), (LIM, "v2.0.0")], "v2.0.0", False),
    ("limit and fixed", "Go", [(INTRO, "0"), (F, "v1.5.0"), (LIM, "v2.0.0")], "v1.6.0", False),
    (
        "two limits: below one",
        "Go",
        [(INTRO, "0"), (LIM, "v1.0.0"), (LIM, "v3.0.0")],
        "v2.0.0",
        True,
    ),
    (
        "same version introduced and fixed is empty",
        "PyPI",
        [(INTRO, "1.0"), (F, "1.0")],
        "1.0",
        False,
    ),
    ("Debian epoch", "Debian:12", [(INTRO, "0"), (F, "1:1.0-1")], "2.0-1", True),
    ("Debian tilde before release", "Debian", [(INTRO, "0"), (F, "1.0-1")], "1.0~rc1-1", True),
    ("Maven qualifier", "Maven", [(INTRO, "2.0"), (F, "2.15.0")], "2.14.1", True),
    ("Maven snapshot of the fix", "Maven", [(INTRO, "0"), (F, "2.0")], "2.0-SNAPSHOT", True),
    ("Alpine revision", "Alpine:v3.19", [(INTRO, "0"), (F, "1.2.3-r2")], "1.2.3-r10", False),
    ("RPM tilde", "Red Hat", [(INTRO, "0"), (F, "1.0")], "1.0~beta", True),
    ("RubyGems pre-release", "RubyGems", [(INTRO, "0"), (F, "6.0.0")], "6.0.0.rc1", True),
    ("NuGet four parts", "NuGet", [(INTRO, "0"), (F, "4.3.1")], "4.3.0.1", True),
    ("Packagist v prefix", "Packagist", [(INTRO, "0"), (F, "v5.4.1")], "5.4.0", True),
    (
        "crates pre-release introduced",
        "crates.io",
        [(INTRO, "0.0.0-0"), (F, "0.3.1")],
        "0.2.0",
        True,
    ),
]


@pytest.mark.parametrize(
    ("ecosystem", "events", "version", "affected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_osv_range_evaluation(
    ecosystem: str, events: list[tuple[str, str]], version: str, affected: bool
) -> None:
    result = evaluate_range(ecosystem, _range(*events), version)
    assert isinstance(result, Interval) is affected


def test_semver_ranges_use_semver_whatever_the_ecosystem() -> None:
    # "1.0.0-rc.1" is a valid SemVer pre-release; the range is ordered as SemVer.
    r = _range((INTRO, "0"), (F, "1.0.0"), type="SEMVER")
    assert isinstance(evaluate_range("crates.io", r, "1.0.0-rc.1"), Interval)


def test_the_interval_names_the_events_that_decided() -> None:
    r = _range((INTRO, "1.0"), (L, "1.2"), (INTRO, "3.0"), (L, "3.4"))
    got = evaluate_range("PyPI", r, "3.1")
    assert got == Interval("ECOSYSTEM", introduced="3.0", last_affected="3.4")
    assert got.describe() == "ECOSYSTEM range: introduced in 3.0, last affected 3.4"
    fixed = evaluate_range("PyPI", _range((INTRO, "0"), (F, "2.0")), "1.0")
    assert fixed == Interval("ECOSYSTEM", introduced="0", fixed="2.0")
    assert fixed.describe() == "ECOSYSTEM range: every version, fixed in 2.0"


def test_git_ranges_are_not_evaluated_and_say_why() -> None:
    r = _range((INTRO, "0"), (F, "a" * 40), type="GIT")
    got = evaluate_range("PyPI", r, "1.0")
    assert got == RangeSkipped("GIT", GIT_UNSUPPORTED)


def test_a_bad_event_makes_the_range_unevaluable_not_a_guess() -> None:
    got = evaluate_range("PyPI", _range((INTRO, "0"), (F, "not a version!")), "1.0")
    assert isinstance(got, RangeSkipped)
    assert "not a valid PyPI version" in got.reason


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([{"fixed": "1.0"}], "must contain an introduced event"),
        ([{"introduced": "0"}, {"fixed": "1"}, {"last_affected": "2"}], "mutually exclusive"),
        ([{"introduced": "0", "fixed": "1.0"}], "exactly one of"),
        ([{"introduced": 1}], "must be a string"),
    ],
)
def test_schema_rules_on_events(events: list[dict[str, Any]], message: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        Range.model_validate({"type": "ECOSYSTEM", "events": events})
