"""The lint report: its JSON form, its summary, and what makes it fail."""

from __future__ import annotations

import json
from collections.abc import Callable

from medsec.profiles.lint import LintReport, Severity
from medsec.profiles.psp import EXAMPLE_MINIMAL

FINDING_KEYS = {"rule", "severity", "principle", "message", "file", "line", "column", "path"}


def test_json_shape(lint_text: Callable[[str], LintReport]) -> None:
    report = lint_text(EXAMPLE_MINIMAL)
    data = json.loads(json.dumps(report.to_json()))  # plain JSON types only
    assert set(data) == {"file", "findings", "coverage", "summary"}
    assert data["file"] == "variant.yaml"
    assert data["findings"], "the minimal profile has findings"
    for finding in data["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in {"error", "warning", "info"}
        assert finding["principle"] in range(1, 8)
        assert isinstance(finding["line"], int) and isinstance(finding["column"], int)
        assert finding["rule"].startswith("PSP-") and finding["path"]
    assert list(data["coverage"]) == ["1", "2", "3", "4", "5", "6", "7"]
    assert data["coverage"]["1"]["name"] == "Segmenting networks"
    assert data["coverage"]["7"]["name"] == "Recovery and escalation"
    for entry in data["coverage"].values():
        assert set(entry) == {"name", "satisfied", "applicable", "score"}
        assert 0 <= entry["satisfied"] <= entry["applicable"]
        assert 0.0 <= entry["score"] <= 1.0
    severities = [f["severity"] for f in data["findings"]]
    assert data["summary"] == {
        "errors": severities.count("error"),
        "warnings": severities.count("warning"),
        "info": severities.count("info"),
    }


def test_json_has_all_seven_principles_even_without_findings(
    compliant_text: str, lint_text: Callable[[str], LintReport]
) -> None:
    data = lint_text(compliant_text).to_json()
    assert data["findings"] == []
    assert list(data["coverage"]) == ["1", "2", "3", "4", "5", "6", "7"]
    assert all(entry["score"] == 1.0 for entry in data["coverage"].values())
    assert data["summary"] == {"errors": 0, "warnings": 0, "info": 0}


def test_findings_are_sorted_by_place(lint_text: Callable[[str], LintReport]) -> None:
    findings = lint_text(EXAMPLE_MINIMAL).findings
    places = [(f.location.line, f.location.column, f.rule) for f in findings]
    assert places == sorted(places)


def test_fails_at_or_above_the_threshold(
    compliant_text: str, lint_text: Callable[[str], LintReport]
) -> None:
    minimal = lint_text(EXAMPLE_MINIMAL)
    assert minimal.fails(Severity.ERROR) and minimal.fails(Severity.WARNING)
    clean = lint_text(compliant_text)
    assert not clean.fails(Severity.INFO)


def test_a_finding_prints_like_a_compiler_message(lint_text: Callable[[str], LintReport]) -> None:
    finding = next(f for f in lint_text(EXAMPLE_MINIMAL).findings if f.rule == "PSP-NET-003")
    assert str(finding).startswith("variant.yaml:1:1: error PSP-NET-003 network.remote_access")
