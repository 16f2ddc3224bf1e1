"""Maintenance windows in local time, occurrences in UTC, across daylight-saving changes.

The rule (docs/updates.md, medsec/updates/windows.py): a time in the spring gap moves to
the first instant after it; in the repeated autumn hour a start takes the second
occurrence and an end the first (both the first when both are in it).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.updates.windows import (
    WindowError,
    WindowRule,
    between,
    occurrence_on,
    parse_weekdays,
)

UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


SPRING_BERLIN = dt.date(2026, 3, 29)  # 02:00 CET → 03:00 CEST
AUTUMN_BERLIN = dt.date(2026, 10, 25)  # 03:00 CEST → 02:00 CET
SPRING_NY = dt.date(2026, 3, 8)  # 02:00 EST → 03:00 EDT
AUTUMN_NY = dt.date(2026, 11, 1)  # 02:00 EDT → 01:00 EST


@pytest.mark.parametrize(
    ("zone", "day", "start", "end", "expected"),
    [
        # An ordinary day: four hours, offset +02:00 in summer.
        (
            "Europe/Berlin",
            dt.date(2026, 6, 2),
            "01:00",
            "05:00",
            ("2026-06-01 23:00", "2026-06-02 03:00"),
        ),
        # Spring: 01:00 CET … 05:00 CEST is three hours of real time.
        (
            "Europe/Berlin",
            SPRING_BERLIN,
            "01:00",
            "05:00",
            ("2026-03-29 00:00", "2026-03-29 03:00"),
        ),
        # Autumn: 01:00 CEST … 05:00 CET is five hours of real time.
        (
            "Europe/Berlin",
            AUTUMN_BERLIN,
            "01:00",
            "05:00",
            ("2026-10-24 23:00", "2026-10-25 04:00"),
        ),
        # A start in the gap moves to 03:00 CEST.
        (
            "Europe/Berlin",
            SPRING_BERLIN,
            "02:30",
            "04:00",
            ("2026-03-29 01:00", "2026-03-29 02:00"),
        ),
        # An end in the gap moves to 03:00 CEST too.
        (
            "Europe/Berlin",
            SPRING_BERLIN,
            "01:00",
            "02:30",
            ("2026-03-29 00:00", "2026-03-29 01:00"),
        ),
        # A window wholly in the gap has no occurrence.
        ("Europe/Berlin", SPRING_BERLIN, "02:00", "03:00", None),
        ("Europe/Berlin", SPRING_BERLIN, "02:15", "02:45", None),
        # Autumn, start in the repeated hour: its second occurrence (02:30 CET).
        (
            "Europe/Berlin",
            AUTUMN_BERLIN,
            "02:30",
            "04:00",
            ("2026-10-25 01:30", "2026-10-25 03:00"),
        ),
        # Autumn, end in the repeated hour: its first occurrence (02:30 CEST).
        (
            "Europe/Berlin",
            AUTUMN_BERLIN,
            "01:00",
            "02:30",
            ("2026-10-24 23:00", "2026-10-25 00:30"),
        ),
        # Both in the repeated hour: once, in summer time.
        (
            "Europe/Berlin",
            AUTUMN_BERLIN,
            "02:15",
            "02:45",
            ("2026-10-25 00:15", "2026-10-25 00:45"),
        ),
        # Across midnight, ending after the change.
        (
            "Europe/Berlin",
            dt.date(2026, 10, 24),
            "22:00",
            "04:00",
            ("2026-10-24 20:00", "2026-10-25 03:00"),
        ),
        # New York changes at 02:00 local as well, in the other direction of the offset.
        ("America/New_York", SPRING_NY, "01:00", "04:00", ("2026-03-08 06:00", "2026-03-08 08:00")),
        ("America/New_York", AUTUMN_NY, "00:30", "03:00", ("2026-11-01 04:30", "2026-11-01 08:00")),
        ("America/New_York", AUTUMN_NY, "01:30", "03:00", ("2026-11-01 06:30", "2026-11-01 08:00")),
        # A zone without daylight saving.
        (
            "Asia/Tokyo",
            dt.date(2026, 3, 29),
            "01:00",
            "05:00",
            ("2026-03-28 16:00", "2026-03-28 20:00"),
        ),
    ],
)
def test_occurrences_across_daylight_saving(
    zone: str, day: dt.date, start: str, end: str, expected: tuple[str, str] | None
) -> None:
    rule = WindowRule(
        "w",
        frozenset({day.weekday()}),
        dt.time.fromisoformat(start),
        dt.time.fromisoformat(end),
        zone,
    )
    found = occurrence_on(rule, day)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.start, found.end) == (utc(expected[0]), utc(expected[1]))
        assert found.start.tzinfo is UTC and found.end.tzinfo is UTC


def test_a_weekly_rule_over_a_month_gives_each_weekday_once() -> None:
    rule = WindowRule("tue", parse_weekdays("tue"), dt.time(1), dt.time(5), "Europe/Berlin")
    found = between(rule, utc("2026-03-01 00:00"), utc("2026-04-01 00:00"))
    assert [o.local_date.day for o in found] == [3, 10, 17, 24, 31]
    assert {o.duration for o in found} == {dt.timedelta(hours=4)}
    # The offset changed in between: +01:00 before the 29th, +02:00 after.
    assert found[-2].start.hour == 0 and found[-1].start.hour == 23


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("tue", {1}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("sat,sun", {5, 6}),
        ("fri-mon", {4, 5, 6, 0}),
        ("Tuesday", {1}),
    ],
)
def test_weekdays_are_read_from_names_and_ranges(text: str, days: set[int]) -> None:
    assert parse_weekdays(text) == days


@pytest.mark.parametrize("text", ["", "tues-", "noday", ","])
def test_bad_weekdays_are_window_errors(text: str) -> None:
    with pytest.raises(WindowError):
        parse_weekdays(text)


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        ("Mars/Olympus", frozenset({1})),
        ("Europe/Berlin", frozenset()),
        ("Europe/Berlin", frozenset({7})),
    ],
)
def test_bad_rules_are_window_errors(zone: str, days: frozenset[int]) -> None:
    with pytest.raises(WindowError):
        WindowRule("w", days, dt.time(1), dt.time(2), zone)


ZONES = sorted(
    z for z in ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/London",
                "America/Santiago", "Asia/Tehran", "Pacific/Chatham", "Australia/Lord_Howe"]
    if z in available_timezones()
)  # fmt: skip
TIMES = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ZONES),
    TIMES,
    TIMES,
    st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31)),
)
def test_every_instant_of_an_occurrence_lies_inside_its_window_in_local_time(
    zone: str, start: dt.time, end: dt.time, day: dt.date
) -> None:
    rule = WindowRule("w", frozenset(range(7)), start, end, zone)
    found = occurrence_on(rule, day)
    if found is None:
        return
    tz = ZoneInfo(zone)
    low = dt.datetime.combine(day, start)
    high = dt.datetime.combine(day if end > start else day + dt.timedelta(days=1), end)
    assert found.start < found.end
    assert found.end - found.start <= high - low + dt.timedelta(hours=1)
    instant = found.start
    while instant < found.end:
        wall = instant.astimezone(tz).replace(tzinfo=None)
        assert low <= wall < high, (instant, wall)
        instant += dt.timedelta(minutes=15)
    # The window starts when the clock first shows its start (or just after a gap) …
    first_wall = found.start.astimezone(tz).replace(tzinfo=None)
    assert first_wall >= low and first_wall - low <= dt.timedelta(hours=1)
