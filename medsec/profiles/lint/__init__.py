"""Lint a Product Security Profile against the seven principles of the DITTA white paper.

Validation (:mod:`medsec.profiles.loader`) says whether a profile is *well-formed*;
lint says whether it is *complete*: whether it tells a hospital what the white paper
says a manufacturer should share. Each rule has a stable id ``PSP-<NET|DATA|MON|USR|
HARD|UPD|REC>-NNN``, a severity and a principle, and is documented in
``docs/lint-rules.md``. The report also scores coverage per principle.

>>> from medsec.profiles.loader import LoadedProfile, parse_document, build_profile
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> parsed = parse_document(EXAMPLE_MINIMAL, "minimal.yaml")
>>> report = lint(LoadedProfile(build_profile(parsed), parsed.source))
>>> sorted({f.rule for f in report.findings if f.severity is Severity.ERROR})[:3]
['PSP-MON-003', 'PSP-NET-003', 'PSP-REC-001']
>>> report.fails(Severity.ERROR), report.coverage[0].principle.label
(True, 'Segmenting networks')
"""

from medsec.profiles.lint.findings import (
    Finding,
    LintReport,
    Principle,
    PrincipleCoverage,
    Severity,
)
from medsec.profiles.lint.registry import RULES, Rule, all_rules
from medsec.profiles.lint.runner import lint

__all__ = [
    "RULES",
    "Finding",
    "LintReport",
    "Principle",
    "PrincipleCoverage",
    "Rule",
    "Severity",
    "all_rules",
    "lint",
]
