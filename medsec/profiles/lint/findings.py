"""What lint reports: findings, per-principle coverage, and the report that holds both.

These are plain frozen dataclasses so a report can be compared, stored or turned into
JSON (:meth:`LintReport.to_json`) without knowing how the rules work.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from medsec.errors import Location


class Severity(enum.StrEnum):
    """How much a finding matters. ``error`` fails lint by default (``--fail-on``)."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Larger is more severe: info 0, warning 1, error 2."""
        return list(Severity).index(self)

    def at_least(self, threshold: Severity) -> bool:
        return self.rank >= threshold.rank


class Principle(enum.IntEnum):
    """The seven principles of the DITTA white paper, numbered as the paper numbers them."""

    NETWORK = 1
    DATA = 2
    MONITORING = 3
    USERS = 4
    HARDENING = 5
    UPDATES = 6
    RECOVERY = 7

    @property
    def label(self) -> str:
        """The principle's name, e.g. "Segmenting networks"."""
        return _LABELS[self]

    @property
    def code(self) -> str:
        """The part of a rule id naming the principle: ``PSP-<code>-NNN``."""
        return _CODES[self]

    @classmethod
    def from_code(cls, code: str) -> Principle:
        for principle, known in _CODES.items():
            if known == code:
                return principle
        raise ValueError(f"'{code}' is not a principle code ({', '.join(_CODES.values())})")


_LABELS = {
    Principle.NETWORK: "Segmenting networks",
    Principle.DATA: "Data types and flows",
    Principle.MONITORING: "Monitoring",
    Principle.USERS: "User management",
    Principle.HARDENING: "Hardening",
    Principle.UPDATES: "Updating",
    Principle.RECOVERY: "Recovery and escalation",
}

_CODES = {
    Principle.NETWORK: "NET",
    Principle.DATA: "DATA",
    Principle.MONITORING: "MON",
    Principle.USERS: "USR",
    Principle.HARDENING: "HARD",
    Principle.UPDATES: "UPD",
    Principle.RECOVERY: "REC",
}


@dataclass(frozen=True)
class Finding:
    """One rule not met at one place of the profile."""

    rule: str
    severity: Severity
    principle: Principle
    message: str
    location: Location

    def __str__(self) -> str:
        return f"{self.location}: {self.severity} {self.rule} {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "principle": int(self.principle),
            "message": self.message,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "path": self.location.path,
        }


@dataclass(frozen=True)
class PrincipleCoverage:
    """How many of a principle's rules apply to the profile, and how many it meets.

    A rule applies when the profile has the thing the rule is about (a rule on inbound
    services does not apply to a device without any); it is satisfied when it applies
    and produced no finding.
    """

    principle: Principle
    applicable: int
    satisfied: int

    @property
    def score(self) -> float:
        """``satisfied / applicable``; 1.0 when nothing applies (nothing was left out)."""
        return self.satisfied / self.applicable if self.applicable else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.principle.label,
            "satisfied": self.satisfied,
            "applicable": self.applicable,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class LintReport:
    """Every finding of one lint run, sorted by place, and coverage of all seven principles."""

    file: str
    findings: tuple[Finding, ...]
    coverage: tuple[PrincipleCoverage, ...]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def fails(self, threshold: Severity) -> bool:
        """True when some finding is at least as severe as ``threshold``."""
        return any(f.severity.at_least(threshold) for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        """A plain dict for ``--format json``; ``coverage`` always has keys "1" … "7"."""
        return {
            "file": self.file,
            "findings": [f.to_json() for f in self.findings],
            "coverage": {str(int(c.principle)): c.to_json() for c in self.coverage},
            "summary": {
                "errors": self.count(Severity.ERROR),
                "warnings": self.count(Severity.WARNING),
                "info": self.count(Severity.INFO),
            },
        }
