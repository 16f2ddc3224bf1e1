"""Service-level targets read from a profile's ``recovery.sla`` text, and due times.

The profile states its SLA in words (``Security incidents acknowledged within 4 hours,
24/7.``). :func:`parse_sla` reads it clause by clause (clauses end at ``;`` or ``.``):

- ``within N minutes|hours|days|business days`` is a target; the clause names what it is
  for: *resolved / fixed / restored / resolution* makes it the **resolution** target,
  anything else (*acknowledged, answered, responded*) the **response** target;
- a clause naming *severity 1* or *critical* applies to critical cases only, the others to
  every severity (a severity-specific target wins for critical cases);
- ``Mon–Fri 08:00–18:00 CET`` (any weekday range, times and an IANA or common zone
  name) makes the clock a **business-hours** clock; ``24/7``/``24x7`` or no hours at all
  make it run around the clock (24×7). A ``business day`` is one working day (10 hours
  of clock for 08:00–18:00) when hours are given, else a calendar day.

Text it cannot read gives no target (no timer, never an error): the case page then shows
the SLA text as written.

>>> terms = parse_sla("Security incidents acknowledged within 4 hours, 24/7.")
>>> terms.response_for("high"), terms.resolution_for("high"), terms.hours is None
(datetime.timedelta(seconds=14400), None, True)
>>> start = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)
>>> hours = BusinessHours(frozenset(range(5)), dt.time(8), dt.time(18), "UTC")
>>> add_time(start, dt.timedelta(hours=4), hours).isoformat()
'2026-12-07T11:00:00+00:00'
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_TARGET = re.compile(
    r"within\s+(\d{1,4})\s*(business\s+|working\s+)?(minute|min|hour|hr|h|day)s?\b", re.I
)
_RESOLUTION = re.compile(r"resol|fix|restor|remed", re.I)
_CRITICAL = re.compile(r"severity\s*1\b|critical|sev\s*1\b", re.I)
_AROUND = re.compile(r"24\s*/\s*7|24\s*[x×]\s*7", re.I)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(
    r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s*[-–—to ]+\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*"
    r"\s+(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})\s*([A-Za-z][A-Za-z_/+\-0-9 ]*)?",
    re.I,
)
#: Zone words profiles use that are not IANA keys.
_ZONE_ALIASES = {"us eastern": "US/Eastern", "us pacific": "US/Pacific", "us central": "US/Central"}


@dataclass(frozen=True)
class BusinessHours:
    """Working days (0 = Monday) and the daily open/close times in one time zone."""

    weekdays: frozenset[int]
    opens: dt.time
    closes: dt.time
    timezone: str

    @property
    def day_length(self) -> dt.timedelta:
        day = dt.date(2000, 1, 3)
        return dt.datetime.combine(day, self.closes) - dt.datetime.combine(day, self.opens)

    def describe(self) -> str:
        days = sorted(self.weekdays)
        span = f"{_DAYS[days[0]].title()}–{_DAYS[days[-1]].title()}" if days else "no days"
        return f"{span} {self.opens:%H:%M}–{self.closes:%H:%M} {self.timezone}"


@dataclass(frozen=True)
class SlaTerms:
    """What the SLA promises: response and resolution targets, general and for critical."""

    text: str | None
    response: dt.timedelta | None = None
    resolution: dt.timedelta | None = None
    critical_response: dt.timedelta | None = None
    critical_resolution: dt.timedelta | None = None
    #: None: the clock runs 24×7.
    hours: BusinessHours | None = None

    def response_for(self, severity: str) -> dt.timedelta | None:
        if severity == "critical" and self.critical_response is not None:
            return self.critical_response
        return self.response

    def resolution_for(self, severity: str) -> dt.timedelta | None:
        if severity == "critical" and self.critical_resolution is not None:
            return self.critical_resolution
        return self.resolution

    @property
    def calendar(self) -> str:
        return self.hours.describe() if self.hours else "24×7"


def _zone(word: str | None) -> str | None:
    if not word:
        return "UTC"
    candidate = word.strip().rstrip(",").strip()
    for name in (_ZONE_ALIASES.get(candidate.lower()), candidate, candidate.split(" ")[0]):
        if not name:
            continue
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return None


def _business_hours(text: str) -> BusinessHours | None:
    found = _HOURS.search(text)
    if found is None:
        return None
    first, last = _DAYS.index(found[1].lower()), _DAYS.index(found[2].lower())
    days = frozenset(range(first, last + 1)) if first <= last else frozenset()
    try:
        opens = dt.time(int(found[3]), int(found[4]))
        closes = dt.time(int(found[5]), int(found[6]))
    except ValueError:
        return None
    zone = _zone(found[7])
    if not days or opens >= closes or zone is None:
        return None
    return BusinessHours(days, opens, closes, zone)


def parse_sla(text: str | None) -> SlaTerms:
    """The targets an SLA text states (see the module docstring); never raises."""
    if not text:
        return SlaTerms(text)
    hours = None if _AROUND.search(text) else _business_hours(text)
    targets: dict[tuple[bool, bool], dt.timedelta] = {}
    for clause in re.split(r"[;.](?:\s|$)", text):
        critical = bool(_CRITICAL.search(clause))
        for found in _TARGET.finditer(clause):
            unit = found[3].lower()
            unit = "minute" if unit.startswith("min") else "hour" if unit[0] == "h" else "day"
            delta = dt.timedelta(seconds=int(found[1]) * _UNITS[unit])
            if unit == "day" and found[2] and hours is not None:
                delta = int(found[1]) * hours.day_length  # a business day: one working day
            resolution = bool(_RESOLUTION.search(clause[: found.start()]))
            targets.setdefault((critical, resolution), delta)
    return SlaTerms(
        text,
        response=targets.get((False, False)),
        resolution=targets.get((False, True)),
        critical_response=targets.get((True, False)),
        critical_resolution=targets.get((True, True)),
        hours=hours,
    )


def add_time(start: dt.datetime, delta: dt.timedelta, hours: BusinessHours | None) -> dt.datetime:
    """``start`` plus ``delta`` of SLA clock time, in UTC (business hours when given)."""
    if hours is None:
        return (start + delta).astimezone(dt.UTC)
    zone = zoneinfo.ZoneInfo(hours.timezone)
    now = start.astimezone(zone)
    remaining = delta
    for _ in range(3700):  # ten years of days: a bound, never reached by real targets
        day = now.date()
        opens = dt.datetime.combine(day, hours.opens, zone)
        closes = dt.datetime.combine(day, hours.closes, zone)
        if day.weekday() in hours.weekdays and now < closes:
            now = max(now, opens)
            available = closes - now
            if remaining <= available:
                return (now + remaining).astimezone(dt.UTC)
            remaining -= available
        now = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    raise ValueError("an SLA target beyond ten years")  # pragma: no cover


@dataclass(frozen=True)
class Timer:
    """One SLA timer of a case: due time (UTC), when it was met, whether it is overdue."""

    name: str
    target: dt.timedelta | None
    due_at: dt.datetime | None
    met_at: dt.datetime | None

    def overdue(self, now: dt.datetime) -> bool:
        if self.due_at is None:
            return False
        return (self.met_at or now) > self.due_at
