"""Findings as a SARIF 2.1.0 log (for code-scanning dashboards and CI gates).

One rule per vulnerability (its id, aliases, and the highest CVSS score as
``security-severity``), one result per finding: the component as a logical location, the
SBOM file as the artifact, the priority explanation in the message. ``not_affected`` and
``fixed`` findings carry an external suppression with the VEX justification.

>>> log = to_sarif([], "sbom.json")
>>> log["version"], log["runs"][0]["tool"]["driver"]["name"]
('2.1.0', 'medsec')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medsec.vulns.findings import Finding, FindingState
from medsec.vulns.priority import Level

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL = {
    Level.CRITICAL: "error",
    Level.HIGH: "error",
    Level.MEDIUM: "warning",
    Level.LOW: "note",
    Level.NONE: "none",
}


def _rule(f: Finding) -> dict[str, Any]:
    best = max((s.score for s in f.priority.cvss), default=None)
    rule: dict[str, Any] = {
        "id": f.vulnerability,
        "name": f.vulnerability,
        "shortDescription": {"text": f"{f.vulnerability} ({', '.join(f.aliases) or 'no alias'})"},
        "helpUri": f"https://osv.dev/vulnerability/{f.vulnerability}",
        "properties": {"tags": ["security", "vulnerability"], "aliases": list(f.aliases)},
    }
    if best is not None:
        rule["properties"]["security-severity"] = f"{best:.1f}"
    return rule


def _result(f: Finding, rule_index: int, artifact: str) -> dict[str, Any]:
    c = f.component
    name = c.purl or f"{c.name}@{c.version or 'unknown'}"
    result: dict[str, Any] = {
        "ruleId": f.vulnerability,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.priority.level],
        "message": {
            "text": f"{name}: {f.state.value} — {f.detail() or f.match.explanation}. "
            f"Priority {f.priority.explanation()}"
        },
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": artifact}},
                "logicalLocations": [
                    {"name": name, "fullyQualifiedName": f.component_ref, "kind": "module"}
                ],
            }
        ],
        "partialFingerprints": {"medsec/component-vulnerability": f"{name}|{f.vulnerability}"},
        "properties": {
            "state": f.state.value,
            "priority": f.priority.level.value,
            "score": f.priority.score,
            "factors": [
                {"name": x.name, "value": x.value, "contribution": x.contribution}
                for x in f.priority.factors
            ],
        },
    }
    if f.state in (FindingState.NOT_AFFECTED, FindingState.FIXED):
        result["suppressions"] = [{"kind": "external", "justification": f.detail()}]
    return result


def to_sarif(findings: Sequence[Finding], artifact: str) -> dict[str, Any]:
    rules: dict[str, int] = {}
    rule_list: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for f in findings:
        if f.vulnerability not in rules:
            rules[f.vulnerability] = len(rule_list)
            rule_list.append(_rule(f))
        results.append(_result(f, rules[f.vulnerability], artifact))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "medsec",
                        "rules": rule_list,
                    }
                },
                "artifacts": [{"location": {"uri": artifact}}],
                "results": results,
            }
        ],
    }
