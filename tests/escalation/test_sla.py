"""Reading SLA targets from a profile's words, and due times on a 24×7 or business clock."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.escalation.sla import BusinessHours, add_time, parse_sla

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "severity", "response", "resolution", "calendar"),
    [
        ("Security incidents acknowledged within 4 hours, 24/7.", "high", 4 * H, None, "24×7"),
        (
            "Severity 1 answered within 30 minutes, 24/7; security incidents acknowledged "
            "within 2 hours.",
            "critical", 30 * M, None, "24×7",
        ),
        (
            "Severity 1 answered within 30 minutes, 24/7; security incidents acknowledged "
            "within 2 hours.",
            "medium", 2 * H, None, "24×7",
        ),
        (
            "Responded to within 1 business day and resolved within 5 days, Mon–Fri "
            "08:00–18:00 CET.",
            "high", 10 * H, 5 * D, "Mon–Fri 08:00–18:00 CET",
        ),
        ("Acknowledged within 8 h; fixed within 30 days", "low", 8 * H, 30 * D, "24×7"),
        ("We do our best.", "high", None, None, "24×7"),
        (None, "high", None, None, "24×7"),
    ],
)  # fmt: skip
def test_targets_read_from_the_sla_text(
    text: str | None,
    severity: str,
    response: dt.timedelta | None,
    resolution: dt.timedelta | None,
    calendar: str,
) -> None:
    terms = parse_sla(text)
    assert terms.response_for(severity) == response
    assert terms.resolution_for(severity) == resolution
    assert terms.calendar == calendar


OFFICE = BusinessHours(frozenset(range(5)), dt.time(8), dt.time(18), "UTC")
FRIDAY_5PM = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("start", "delta", "due"),
    [
        (FRIDAY_5PM, 30 * M, dt.datetime(2026, 12, 4, 17, 30, tzinfo=dt.UTC)),
        (FRIDAY_5PM, 4 * H, dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC)),  # over the weekend
        (
            dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC),  # Saturday: the clock starts Monday
            1 * H, dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC),  # before opening
            10 * H, dt.datetime(2026, 12, 7, 18, 0, tzinfo=dt.UTC),
        ),
    ],
)  # fmt: skip
def test_business_hours_clock(start: dt.datetime, delta: dt.timedelta, due: dt.datetime) -> None:
    assert add_time(start, delta, OFFICE) == due


def test_business_hours_in_a_local_zone() -> None:
    cet = BusinessHours(frozenset(range(5)), dt.time(8), dt.time(18), "CET")
    # 17:00 CET on a Friday in winter is 16:00 UTC; two hours → Monday 09:00 CET = 08:00 UTC.
    start = dt.datetime(2026, 12, 4, 16, 0, tzinfo=dt.UTC)
    assert add_time(start, 2 * H, cet) == dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


def test_around_the_clock_is_plain_addition() -> None:
    assert add_time(FRIDAY_5PM, 4 * H, None) == FRIDAY_5PM + 4 * H


@given(st.text(max_size=300))
def test_any_text_is_read_without_error(text: str) -> None:
    terms = parse_sla(text)
    assert terms.text == text
    for severity in ("critical", "high", "medium", "low"):
        for target in (terms.response_for(severity), terms.resolution_for(severity)):
            assert target is None or target >= dt.timedelta(0)


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    st.integers(min_value=0, max_value=30 * 24 * 60),
)
def test_business_due_time_is_never_before_the_plain_one(start: dt.datetime, minutes: int) -> None:
    delta = dt.timedelta(minutes=minutes)
    assert add_time(start, delta, OFFICE) >= add_time(start, delta, None)
