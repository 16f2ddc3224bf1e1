"""Suite-wide rules.

In CI (``CI=true``) a test that needs a real component (the shared conformance data, the
PostgreSQL test database, slapd, rsyslog, nft, Chromium, LibreOffice) must not skip: a
skipped conformance, PostgreSQL or end-to-end test would hide a missing install step, so
this hook turns such skips into a failed run.
"""

from __future__ import annotations

import os

import pytest

STRICT_MARKERS = ("conformance", "postgres", "e2e")
_strict_skips: list[str] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/conformance/" in str(item.path):
            item.add_marker(pytest.mark.conformance)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not (_in_ci() and report.skipped):
        return
    keywords = report.keywords
    if any(marker in keywords for marker in STRICT_MARKERS) or "[postgres" in report.nodeid:
        _strict_skips.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _strict_skips:
        terminalreporter.section("skipped in CI (not allowed)")
        for nodeid in _strict_skips:
            terminalreporter.write_line(nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _strict_skips and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
