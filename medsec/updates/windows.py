"""Maintenance windows: recurring local-time rules in an IANA time zone, turned into
concrete occurrences whose instants are UTC.

A rule such as "Tuesdays 01:00–05:00 Europe/Berlin" names weekdays, a local start and end
time (an end at or before the start means the window runs past midnight into the next
day) and a zone. Daylight-saving changes are resolved by one rule, chosen so that an
occurrence never contains an instant whose local wall-clock time lies outside the window:

- **Gap** (spring forward, e.g. 02:00–03:00 does not exist in Berlin on the last Sunday
  of March): a start or end time inside the gap is moved to the first instant after it
  (03:00 summer time). A window that lies entirely in the gap has no occurrence that day.
- **Repeated hour** (fall back, 02:00–03:00 happens twice on the last Sunday of October):
  a start time in it takes its *second* occurrence and an end time its *first*, so the
  window is never entered twice and the clock never runs back before its start. When
  both fall in the repeated hour, both take the first occurrence (the window happens
  once, in summer time).

A window 01:00–05:00 therefore lasts 3 hours of real time on the spring day and 5 on the
autumn day, as the clock on the wall says.

>>> rule = WindowRule("tue-night", frozenset({1}), dt.time(1), dt.time(5), "Europe/Berlin")
>>> [str(o) for o in occurrences(rule, dt.date(2026, 3, 31), dt.date(2026, 4, 1))]
['tue-night 2026-03-31 2026-03-30T23:00:00+00:00–2026-03-31T03:00:00+00:00']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from medsec.errors import Error

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WindowError(Error):
    kind = "invalid-window"
    status = 422
    title = "The maintenance window is not valid"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as e:
        raise WindowError(
            f"{name!r} is not an IANA time zone", hint="write for example Europe/Berlin"
        ) from e


@dataclass(frozen=True)
class WindowRule:
    """A recurring window. ``weekdays``: 0 = Monday … 6 = Sunday (of the start)."""

    id: str
    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    timezone: str
    #: The device may be taken out of clinical use in this window (planned downtime).
    downtime: bool = True

    def __post_init__(self) -> None:
        zone(self.timezone)
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise WindowError(f"window {self.id}: weekdays must be 0 (Monday) … 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise WindowError(f"window {self.id}: give local times without an offset")


@dataclass(frozen=True, order=True)
class Occurrence:
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    rule_id: str
    #: The local date the window starts on.
    local_date: dt.date

    def __str__(self) -> str:
        return (
            f"{self.rule_id} {self.local_date.isoformat()} "
            f"{self.start.isoformat()}–{self.end.isoformat()}"
        )

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start


def _exists(wall: dt.datetime, tz: ZoneInfo, fold: int) -> dt.datetime | None:
    """The UTC instant of ``wall`` with ``fold`` if that wall time exists, else None."""
    aware = wall.replace(tzinfo=tz, fold=fold)
    instant = aware.astimezone(dt.UTC)
    back = instant.astimezone(tz).replace(tzinfo=None)
    return instant if back == wall else None


def is_ambiguous(wall: dt.datetime, tz: ZoneInfo) -> bool:
    first, second = _exists(wall, tz, 0), _exists(wall, tz, 1)
    return first is not None and second is not None and first != second


def resolve(wall: dt.datetime, tz: ZoneInfo, *, fold: int) -> dt.datetime:
    """The UTC instant of a local wall time: in a gap, the first instant after it; in a
    repeated hour, the occurrence ``fold`` (0 first, 1 second)."""
    found = _exists(wall, tz, fold)
    if found is not None:
        return found
    # In a gap: PEP 495 maps the wall time with the offset before the transition, which
    # lands after the gap by the gap's length; walk back to the transition itself.
    before = wall.replace(tzinfo=tz, fold=0).utcoffset()
    after = wall.replace(tzinfo=tz, fold=1).utcoffset()
    if before is None or after is None:  # pragma: no cover - ZoneInfo always has offsets
        raise WindowError(f"no UTC offset for {wall} in {tz.key}")
    gap = abs(after - before)
    candidate = wall.replace(tzinfo=tz, fold=0).astimezone(dt.UTC) - gap
    # The transition is the first instant whose wall time is past ``wall``.
    low, high = candidate, candidate + gap
    while high - low > dt.timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= wall:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0) if high.microsecond else high


def occurrence_on(rule: WindowRule, day: dt.date) -> Occurrence | None:
    """The window starting on local ``day`` (None if not one of its weekdays or empty)."""
    if day.weekday() not in rule.weekdays:
        return None
    tz = zone(rule.timezone)
    start_wall = dt.datetime.combine(day, rule.start)
    end_day = day if rule.end > rule.start else day + dt.timedelta(days=1)
    end_wall = dt.datetime.combine(end_day, rule.end)
    both = is_ambiguous(start_wall, tz) and is_ambiguous(end_wall, tz)
    start = resolve(start_wall, tz, fold=0 if both else 1)
    end = resolve(end_wall, tz, fold=0)
    if end <= start:
        return None
    return Occurrence(start, end, rule.id, day)


def occurrences(rule: WindowRule, first: dt.date, last: dt.date) -> Iterator[Occurrence]:
    """Occurrences starting on local dates ``first`` … ``last`` (inclusive), in order."""
    day = first
    while day <= last:
        found = occurrence_on(rule, day)
        if found is not None:
            yield found
        day += dt.timedelta(days=1)


def between(rule: WindowRule, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """Occurrences lying wholly within the UTC instants [start, end)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise WindowError("give the planning period as aware datetimes (UTC)")
    tz = zone(rule.timezone)
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date()
    return [o for o in occurrences(rule, first, last) if o.start >= start and o.end <= end]


def parse_weekdays(text: str) -> frozenset[int]:
    """``"tue,thu"`` or ``"mon-fri"`` → weekday numbers."""
    found: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            ia, ib = _day(a), _day(b)
            found |= set(range(ia, ib + 1)) if ia <= ib else set(range(ia, 7)) | set(range(ib + 1))
        else:
            found.add(_day(part))
    if not found:
        raise WindowError(f"no weekday in {text!r}", hint="write for example tue or mon-fri")
    return frozenset(found)


def _day(name: str) -> int:
    key = name[:3]
    if key not in WEEKDAYS:
        raise WindowError(f"{name!r} is not a weekday", hint="use mon, tue, … sun")
    return WEEKDAYS.index(key)
