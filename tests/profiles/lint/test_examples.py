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
