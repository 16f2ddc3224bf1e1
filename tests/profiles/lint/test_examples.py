"""The shipped example profiles: the realistic ones lint without errors, the weak one fails
with the errors it was written to show."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from medsec.profiles.lint import Severity, lint
from medsec.profiles.loader import load_document

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
#: Expiry rules compare with this date, so the examples' own dates do not age the tests.
TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize("name", ["infusion-pump.yaml", "ct-scanner.yaml", "pacs-server.yaml"])
def test_realistic_example_has_no_errors(name: str) -> None:
    report = lint(load_document(EXAMPLES / name), today=TODAY)
    errors = [str(f) for f in report.findings if f.severity is Severity.ERROR]
    assert errors == []


def test_infusion_pump_meets_every_rule() -> None:
    report = lint(load_document(EXAMPLES / "infusion-pump.yaml"), today=TODAY)
    assert [str(f) for f in report.findings] == []


WEAK = EXAMPLES / "weak" / "infusion-pump-weak.yaml"

#: The gaps listed in the weak example's header comment, by the rule that must find each.
WEAK_ERRORS = {
    "PSP-NET-003",  # no remote_access although there is a cloud diagnostics link
    "PSP-NET-004",  # inbound HTTP status page without authentication
    "PSP-DATA-001",  # PHI flow to the EHR without integrity
    "PSP-DATA-002",  # … and in cleartext without a compensating control
    "PSP-MON-001",  # events without meaning or recommended action
    "PSP-MON-003",  # no SBOM reference
    "PSP-USR-001",  # shared service password, change not enforced
    "PSP-USR-003",  # no password policy
    "PSP-REC-001",  # no CVD contact
}
WEAK_WARNINGS = {
    "PSP-NET-009",  # the status page has no compensating controls
    "PSP-MON-005",  # logs only over unencrypted syslog
    "PSP-USR-006",  # the reset keeps keys and is not logged
    "PSP-USR-009",  # nothing said about MFA
    "PSP-HARD-002",  # measures without functional impact or risk
    "PSP-UPD-001",  # no priority scale
}


def test_weak_example_fails_with_the_errors_it_demonstrates() -> None:
    report = lint(load_document(WEAK), today=TODAY)
    assert report.fails(Severity.ERROR)
    by_severity = {
        severity: {f.rule for f in report.findings if f.severity is severity}
        for severity in Severity
    }
    assert by_severity[Severity.ERROR] == WEAK_ERRORS
    assert by_severity[Severity.WARNING] >= WEAK_WARNINGS
    for finding in report.findings:
        assert finding.location.line > 1 and finding.location.path
