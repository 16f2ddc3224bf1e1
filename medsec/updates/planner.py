"""Assign assets to concrete maintenance-window occurrences.

Inputs are small frozen types the hospital inventory fills in: each :class:`PlanAsset`
names its site, zone, the concurrency groups it belongs to (for example every infusion
pump of ward 3), whether it is life-sustaining, the expected duration of its update and
whether the update needs planned downtime. :class:`Window` places a
:class:`~medsec.updates.windows.WindowRule` on a site, a zone or one asset; the most
specific scope with a window wins (asset, then zone, then site).

The constraints a plan always keeps:

- a task lies inside one occurrence of a window that applies to its asset (UTC instants,
  computed by :mod:`medsec.updates.windows`), and an update that needs downtime is only
  placed in a window that allows downtime;
- at no instant are more tasks of one group running than the group's limit;
- a life-sustaining device is never updated at the same time as any other device of one
  of its groups (whatever the limit).

The planner is greedy and deterministic: life-sustaining assets first, then the longest
updates, then by id; each goes to the earliest start that keeps the constraints. Assets
that find no place are listed in ``unplaced`` with the reason.

>>> import datetime as dt
>>> from medsec.updates.windows import WindowRule
>>> rule = WindowRule("tue", frozenset({1}), dt.time(1), dt.time(5), "Europe/Berlin")
>>> pumps = [PlanAsset(f"pump-{i}", "site", "ward-3", groups=("ward-3-pumps",),
...                    duration=dt.timedelta(hours=2)) for i in range(3)]
>>> result = plan(pumps, [Window(rule, Scope.SITE, "site")], {"ward-3-pumps": 2},
...               dt.datetime(2026, 6, 1, tzinfo=dt.UTC), dt.datetime(2026, 6, 10, tzinfo=dt.UTC))
>>> for t in result.tasks:
...     print(t.asset_id, t.start.isoformat())
pump-0 2026-06-01T23:00:00+00:00
pump-1 2026-06-01T23:00:00+00:00
pump-2 2026-06-02T01:00:00+00:00
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from medsec.errors import Error
from medsec.updates.applicability import ReleaseFacts
from medsec.updates.kinds import needs_downtime
from medsec.updates.windows import Occurrence, WindowRule, between


class Scope(enum.StrEnum):
    SITE = "site"
    ZONE = "zone"
    ASSET = "asset"


SPECIFICITY = {Scope.ASSET: 0, Scope.ZONE: 1, Scope.SITE: 2}


class PlanError(Error):
    kind = "invalid-plan"
    status = 422
    title = "The plan cannot be made"


@dataclass(frozen=True)
class PlanAsset:
    id: str
    site: str
    zone: str | None = None
    groups: tuple[str, ...] = ()
    life_sustaining: bool = False
    duration: dt.timedelta = dt.timedelta(hours=1)
    needs_downtime: bool = True


@dataclass(frozen=True)
class Window:
    rule: WindowRule
    scope: Scope
    #: The site, zone or asset id the window belongs to.
    target: str


@dataclass(frozen=True)
class PlannedTask:
    asset_id: str
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    window: Occurrence


@dataclass(frozen=True)
class Unplaced:
    asset_id: str
    reason: str


@dataclass(frozen=True)
class Plan:
    tasks: tuple[PlannedTask, ...]
    unplaced: tuple[Unplaced, ...] = ()
    limits: Mapping[str, int] = field(default_factory=dict)


#: The duration assumed for a release that does not state one.
DEFAULT_DURATION = dt.timedelta(hours=1)


def asset_for(
    release: ReleaseFacts,
    asset_id: str,
    site: str,
    zone: str | None = None,
    groups: tuple[str, ...] = (),
    *,
    life_sustaining: bool = False,
) -> PlanAsset:
    """The planner's view of updating ``asset_id`` with ``release``: its duration and
    whether it needs downtime come from the release (apply mode, expected minutes)."""
    minutes = release.expected_minutes
    return PlanAsset(
        asset_id,
        site,
        zone,
        groups,
        life_sustaining,
        dt.timedelta(minutes=minutes) if minutes else DEFAULT_DURATION,
        needs_downtime(release.apply_mode),
    )


def windows_for(asset: PlanAsset, windows: Sequence[Window]) -> list[Window]:
    """The windows of the most specific scope that has any for ``asset``."""
    matching = [
        w
        for w in windows
        if (w.scope is Scope.ASSET and w.target == asset.id)
        or (w.scope is Scope.ZONE and asset.zone is not None and w.target == asset.zone)
        or (w.scope is Scope.SITE and w.target == asset.site)
    ]
    if not matching:
        return []
    best = min(SPECIFICITY[w.scope] for w in matching)
    return [w for w in matching if SPECIFICITY[w.scope] == best]


def _overlaps(a_start: dt.datetime, a_end: dt.datetime, b: PlannedTask) -> bool:
    return a_start < b.end and b.start < a_end


def peak(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> int:
    """The largest number of half-open intervals running at one instant."""
    spans = list(intervals)
    events = sorted(
        [(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans],
        key=lambda ev: (ev[0], ev[1]),  # ends before starts at the same instant
    )
    running = best = 0
    for _, delta in events:
        running += delta
        best = max(best, running)
    return best


Placed = Mapping[str, Sequence[tuple[PlanAsset, PlannedTask]]]


def fits(
    asset: PlanAsset,
    start: dt.datetime,
    end: dt.datetime,
    by_group: Placed,
    limits: Mapping[str, int],
) -> bool:
    """Whether ``asset`` may run in [start, end) given the tasks already placed, by group."""
    for group in asset.groups:
        same = [(a, t) for a, t in by_group.get(group, ()) if _overlaps(start, end, t)]
        if same and (asset.life_sustaining or any(a.life_sustaining for a, _ in same)):
            return False
        limit = limits.get(group)
        if limit is not None:
            clipped = [(max(t.start, start), min(t.end, end)) for _, t in same]
            if peak([*clipped, (start, end)]) > limit:
                return False
    return True


def _candidates(asset: PlanAsset, occurrence: Occurrence, by_group: Placed) -> list[dt.datetime]:
    """Where a task may start in an occurrence: its start, or when a task of one of the
    asset's groups ends (only those change what fits)."""
    ends = {
        t.end
        for group in asset.groups
        for _, t in by_group.get(group, ())
        if occurrence.start < t.end < occurrence.end
    }
    return sorted({occurrence.start, *ends})


def plan(
    assets: Iterable[PlanAsset],
    windows: Sequence[Window],
    limits: Mapping[str, int],
    start: dt.datetime,
    end: dt.datetime,
) -> Plan:
    """A plan for ``assets`` over the UTC period [start, end)."""
    for group, limit in limits.items():
        if limit < 1:
            raise PlanError(f"group {group}: the limit must be at least 1 (found {limit})")
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise PlanError("the planning period needs an aware start before its end")
    todo = sorted(assets, key=lambda a: (not a.life_sustaining, -a.duration, a.id))
    seen: set[str] = set()
    occurrences: dict[str, list[Occurrence]] = {}
    placed: list[tuple[PlanAsset, PlannedTask]] = []
    by_group: dict[str, list[tuple[PlanAsset, PlannedTask]]] = {}
    unplaced: list[Unplaced] = []
    for asset in todo:
        if asset.id in seen:
            raise PlanError(f"asset {asset.id} is listed twice")
        seen.add(asset.id)
        if asset.duration <= dt.timedelta(0):
            raise PlanError(f"asset {asset.id}: the expected duration must be positive")
        mine = windows_for(asset, windows)
        if not mine:
            unplaced.append(Unplaced(asset.id, "no maintenance window for its asset, zone or site"))
            continue
        usable = [w for w in mine if w.rule.downtime or not asset.needs_downtime]
        if not usable:
            unplaced.append(Unplaced(asset.id, "the update needs downtime; no window allows it"))
            continue
        options: list[Occurrence] = []
        for window in usable:
            key = window.rule.id
            if key not in occurrences:
                occurrences[key] = between(window.rule, start, end)
            options.extend(occurrences[key])
        task = _place(asset, sorted(options), by_group, limits)
        if task is None:
            longest = max((o.duration for o in options), default=dt.timedelta(0))
            reason = (
                f"its update ({asset.duration}) is longer than any window ({longest})"
                if asset.duration > longest
                else "every window in the period is full (group limits)"
            )
            unplaced.append(Unplaced(asset.id, reason))
            continue
        placed.append((asset, task))
        for group in asset.groups:
            by_group.setdefault(group, []).append((asset, task))
    tasks = tuple(sorted((t for _, t in placed), key=lambda t: (t.start, t.asset_id)))
    return Plan(tasks, tuple(unplaced), dict(limits))


def _place(
    asset: PlanAsset,
    options: Sequence[Occurrence],
    by_group: Placed,
    limits: Mapping[str, int],
) -> PlannedTask | None:
    for occurrence in options:
        if occurrence.duration < asset.duration:
            continue
        for begin in _candidates(asset, occurrence, by_group):
            finish = begin + asset.duration
            if finish <= occurrence.end and fits(asset, begin, finish, by_group, limits):
                return PlannedTask(asset.id, begin, finish, occurrence)
    return None
