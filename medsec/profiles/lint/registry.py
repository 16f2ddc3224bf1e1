"""The rule registry: each lint rule is a small function registered with its metadata.

A rule is a generator over :class:`Issue` objects (a path into the profile and a
message); the runner turns issues into findings, attaching the rule's id, severity and
principle and the source position of the path. Registering looks like this::

    @rule(
        "PSP-NET-003",
        Severity.ERROR,
        "Remote and manufacturer service access is declared",
        "White paper principle 1 (segmenting networks): …",
    )
    def remote_access_declared(ctx: LintContext) -> Iterator[Issue]:
        if ctx.profile.network.remote_access is None:
            yield Issue(("network", "remote_access"), "…")

The id's middle part names the principle (``NET`` → 1 … ``REC`` → 7), so a rule cannot
be filed under the wrong one. ``applies`` says whether the rule is relevant to a profile
(for coverage); a rule that does not apply is not run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from medsec.profiles.lint.findings import Principle, Severity
from medsec.profiles.loader import PathKey
from medsec.profiles.psp import ProductSecurityProfile

RULE_ID = re.compile(r"^PSP-(NET|DATA|MON|USR|HARD|UPD|REC)-\d{3}$")


@dataclass(frozen=True)
class LintContext:
    """What a rule may look at: the profile, and today's date (for expiry checks)."""

    profile: ProductSecurityProfile
    today: dt.date


@dataclass(frozen=True)
class Issue:
    """A rule's complaint: where in the profile (a path as in the source map) and what."""

    path: PathKey
    message: str


Check = Callable[[LintContext], Iterable[Issue]]
Applies = Callable[[LintContext], bool]


def always(ctx: LintContext) -> bool:
    """The default applicability: every profile must say this."""
    return True


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    rationale: str
    check: Check
    applies: Applies

    @property
    def principle(self) -> Principle:
        return Principle.from_code(self.id.split("-")[1])


#: Every registered rule by id. Use :func:`all_rules` for principle-then-id order.
RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    severity: Severity,
    title: str,
    rationale: str,
    *,
    applies: Applies = always,
) -> Callable[[Check], Check]:
    """Register the decorated check under ``rule_id``; the function itself is unchanged."""
    if not RULE_ID.match(rule_id):
        raise ValueError(f"rule id '{rule_id}' is not PSP-<NET|DATA|MON|USR|HARD|UPD|REC>-NNN")
    if rule_id in RULES:
        raise ValueError(f"rule id '{rule_id}' is registered twice")

    def register(check: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, severity, title, rationale, check, applies)
        return check

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, ordered by principle and then id."""
    return sorted(RULES.values(), key=lambda r: (r.principle, r.id))
