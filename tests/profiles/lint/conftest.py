"""Fixtures for the lint tests: the compliant fixture profile and a text → report linter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from medsec.profiles.lint import LintReport, lint
from medsec.profiles.loader import LoadedProfile, build_profile, parse_document

FIXTURES = Path(__file__).parent / "fixtures"

#: The date lint compares expiry dates with in these tests (the fixture's dates are later).
TODAY = dt.date(2026, 1, 15)


def load_text(text: str, file: str) -> LoadedProfile:
    parsed = parse_document(text, file)
    return LoadedProfile(build_profile(parsed), parsed.source)


@pytest.fixture
def compliant_path() -> Path:
    return FIXTURES / "compliant.yaml"


@pytest.fixture
def compliant_text(compliant_path: Path) -> str:
    return compliant_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def compliant_report() -> LintReport:
    """The compliant fixture, linted once for the many tests that only read the report."""
    return lint(
        load_text((FIXTURES / "compliant.yaml").read_text(encoding="utf-8"), "variant.yaml"),
        today=TODAY,
    )


@pytest.fixture
def lint_text() -> Callable[[str], LintReport]:
    """Lint profile text as ``variant.yaml`` on :data:`TODAY`."""

    def run(text: str) -> LintReport:
        return lint(load_text(text, "variant.yaml"), today=TODAY)

    return run
