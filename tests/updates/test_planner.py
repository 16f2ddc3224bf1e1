"""The planner keeps group limits, life-sustaining exclusivity, downtime and windows."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.updates.applicability import ReleaseFacts
from medsec.updates.kinds import ApplyMode, ReleaseKind
from medsec.updates.planner import (
    PlanAsset,
    PlanError,
    Scope,
    Window,
    asset_for,
    peak,
    plan,
    windows_for,
)
from medsec.updates.windows import WindowRule

UTC = dt.UTC
JUNE = (dt.datetime(2026, 6, 1, tzinfo=UTC), dt.datetime(2026, 6, 15, tzinfo=UTC))
TUESDAY_NIGHT = WindowRule("tue", frozenset({1}), dt.time(1), dt.time(5), "Europe/Berlin")
DAYTIME = WindowRule("day", frozenset({0, 1, 2, 3, 4}), dt.time(9), dt.time(17), "Europe/Berlin",
                     downtime=False)  # fmt: skip
H = dt.timedelta(hours=1)


def pump(i: int, **kw: object) -> PlanAsset:
    options: dict[str, object] = {"zone": "ward-3", "groups": ("ward-3-pumps",), "duration": H}
    options.update(kw)
    return PlanAsset(f"pump-{i:02d}", "north", **options)  # type: ignore[arg-type]


SITE = [Window(TUESDAY_NIGHT, Scope.SITE, "north")]


def test_at_most_two_of_ten_pumps_of_a_ward_at_once() -> None:
    result = plan([pump(i) for i in range(10)], SITE, {"ward-3-pumps": 2}, *JUNE)

    assert not result.unplaced
    assert peak((t.start, t.end) for t in result.tasks) == 2
    first_night = [t for t in result.tasks if t.window.local_date == dt.date(2026, 6, 2)]
    assert len(first_night) == 8  # 4 hours × 2 at a time
    assert {t.window.local_date for t in result.tasks} == {dt.date(2026, 6, 2), dt.date(2026, 6, 9)}


def test_a_life_sustaining_device_runs_alone_in_its_group() -> None:
    assets = [pump(i) for i in range(3)] + [pump(9, life_sustaining=True)]
    result = plan(assets, SITE, {"ward-3-pumps": 3}, *JUNE)

    vital = next(t for t in result.tasks if t.asset_id == "pump-09")
    others = [t for t in result.tasks if t.asset_id != "pump-09"]
    assert all(t.end <= vital.start or t.start >= vital.end for t in others)
    assert vital.start == dt.datetime(2026, 6, 1, 23, tzinfo=UTC)  # placed first


def test_devices_of_other_groups_are_not_held_back() -> None:
    monitor = PlanAsset("monitor-1", "north", "ward-3", groups=("ward-3-monitors",), duration=H)
    result = plan([pump(1, life_sustaining=True), monitor], SITE, {}, *JUNE)
    assert result.tasks[0].start == result.tasks[1].start


def test_an_update_needing_downtime_avoids_windows_without_it() -> None:
    windows = [Window(DAYTIME, Scope.ZONE, "ward-3")]
    result = plan([pump(1), pump(2, needs_downtime=False)], windows, {}, *JUNE)
    assert [t.asset_id for t in result.tasks] == ["pump-02"]
    assert result.unplaced[0].asset_id == "pump-01"
    assert "needs downtime" in result.unplaced[0].reason


def test_the_most_specific_window_wins() -> None:
    own = WindowRule("own", frozenset({3}), dt.time(2), dt.time(3), "Europe/Berlin")
    windows = [
        Window(TUESDAY_NIGHT, Scope.SITE, "north"),
        Window(DAYTIME, Scope.ZONE, "ward-3"),
        Window(own, Scope.ASSET, "pump-01"),
    ]
    assert [w.rule.id for w in windows_for(pump(1), windows)] == ["own"]
    assert [w.rule.id for w in windows_for(pump(2), windows)] == ["day"]
    assert [w.rule.id for w in windows_for(pump(2, zone="icu"), windows)] == ["tue"]


@pytest.mark.parametrize(
    ("assets", "windows", "reason"),
    [
        ([pump(1)], [], "no maintenance window"),
        ([pump(1, duration=5 * H)], SITE, "longer than any window"),
    ],
)
def test_assets_without_a_place_are_listed_with_the_reason(
    assets: list[PlanAsset], windows: list[Window], reason: str
) -> None:
    result = plan(assets, windows, {}, *JUNE)
    assert not result.tasks and reason in result.unplaced[0].reason


def test_a_full_period_is_reported() -> None:
    result = plan([pump(i, duration=4 * H) for i in range(3)], SITE, {"ward-3-pumps": 1}, *JUNE)
    assert len(result.tasks) == 2
    assert result.unplaced[0].reason == "every window in the period is full (group limits)"


@pytest.mark.parametrize(
    ("assets", "limits", "message"),
    [
        ([pump(1)], {"ward-3-pumps": 0}, "at least 1"),
        ([pump(1), pump(1)], {}, "listed twice"),
        ([pump(1, duration=dt.timedelta(0))], {}, "must be positive"),
    ],
)
def test_bad_input_is_a_plan_error(
    assets: list[PlanAsset], limits: dict[str, int], message: str
) -> None:
    with pytest.raises(PlanError, match=message):
        plan(assets, SITE, limits, *JUNE)


def test_the_plan_across_the_autumn_change_uses_the_longer_night() -> None:
    sunday = WindowRule("sun", frozenset({6}), dt.time(1), dt.time(5), "Europe/Berlin")
    period = (dt.datetime(2026, 10, 24, tzinfo=UTC), dt.datetime(2026, 10, 26, tzinfo=UTC))
    result = plan(
        [pump(i) for i in range(5)], [Window(sunday, Scope.SITE, "north")], {"ward-3-pumps": 1},
        *period,
    )  # fmt: skip
    assert len(result.tasks) == 5  # five hours of real time that night
    assert result.tasks[-1].end == dt.datetime(2026, 10, 25, 4, tzinfo=UTC)


GROUPS = ["g1", "g2", "g3"]
ASSETS = st.lists(
    st.builds(
        lambda i, groups, vital, minutes, downtime, zone: PlanAsset(
            f"a{i}",
            "site",
            zone,
            tuple(sorted(groups)),
            vital,
            dt.timedelta(minutes=minutes),
            downtime,
        ),
        st.integers(0, 10_000),
        st.sets(st.sampled_from(GROUPS), max_size=2),
        st.booleans(),
        st.sampled_from([15, 30, 60, 90, 120, 240]),
        st.booleans(),
        st.sampled_from(["z1", "z2", None]),
    ),
    max_size=14,
    unique_by=lambda a: a.id,
)
RULES = st.builds(
    lambda i, days, start, hours, zone, downtime: WindowRule(
        f"r{i}", frozenset(days), dt.time(start), dt.time((start + hours) % 24), zone, downtime
    ),
    st.integers(0, 1000),
    st.sets(st.integers(0, 6), min_size=1),
    st.integers(0, 23),
    st.integers(1, 6),
    st.sampled_from(["Europe/Berlin", "America/New_York", "UTC", "Australia/Sydney"]),
    st.booleans(),
)
WINDOWS = st.lists(
    st.builds(
        lambda rule, scope: Window(rule, *scope),
        RULES,
        st.sampled_from([(Scope.SITE, "site"), (Scope.ZONE, "z1"), (Scope.ZONE, "z2")]),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda w: w.rule.id,
)


@settings(max_examples=150, deadline=None)
@given(
    ASSETS,
    WINDOWS,
    st.fixed_dictionaries({}, optional={g: st.integers(1, 3) for g in GROUPS}),
    st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 1)),
)
def test_a_plan_never_breaks_its_constraints(
    assets: list[PlanAsset],
    windows: list[Window],
    limits: dict[str, int],
    begin: dt.datetime,
) -> None:
    start = begin.replace(tzinfo=UTC)
    result = plan(assets, windows, limits, start, start + dt.timedelta(days=10))
    by_id = {a.id: a for a in assets}
    assert {t.asset_id for t in result.tasks} | {u.asset_id for u in result.unplaced} == set(by_id)
    for task in result.tasks:
        asset = by_id[task.asset_id]
        assert task.window.start <= task.start < task.end <= task.window.end
        assert task.end - task.start == asset.duration
        assert start <= task.start and task.end <= start + dt.timedelta(days=10)
        rules = {w.rule.id: w.rule for w in windows_for(asset, windows)}
        assert task.window.rule_id in rules
        assert rules[task.window.rule_id].downtime or not asset.needs_downtime
    for group in GROUPS:
        members = [t for t in result.tasks if group in by_id[t.asset_id].groups]
        if group in limits:
            assert peak((t.start, t.end) for t in members) <= limits[group]
        for a in members:
            if by_id[a.asset_id].life_sustaining:
                assert all(b is a or b.end <= a.start or b.start >= a.end for b in members), (
                    "a life-sustaining device overlapped another of its group"
                )


@pytest.mark.parametrize(
    ("mode", "minutes", "downtime", "duration"),
    [
        (ApplyMode.DURING_OPERATION, 20, False, dt.timedelta(minutes=20)),
        (ApplyMode.PLANNED_DOWNTIME, None, True, dt.timedelta(hours=1)),
        (ApplyMode.SHUTDOWN, 90, True, dt.timedelta(minutes=90)),
    ],
)
def test_the_release_decides_duration_and_downtime(
    mode: ApplyMode, minutes: int | None, downtime: bool, duration: dt.timedelta
) -> None:
    release = ReleaseFacts(
        1, "4.2.2", dt.date(2026, 6, 1), ReleaseKind.SECURITY_PATCH,
        apply_mode=mode, expected_minutes=minutes,
    )  # fmt: skip
    asset = asset_for(release, "pump-1", "north", "ward-3", ("ward-3-pumps",), life_sustaining=True)
    assert (asset.needs_downtime, asset.duration, asset.life_sustaining) == (
        downtime,
        duration,
        True,
    )
