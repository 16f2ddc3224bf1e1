"""Run every registered rule over a loaded profile and collect a :class:`LintReport`."""

from __future__ import annotations

import datetime as dt

from medsec.profiles.lint import rules as _rules  # noqa: F401  (registers the rules)
from medsec.profiles.lint.findings import Finding, LintReport, Principle, PrincipleCoverage
from medsec.profiles.lint.registry import LintContext, all_rules
from medsec.profiles.loader import LoadedProfile


def lint(loaded: LoadedProfile, *, today: dt.date | None = None) -> LintReport:
    """Check ``loaded`` against every rule; ``today`` (default: the current UTC date) is
    what expiry rules compare dates with."""
    ctx = LintContext(loaded.profile, today or dt.datetime.now(dt.UTC).date())
    findings: list[Finding] = []
    applicable = dict.fromkeys(Principle, 0)
    satisfied = dict.fromkeys(Principle, 0)
    for rule in all_rules():
        if not rule.applies(ctx):
            continue
        applicable[rule.principle] += 1
        issues = list(rule.check(ctx))
        if not issues:
            satisfied[rule.principle] += 1
        findings.extend(
            Finding(
                rule=rule.id,
                severity=rule.severity,
                principle=rule.principle,
                message=issue.message,
                location=loaded.source.locate(issue.path),
            )
            for issue in issues
        )
    findings.sort(key=lambda f: (f.location.line, f.location.column, f.rule, f.message))
    coverage = tuple(PrincipleCoverage(p, applicable[p], satisfied[p]) for p in Principle)
    return LintReport(loaded.source.file, tuple(findings), coverage)
