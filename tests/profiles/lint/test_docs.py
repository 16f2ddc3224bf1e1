"""docs/lint-rules.md documents exactly the registered rules, with their titles and severities."""

from __future__ import annotations

import re
from pathlib import Path

from medsec.profiles.lint import RULES, Principle

DOC = Path(__file__).resolve().parents[3] / "docs" / "lint-rules.md"

SECTION = re.compile(r"^## (\d) — (.+)$")
HEADING = re.compile(r"^### (PSP-[A-Z]+-\d{3}) — (.+)$")
FIELD = re.compile(r"^- \*\*(Severity|Checks|Why|Fix):\*\* (.+)$")


def documented() -> dict[str, dict[str, str]]:
    """Rule id → {principle, title, Severity, Checks, Why, Fix} as written in the doc."""
    rules: dict[str, dict[str, str]] = {}
    principle = ""
    current: dict[str, str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if m := SECTION.match(line):
            principle, current = m.group(1), None
        elif m := HEADING.match(line):
            assert m.group(1) not in rules, f"{m.group(1)} is documented twice"
            current = rules[m.group(1)] = {"principle": principle, "title": m.group(2)}
        elif (m := FIELD.match(line)) and current is not None:
            current[m.group(1)] = m.group(2)
    return rules


def test_every_rule_is_documented_and_every_documented_rule_exists() -> None:
    assert sorted(documented()) == sorted(RULES)


def test_documentation_matches_the_registry() -> None:
    for rule_id, doc in documented().items():
        rule = RULES[rule_id]
        assert doc["title"] == rule.title, rule_id
        assert doc["Severity"] == rule.severity.value, rule_id
        assert doc.get("Why") == rule.rationale, f"{rule_id}: Why differs from the rationale"
        assert doc["principle"] == str(int(rule.principle)), (
            f"{rule_id} is under the wrong principle"
        )
        for part in ("Checks", "Why", "Fix"):
            assert doc.get(part), f"{rule_id} has no {part}"


def test_the_doc_has_one_section_per_principle_in_order() -> None:
    sections = [
        (int(m.group(1)), m.group(2))
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if (m := SECTION.match(line))
    ]
    assert sections == [(int(p), p.label) for p in Principle]
