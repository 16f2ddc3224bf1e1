"""The rule registry: well-formed ids, honest metadata, every principle covered."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from medsec.profiles.lint import RULES, LintReport, Principle, Severity, all_rules
from medsec.profiles.lint.registry import rule
from medsec.profiles.psp import EXAMPLE_MINIMAL


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_metadata(rule_id: str) -> None:
    r = RULES[rule_id]
    assert re.fullmatch(r"PSP-(NET|DATA|MON|USR|HARD|UPD|REC)-\d{3}", r.id)
    assert r.principle.code == r.id.split("-")[1]
    assert r.title and "\n" not in r.title and not r.title.endswith(".")
    label = r.principle.label.lower()
    assert r.rationale.startswith(f"White paper principle {int(r.principle)} ({label}): ")


def test_rule_numbers_are_dense_within_each_principle() -> None:
    for principle in Principle:
        numbers = sorted(int(r.id[-3:]) for r in RULES.values() if r.principle is principle)
        assert numbers == list(range(1, len(numbers) + 1)), principle.label


def test_all_rules_are_ordered_by_principle_then_id() -> None:
    ordered = all_rules()
    assert [(r.principle, r.id) for r in ordered] == sorted((r.principle, r.id) for r in ordered)


def test_every_principle_has_rules_that_apply_to_any_profile(
    lint_text: Callable[[str], LintReport],
) -> None:
    report = lint_text(EXAMPLE_MINIMAL)
    assert [c.principle for c in report.coverage] == list(Principle)
    assert all(c.applicable >= 1 for c in report.coverage)


@pytest.mark.parametrize(
    ("rule_id", "problem"),
    [
        ("PSP-XYZ-001", "is not PSP-"),
        ("PSP-NET-1", "is not PSP-"),
        ("psp-net-001", "is not PSP-"),
        ("PSP-NET-001", "registered twice"),
    ],
)
def test_registering_a_bad_or_duplicate_id_is_refused(rule_id: str, problem: str) -> None:
    before = dict(RULES)
    with pytest.raises(ValueError, match=problem):
        rule(rule_id, Severity.INFO, "title", "rationale")
    assert before == RULES


@pytest.mark.parametrize(
    ("severity", "threshold", "expected"),
    [
        (Severity.ERROR, Severity.ERROR, True),
        (Severity.ERROR, Severity.WARNING, True),
        (Severity.WARNING, Severity.ERROR, False),
        (Severity.WARNING, Severity.WARNING, True),
        (Severity.INFO, Severity.WARNING, False),
        (Severity.INFO, Severity.INFO, True),
    ],
)
def test_severity_order(severity: Severity, threshold: Severity, expected: bool) -> None:
    assert severity.at_least(threshold) is expected


def test_principle_codes_round_trip() -> None:
    assert [Principle.from_code(p.code) for p in Principle] == list(Principle)
    with pytest.raises(ValueError, match="not a principle code"):
        Principle.from_code("XYZ")
