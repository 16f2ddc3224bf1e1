"""Update planning in the service: applicability for the inventory, windows and groups
in the database, plans that keep the group limits, task outcomes with evidence, the
round trip of instants and local times across daylight-saving changes, end-of-support
exposure and compliance over time."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.actor import Actor
from medsec.accounts.models import User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.models import AuditEvent
from medsec.errors import NotFound, PermissionDenied
from medsec.inventory import services as inventory
from medsec.inventory.schemas import SiteIn, ZoneIn
from medsec.notifications.models import Notification
from medsec.products import services as products
from medsec.updates import exposure, fleet, planning, planning_changes, reminders
from medsec.updates import services as updates
from medsec.updates.findings import KnownFindings
from medsec.updates.kinds import ReleaseKind
from medsec.updates.manifest import load_release
from medsec.updates.planner import peak
from medsec.updates.planning_changes import WindowInUse
from medsec.updates.planning_models import UpdatePlan
from medsec.updates.planning_schemas import (
    GroupIn,
    GroupPatch,
    PlanIn,
    TransitionIn,
    WindowIn,
    WindowPatch,
)
from medsec.updates.schemas import NoticeIn
from medsec.updates.tasks import TaskState, TransitionError
from medsec.updates.windows import WindowError

REPO = Path(__file__).resolve().parents[3]
RELEASE = REPO / "examples" / "updates" / "lvp-3000-4.2.2.yaml"
BERLIN = ZoneInfo("Europe/Berlin")


@dataclasses.dataclass
class Ward:
    psirt: Actor
    engineer: Actor
    auditor: Actor
    stranger: Actor
    site_id: int
    ward: int
    icu: int
    version_id: int
    product_id: int
    release_id: int
    pumps: list[int]
    icu_pumps: list[int]


@pytest.fixture
def ward(make: Any) -> Ward:
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    version = make.publish(psirt, make.upload(psirt))
    manifest = load_release(RELEASE)  # for hardware revisions B and C
    with make.session() as session:
        release = updates.create_release(session, psirt, version.product_id, manifest)
        updates.publish_release(session, psirt, release.id)
        release_id = release.id
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    engineer = make.actor(make.user(clinic, Role.CLINICAL_ENGINEER))
    make.hold(engineer, version.product_id)
    with make.session() as session:
        site = inventory.create_site(
            session, engineer, SiteIn(name="Campus", timezone="Europe/Berlin")
        )
        ward_zone = inventory.add_zone(session, engineer, site.id, ZoneIn(name="Ward A"))
        icu_zone = inventory.add_zone(session, engineer, site.id, ZoneIn(name="ICU"))
        site_id, ward_id, icu_id = site.id, ward_zone.id, icu_zone.id

    def pump(zone: int, n: int, criticality: str) -> int:
        with make.session() as session:
            fields = {
                "serial": f"P-{zone}-{n}",
                "vendor": "Northwind",
                "model": "LVP-3000",
                "firmware_version": "4.2.1",
                "hardware_revision": "B" if n % 2 else "c",
                "product_version_id": version.id,
                "criticality": criticality,
            }
            return int(inventory.create_asset(session, engineer, site_id, zone, fields).id)

    other = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Elsewhere")
    return Ward(
        psirt,
        engineer,
        make.actor(make.user(clinic, Role.AUDITOR)),
        make.actor(make.user(other, Role.ADMIN)),
        site_id,
        ward_id,
        icu_id,
        version.id,
        version.product_id,
        release_id,
        [pump(ward_id, n, "high") for n in range(4)],
        [pump(icu_id, n, "life-sustaining") for n in range(2)],
    )


def tuesday_windows(make: Any, w: Ward, *, limit: int = 2) -> None:
    with make.session() as session:
        for zone in (w.ward, w.icu):
            planning.add_window(
                session,
                w.engineer,
                w.site_id,
                WindowIn(
                    name="Tuesday night", days="tue", start=dt.time(1), end=dt.time(5), zone_id=zone
                ),
            )
        planning.add_group(
            session,
            w.engineer,
            w.site_id,
            GroupIn(
                name="Ward A pumps", zone_id=w.ward, product_id=w.product_id, max_concurrent=limit
            ),
        )
        planning.add_group(
            session, w.engineer, w.site_id, GroupIn(name="ICU", zone_id=w.icu, max_concurrent=5)
        )


JUNE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # a Monday


def make_plan(make: Any, w: Ward, **values: Any) -> int:
    with make.session() as session:
        data = PlanIn.model_validate({"start": JUNE, "days": 14, **values})
        return int(planning.make_plan(session, w.engineer, w.site_id, data, now=JUNE).id)


# --------------------------------------------------------------------------- applicability


def test_every_pump_needs_the_patch_and_the_report_says_why(make: Any, ward: Ward) -> None:
    found = KnownFindings({ward.pumps[0]: frozenset({"cve-2026-21001", "CVE-2025-0001"})})
    with make.session() as session:
        statuses = fleet.site_updates(session, ward.engineer, ward.site_id, found)
    assert [s.out_of_date for s in statuses] == [True] * 6
    first = next(s for s in statuses if s.asset_id == ward.pumps[0])
    (update,) = first.needed
    assert (update.version, update.closes) == ("4.2.2", ("cve-2026-21001",))
    assert update.why.startswith("closes cve-2026-21001; fixes CVE-2026-21001, CVE-2026-21002")
    assert "priority high" in update.why


def test_an_asset_at_the_new_version_or_without_a_link_needs_nothing(make: Any, ward: Ward) -> None:
    with make.session() as session:
        current = inventory.create_asset(
            session,
            ward.engineer,
            ward.site_id,
            ward.ward,
            {
                "serial": "NEW",
                "vendor": "Northwind",
                "model": "LVP-3000",
                "firmware_version": "4.2.2",
                "product_version_id": ward.version_id,
            },
        )
        loose = inventory.create_asset(
            session, ward.engineer, ward.site_id, None, {"serial": "X", "vendor": "A", "model": "B"}
        )
        done = fleet.asset_updates(session, ward.engineer, current.id)
        unlinked = fleet.asset_updates(session, ward.engineer, loose.id)
    assert (done.out_of_date, done.updates) == (False, ())
    assert unlinked.problem == "not linked to a product version"


@pytest.mark.parametrize(
    ("revision", "needs", "problem"),
    [
        ("B", ["4.2.2"], None),
        (" c ", ["4.2.2"], None),
        ("A", [], None),
        (None, [], "hardware revision not recorded (4.2.2 is for revision B, C)"),
    ],
)
def test_the_release_applies_only_to_its_hardware_revisions(
    make: Any, ward: Ward, revision: str | None, needs: list[str], problem: str | None
) -> None:
    with make.session() as session:
        asset = inventory.create_asset(
            session, ward.engineer, ward.site_id, ward.ward,
            {"serial": "REV", "vendor": "Northwind", "model": "LVP-3000",
             "firmware_version": "4.2.1", "product_version_id": ward.version_id,
             "hardware_revision": revision or ""},
        )  # fmt: skip
        status = fleet.asset_updates(session, ward.engineer, asset.id)
    assert [u.version for u in status.needed] == needs
    assert (status.problem or "").split(":")[0] == (problem or "")


@pytest.mark.parametrize(
    ("configuration", "needs", "problem"),
    [
        ("wifi", ["4.2.2", "4.3.0"], None),
        (" WiFi ", ["4.2.2", "4.3.0"], None),  # trimmed, case-blind
        ("ethernet", ["4.2.2"], None),
        (None, ["4.2.2"], "configuration not recorded (4.3.0 is for configuration wifi)"),
    ],
)
def test_a_release_for_one_configuration_applies_only_to_assets_that_record_it(
    make: Any, ward: Ward, configuration: str | None, needs: list[str], problem: str | None
) -> None:
    wifi_only = load_release(RELEASE).model_copy(
        update={"version": "4.3.0", "kind": ReleaseKind.FIRMWARE, "fixes": [], "applies_to": None,
                "hardware_revisions": [], "configurations": ["wifi"]}
    )  # fmt: skip
    with make.session() as session:
        release = updates.create_release(session, ward.psirt, ward.product_id, wifi_only)
        updates.publish_release(session, ward.psirt, release.id)
        asset = inventory.create_asset(
            session, ward.engineer, ward.site_id, ward.ward,
            {"serial": "CONF", "vendor": "Northwind", "model": "LVP-3000",
             "firmware_version": "4.2.1", "product_version_id": ward.version_id,
             "hardware_revision": "B", "configuration": configuration or ""},
        )  # fmt: skip
        assert asset.configuration == (configuration.strip() if configuration else None)
        status = fleet.asset_updates(session, ward.engineer, asset.id)
    assert [u.version for u in status.needed] == needs
    assert (status.problem or "").split(":")[0] == (problem or "")


def test_an_asset_missing_both_facts_is_told_of_both(make: Any, ward: Ward) -> None:
    both = load_release(RELEASE).model_copy(
        update={"version": "4.3.0", "kind": ReleaseKind.FIRMWARE, "configurations": ["wifi"]}
    )
    with make.session() as session:
        release = updates.create_release(session, ward.psirt, ward.product_id, both)
        updates.publish_release(session, ward.psirt, release.id)
        asset = inventory.create_asset(
            session, ward.engineer, ward.site_id, ward.ward,
            {"serial": "NONE", "vendor": "Northwind", "model": "LVP-3000",
             "firmware_version": "4.2.1", "product_version_id": ward.version_id},
        )  # fmt: skip
        status = fleet.asset_updates(session, ward.engineer, asset.id)
    assert status.needed == ()
    assert status.problem == (
        "hardware revision and configuration not recorded (4.2.2 is for revision B, C; "
        "4.3.0 is for revision B, C and configuration wifi): record them to see whether they "
        "apply"
    )


def test_a_device_of_unknown_revision_is_not_planned_and_the_plan_says_why(
    make: Any, ward: Ward
) -> None:
    with make.session() as session:
        unknown = inventory.create_asset(
            session, ward.engineer, ward.site_id, ward.ward,
            {"serial": "NOREV", "vendor": "Northwind", "model": "LVP-3000",
             "firmware_version": "4.2.1", "product_version_id": ward.version_id},
        ).id  # fmt: skip
    tuesday_windows(make, ward)
    plan_id = make_plan(make, ward, asset_ids=[unknown, ward.pumps[0]])
    with make.session() as session:
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None
        assert [t.asset_id for t in plan.tasks] == [ward.pumps[0]]
        (missed,) = plan.unplaced
    assert missed["asset_id"] == unknown
    assert str(missed["reason"]).startswith("hardware revision not recorded")


def test_another_hospital_sees_no_asset_and_a_manufacturer_no_inventory(
    make: Any, ward: Ward
) -> None:
    with make.session() as session, pytest.raises(NotFound):
        fleet.asset_updates(session, ward.stranger, ward.pumps[0])
    with make.session() as session, pytest.raises(PermissionDenied):
        fleet.site_updates(session, ward.psirt, ward.site_id)


# --------------------------------------------------------------------------- windows, groups


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"days": "someday"}, "not a weekday"),
        ({"start": dt.time(3), "end": dt.time(3)}, "the start and end are both"),
    ],
)
def test_a_bad_window_is_refused_with_the_reason(
    make: Any, ward: Ward, values: dict[str, Any], message: str
) -> None:
    data = WindowIn.model_validate(
        {"name": "w", "days": "tue", "start": "01:00", "end": "05:00", **values}
    )
    with make.session() as session, pytest.raises(WindowError, match=message):
        planning.add_window(session, ward.engineer, ward.site_id, data)


def test_a_window_defaults_to_the_site_time_zone_and_names_its_scope(make: Any, ward: Ward) -> None:
    with make.session() as session:
        window = planning.add_window(
            session,
            ward.engineer,
            ward.site_id,
            WindowIn(name="n", days="mon-fri", start=dt.time(22), end=dt.time(2), zone_id=ward.icu),
        )
        rule = planning.rule_of(window)
    assert (window.scope, window.timezone, rule.timezone) == ("zone", None, "Europe/Berlin")
    assert rule.weekdays == frozenset(range(5))


def test_the_auditor_reads_windows_but_cannot_add_one(make: Any, ward: Ward) -> None:
    data = WindowIn(name="n", days="tue", start=dt.time(1), end=dt.time(5))
    with make.session() as session, pytest.raises(PermissionDenied):
        planning.add_window(session, ward.auditor, ward.site_id, data)
    with make.session() as session:
        assert planning.windows(session, ward.auditor, ward.site_id) == []


def window_of(make: Any, w: Ward, zone: int) -> int:
    with make.session() as session:
        found = [x for x in planning.windows(session, w.engineer, w.site_id) if x.zone_id == zone]
        return found[0].id


def test_a_window_without_tasks_is_changed_and_moved_to_another_target(
    make: Any, ward: Ward
) -> None:
    tuesday_windows(make, ward)
    window_id = window_of(make, ward, ward.ward)
    patch = WindowPatch(days="wed", start=dt.time(2), zone_id=None, timezone="UTC")
    with make.session() as session:
        window = planning_changes.update_window(session, ward.engineer, window_id, patch)
        rule = planning.rule_of(window)
        assert (window.scope, window.zone_id, window.name) == ("site", None, "Tuesday night")
        assert (rule.weekdays, rule.start, rule.end, rule.timezone) == (
            frozenset({2}), dt.time(2), dt.time(5), "UTC",
        )  # fmt: skip
        event = session.execute(
            select(AuditEvent).where(AuditEvent.tag == "updates:window:changed")
        ).scalar_one()
        assert event.details["changed"] == [
            "scope", "start_time", "timezone", "weekdays", "zone_id",
        ]  # fmt: skip


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (WindowPatch(days="someday"), "not a weekday"),
        (WindowPatch(start=dt.time(5)), "the start and end are both"),
        (WindowPatch(timezone="Mars/Olympus"), "not an IANA time zone"),
    ],
)
def test_a_bad_change_is_refused_and_the_window_kept(
    make: Any, ward: Ward, patch: WindowPatch, message: str
) -> None:
    tuesday_windows(make, ward)
    window_id = window_of(make, ward, ward.ward)
    with make.session() as session, pytest.raises(WindowError, match=message):
        planning_changes.update_window(session, ward.engineer, window_id, patch)
    with make.session() as session:
        kept = planning_changes.get_window(session, ward.engineer, window_id)
        assert (kept.weekdays, kept.start_time, kept.timezone) == ([1], dt.time(1), None)


def test_a_window_on_another_sites_zone_is_refused(make: Any, ward: Ward) -> None:
    tuesday_windows(make, ward)
    with make.session() as session:
        other = inventory.create_site(session, ward.engineer, SiteIn(name="Annex"))
        zone = inventory.add_zone(session, ward.engineer, other.id, ZoneIn(name="Lab")).id
    window_id = window_of(make, ward, ward.ward)
    with make.session() as session, pytest.raises(NotFound, match="has no zone"):
        planning_changes.update_window(session, ward.engineer, window_id, WindowPatch(zone_id=zone))


def test_moving_or_deleting_a_window_with_planned_tasks_is_refused_unless_they_are_deferred(
    make: Any, ward: Ward
) -> None:
    tuesday_windows(make, ward)
    plan_id = make_plan(make, ward)
    window_id = window_of(make, ward, ward.ward)
    with make.session() as session, pytest.raises(WindowInUse, match="are planned in it"):
        planning_changes.update_window(session, ward.engineer, window_id, WindowPatch(days="wed"))
    with make.session() as session, pytest.raises(WindowInUse, match="are planned in it"):
        planning_changes.delete_window(session, ward.engineer, window_id)
    # A new name moves nothing: allowed with the tasks in place.
    with make.session() as session:
        planning_changes.update_window(
            session, ward.engineer, window_id, WindowPatch(name="Tue night")
        )
    with make.session() as session:
        deferred = planning_changes.delete_window(
            session, ward.engineer, window_id, defer_tasks=True, now=JUNE
        )
    with make.session() as session:
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None
        states = {t.asset_id: (t.state, t.reason) for t in plan.tasks}
        assert {a: states[a] for a in ward.pumps} == dict.fromkeys(
            ward.pumps, ("deferred", "maintenance window 'Tue night' deleted")
        )
        assert {states[a][0] for a in ward.icu_pumps} == {"planned"}
        assert sorted(deferred) == sorted(t.id for t in plan.tasks if t.asset_id in ward.pumps)
        assert [w.zone_id for w in planning.windows(session, ward.engineer, ward.site_id)] == [
            ward.icu
        ]
    # The next plan places the deferred pumps again (here: no window left for them).
    again = make_plan(make, ward, start=JUNE + dt.timedelta(days=20))
    with make.session() as session:
        plan = session.get(UpdatePlan, again)
        assert plan is not None
        assert {u["asset_id"] for u in plan.unplaced if "window" in str(u["reason"])} == set(
            ward.pumps
        )


def test_a_window_with_an_update_in_progress_is_never_deleted(make: Any, ward: Ward) -> None:
    task_id = first_task(make, ward)
    move(make, ward, task_id, to="in-progress")
    with make.session() as session:
        window_id = planning.get_task(session, ward.engineer, task_id).window_id
    assert window_id is not None
    with make.session() as session, pytest.raises(WindowInUse, match="in progress"):
        planning_changes.delete_window(session, ward.engineer, window_id, defer_tasks=True)


def test_a_group_is_changed_and_deleted_and_plans_keep_their_limits(make: Any, ward: Ward) -> None:
    tuesday_windows(make, ward, limit=2)
    plan_id = make_plan(make, ward)
    with make.session() as session:
        group = planning.groups(session, ward.engineer, ward.site_id)[0]
        group_id, key = group.id, f"group:{group.id}"
        changed = planning_changes.update_group(
            session, ward.engineer, group_id, GroupPatch(max_concurrent=1, product_id=None)
        )
        assert (changed.max_concurrent, changed.product_id, changed.zone_id) == (1, None, ward.ward)
    with make.session() as session, pytest.raises(NotFound, match="has no zone"):
        planning_changes.update_group(
            session, ward.engineer, group_id, GroupPatch(zone_id=ward.ward + 999)
        )
    with make.session() as session:
        planning_changes.delete_group(session, ward.engineer, group_id)
    with make.session() as session:
        assert [g.name for g in planning.groups(session, ward.engineer, ward.site_id)] == ["ICU"]
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None and plan.limits[key] == 2
        tags = session.execute(
            select(AuditEvent.tag).where(AuditEvent.tag.like("updates:group:%"))
        ).scalars()
        assert sorted(tags) == [
            "updates:group:added", "updates:group:added", "updates:group:changed",
            "updates:group:deleted",
        ]  # fmt: skip


def test_another_hospital_and_the_auditor_cannot_change_windows_or_groups(
    make: Any, ward: Ward
) -> None:
    tuesday_windows(make, ward)
    window_id = window_of(make, ward, ward.ward)
    with make.session() as session:
        group_id = planning.groups(session, ward.engineer, ward.site_id)[0].id
    for who, error in ((ward.stranger, NotFound), (ward.auditor, PermissionDenied)):
        with make.session() as session, pytest.raises(error):
            planning_changes.update_window(session, who, window_id, WindowPatch(name="x"))
        with make.session() as session, pytest.raises(error):
            planning_changes.delete_window(session, who, window_id)
        with make.session() as session, pytest.raises(error):
            planning_changes.update_group(session, who, group_id, GroupPatch(name="x"))
        with make.session() as session, pytest.raises(error):
            planning_changes.delete_group(session, who, group_id)


# --------------------------------------------------------------------------- plans


def test_the_plan_keeps_the_group_limit_and_life_sustaining_pumps_apart(
    make: Any, ward: Ward
) -> None:
    tuesday_windows(make, ward, limit=2)
    plan_id = make_plan(make, ward)
    with make.session() as session:
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None
        tasks = {t.asset_id: t for t in plan.tasks}
        assert set(tasks) == {*ward.pumps, *ward.icu_pumps}
        ward_spans = [(tasks[a].start, tasks[a].end) for a in ward.pumps]
        icu_spans = [(tasks[a].start, tasks[a].end) for a in ward.icu_pumps]
        assert peak(ward_spans) == 2
        assert peak(icu_spans) == 1  # life-sustaining: never two at once, whatever the limit
        first = min(t.start for t in tasks.values())
        # Tuesday 2 June 01:00 in Berlin (summer time) is 23:00 UTC on Monday.
        assert first == dt.datetime(2026, 6, 1, 23, tzinfo=dt.UTC)
        assert all(t.end - t.start == dt.timedelta(minutes=25) for t in tasks.values())
        assert [e.to_state for t in tasks.values() for e in t.history] == ["planned"] * 6
        assert plan.unplaced == []


def test_assets_without_a_window_are_listed_with_the_reason(make: Any, ward: Ward) -> None:
    plan_id = make_plan(make, ward)
    with make.session() as session:
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None
        assert plan.tasks == []
        reasons = {u["reason"] for u in plan.unplaced}
    assert reasons == {"no maintenance window for its asset, zone or site"}


def test_a_second_plan_does_not_plan_a_busy_asset_again_nor_overlap(make: Any, ward: Ward) -> None:
    tuesday_windows(make, ward, limit=1)
    first = make_plan(make, ward, asset_ids=ward.pumps[:2])
    second = make_plan(make, ward)
    with make.session() as session:
        one, two = session.get(UpdatePlan, first), session.get(UpdatePlan, second)
        assert one is not None and two is not None
        assert {t.asset_id for t in two.tasks} == {*ward.pumps[2:], *ward.icu_pumps}
        assert {u["asset_id"] for u in two.unplaced} == set(ward.pumps[:2])
        assert all("already in plan" in str(u["reason"]) for u in two.unplaced)
        assert min(t.start for t in two.tasks) >= max(t.end for t in one.tasks)


def test_choosing_a_release_that_does_not_apply_plans_nothing(make: Any, ward: Ward) -> None:
    tuesday_windows(make, ward)
    plan_id = make_plan(make, ward, release_ids=[ward.release_id + 999], asset_ids=ward.pumps[:1])
    with make.session() as session:
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None
        assert plan.tasks == []
        assert plan.unplaced[0]["reason"] == "no chosen release applies to it"


# --------------------------------------------------------------------------- daylight saving


@pytest.mark.parametrize(
    ("start", "local_date", "hours", "utc_start", "utc_end"),
    [
        # Spring forward, 29 March 2026: 01:00 CET … 05:00 CEST lasts 3 hours.
        (
            dt.datetime(2026, 3, 23, tzinfo=dt.UTC),
            dt.date(2026, 3, 29),
            3,
            dt.datetime(2026, 3, 29, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 29, 3, tzinfo=dt.UTC),
        ),
        # Fall back, 25 October 2026: 01:00 CEST … 05:00 CET lasts 5 hours.
        (
            dt.datetime(2026, 10, 19, tzinfo=dt.UTC),
            dt.date(2026, 10, 25),
            5,
            dt.datetime(2026, 10, 24, 23, tzinfo=dt.UTC),
            dt.datetime(2026, 10, 25, 4, tzinfo=dt.UTC),
        ),
    ],
)
def test_occurrences_on_daylight_saving_days_survive_the_database(
    make: Any,
    ward: Ward,
    start: dt.datetime,
    local_date: dt.date,
    hours: int,
    utc_start: dt.datetime,
    utc_end: dt.datetime,
) -> None:
    with make.session() as session:
        planning.add_window(
            session,
            ward.engineer,
            ward.site_id,
            WindowIn(name="Sunday", days="sun", start=dt.time(1), end=dt.time(5)),
        )
    plan_id = make_plan(make, ward, start=start, days=7, asset_ids=ward.pumps[:1])
    with make.session() as session:
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None
        (task,) = plan.tasks
        assert (task.occurrence_start, task.occurrence_end) == (utc_start, utc_end)
        assert task.occurrence_start.tzinfo is not None
        assert task.occurrence_end - task.occurrence_start == dt.timedelta(hours=hours)
        assert task.local_date == local_date
        assert task.occurrence_start.astimezone(BERLIN).time() == dt.time(1)
        assert task.occurrence_end.astimezone(BERLIN).time() == dt.time(5)
        assert plan.horizon_start == start


# --------------------------------------------------------------------------- tasks


def first_task(make: Any, ward: Ward) -> int:
    tuesday_windows(make, ward)
    plan_id = make_plan(make, ward, asset_ids=ward.pumps[:1])
    with make.session() as session:
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None
        return int(plan.tasks[0].id)


def move(make: Any, ward: Ward, task_id: int, **values: Any) -> None:
    at = dt.datetime(2026, 6, 1, 23, 5, tzinfo=dt.UTC)
    with make.session() as session:
        planning.transition(
            session, ward.engineer, task_id, TransitionIn.model_validate(values), now=at
        )


def test_done_needs_evidence_and_then_the_asset_runs_the_new_version(make: Any, ward: Ward) -> None:
    task_id = first_task(make, ward)
    move(make, ward, task_id, to="in-progress", assignee="Biomed team")
    with pytest.raises(TransitionError, match="needs evidence"):
        move(make, ward, task_id, to="done")
    move(make, ward, task_id, to="done", evidence="4.2.2 read back", evidence_ref="TICKET-7")
    with make.session() as session:
        task = planning.get_task(session, ward.engineer, task_id)
        assert (task.state, task.assignee, task.evidence_ref) == ("done", "Biomed team", "TICKET-7")
        assert [(e.from_state, e.to_state) for e in task.history] == [
            (None, "planned"),
            ("planned", "in-progress"),
            ("in-progress", "done"),
        ]
        assert task.history[-1].at == dt.datetime(2026, 6, 1, 23, 5, tzinfo=dt.UTC)
        assert task.history[-1].by == ward.engineer.username
        status = fleet.asset_updates(session, ward.engineer, ward.pumps[0])
        assert (status.installed, status.out_of_date) == ("4.2.2", False)
        assert status.product is not None  # the link to the product is kept
        tags = session.execute(
            select(AuditEvent.tag).where(AuditEvent.target == f"update-task:{task_id}")
        ).scalars()
        assert list(tags) == ["updates:task:started", "updates:task:done"]
    with pytest.raises(TransitionError, match="cannot become planned"):
        move(make, ward, task_id, to="planned")


def test_a_deferral_needs_a_reason_and_can_be_planned_again(make: Any, ward: Ward) -> None:
    task_id = first_task(make, ward)
    with pytest.raises(TransitionError, match="needs a reason"):
        move(make, ward, task_id, to="deferred", reason=" ")
    move(make, ward, task_id, to="deferred", reason="ward at full occupancy")
    move(make, ward, task_id, to="planned")
    with make.session() as session:
        task = planning.get_task(session, ward.engineer, task_id)
        assert (task.state, task.reason) == ("planned", "ward at full occupancy")


def test_another_hospital_cannot_move_the_task(make: Any, ward: Ward) -> None:
    task_id = first_task(make, ward)
    with make.session() as session, pytest.raises(NotFound):
        planning.transition(session, ward.stranger, task_id, TransitionIn(to=TaskState.DEFERRED))


# --------------------------------------------------------------------------- dashboards


def test_end_of_support_comes_from_the_published_notice_else_the_profile(
    make: Any, ward: Ward
) -> None:
    today = dt.date(2034, 3, 1)
    with make.session() as session:
        # The example profile says end of support and of security updates 2034-12-31.
        from_profile = exposure.end_of_support(
            session, ward.engineer, ward.site_id, months=12, today=today
        )
        none_yet = exposure.end_of_support(
            session, ward.engineer, ward.site_id, months=3, today=today
        )
    assert len(from_profile) == 6 and none_yet == []
    assert (from_profile[0].source, from_profile[0].date) == ("profile", dt.date(2034, 12, 31))
    with make.session() as session:
        notice = NoticeIn(end_of_support=dt.date(2027, 1, 31), plan="trade in for LVP 4000")
        updates.set_notice(session, ward.psirt, ward.version_id, notice)
        updates.publish_notice(session, ward.psirt, ward.version_id)
    findings = KnownFindings({ward.pumps[1]: frozenset({"CVE-2026-21002"})})
    with make.session() as session:
        found = exposure.end_of_support(
            session,
            ward.engineer,
            ward.site_id,
            months=6,
            today=dt.date(2026, 12, 1),
            findings=findings,
        )
    assert {(e.source, e.milestone, e.past, e.plan) for e in found} == {
        ("notice", "end of support", False, "trade in for LVP 4000")
    }
    assert next(e for e in found if e.asset_id == ward.pumps[1]).open_findings == (
        "CVE-2026-21002",
    )


def test_compliance_rises_when_a_task_is_done(make: Any, ward: Ward) -> None:
    task_id = first_task(make, ward)
    move(make, ward, task_id, to="in-progress")
    move(make, ward, task_id, to="done", evidence="4.2.2")
    today = dt.datetime.now(dt.UTC).date()
    with make.session() as session:
        points = exposure.compliance(session, ward.engineer, ward.site_id, weeks=3, today=today)
    assert [p.total for p in points][-1] == 6
    assert points[-1].up_to_date == 1
    assert points[0].up_to_date == 0  # before the assets existed or the patch was done


def test_a_product_no_longer_held_shows_no_release(make: Any, ward: Ward) -> None:
    with make.session() as session:
        products.release(session, ward.engineer, ward.product_id)
    with make.session() as session:
        status = fleet.asset_updates(session, ward.engineer, ward.pumps[0])
    assert (status.updates, status.out_of_date) == ((), False)
    assert status.problem == fleet.NOT_HELD


# --------------------------------------------------------------------------- over HTTP


def test_plan_and_record_over_the_api(make: Any, ward: Ward, client: TestClient) -> None:
    with make.session() as session:
        user = session.get(User, ward.engineer.user_id)
    _, token = make.token(user)
    auth = {"Authorization": f"Bearer {token}"}
    site = f"/api/v1/sites/{ward.site_id}"
    bad = client.post(
        f"{site}/maintenance-windows",
        json={"name": "w", "days": "tue", "start": "01:00", "end": "05:00", "timezone": "Nowhere"},
        headers=auth,
    )
    assert (bad.status_code, bad.json()["type"].rsplit("/", 1)[-1]) == (422, "invalid-window")
    window = client.post(
        f"{site}/maintenance-windows",
        json={"name": "w", "days": "tue", "start": "01:00", "end": "05:00", "zone_id": ward.ward},
        headers=auth,
    )
    assert window.status_code == 201 and window.json()["scope"] == "zone"
    group = client.post(
        f"{site}/update-groups", json={"name": "g", "max_concurrent": 1}, headers=auth
    )
    assert group.status_code == 201
    needing = client.get(f"{site}/updates?out_of_date=true", headers=auth).json()
    assert {a["asset_id"] for a in needing} == {*ward.pumps, *ward.icu_pumps}
    planned = client.post(
        f"{site}/update-plans", json={"start": "2026-06-01T00:00:00Z", "days": 7}, headers=auth
    )
    assert planned.status_code == 201, planned.text
    plan = planned.json()
    assert {t["asset_id"] for t in plan["tasks"]} == set(ward.pumps)
    # The ICU has no window: its pumps are listed with the reason.
    assert {u["asset_id"] for u in plan["unplaced"]} == set(ward.icu_pumps)
    first = plan["tasks"][0]
    assert first["occurrence_start"] == "2026-06-01T23:00:00Z"
    moved = client.post(
        f"/api/v1/update-tasks/{first['id']}/transition", json={"to": "done"}, headers=auth
    )
    assert (moved.status_code, moved.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "invalid-transition",
    )
    started = client.post(
        f"/api/v1/update-tasks/{first['id']}/transition",
        json={"to": "in-progress", "assignee": "Biomed"},
        headers=auth,
    )
    assert started.json()["state"] == "in-progress"
    again = client.get(f"/api/v1/update-plans/{plan['id']}", headers=auth).json()
    assert [e["to_state"] for e in again["tasks"][0]["history"]] == ["planned", "in-progress"]


def test_change_and_delete_windows_and_groups_over_the_api(
    make: Any, ward: Ward, client: TestClient
) -> None:
    tuesday_windows(make, ward)
    make_plan(make, ward, asset_ids=ward.pumps[:1])
    window_id = window_of(make, ward, ward.ward)
    with make.session() as session:
        user = session.get(User, ward.engineer.user_id)
        group_id = planning.groups(session, ward.engineer, ward.site_id)[0].id
    _, token = make.token(user)
    auth = {"Authorization": f"Bearer {token}"}
    window = f"/api/v1/maintenance-windows/{window_id}"
    refused = client.patch(window, json={"end": "06:00"}, headers=auth)
    assert (refused.status_code, refused.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "window-in-use",
    )
    assert "defer_tasks=true" in refused.json()["hint"]
    moved = client.patch(f"{window}?defer_tasks=true", json={"end": "06:00"}, headers=auth)
    assert (moved.status_code, moved.json()["end_time"]) == (200, "06:00:00")
    unknown = client.patch(window, json={"colour": "red"}, headers=auth)
    assert unknown.status_code == 422
    assert client.delete(window, headers=auth).status_code == 204
    assert client.delete(window, headers=auth).status_code == 404
    group = f"/api/v1/update-groups/{group_id}"
    changed = client.patch(group, json={"max_concurrent": 3}, headers=auth)
    assert (changed.status_code, changed.json()["max_concurrent"]) == (200, 3)
    assert client.patch(group, json={"max_concurrent": 0}, headers=auth).status_code == 422
    assert client.delete(group, headers=auth).status_code == 204


# --------------------------------------------------------------------------- reminders


def notes(make: Any, topic: str) -> list[Notification]:
    with make.session() as session:
        stmt = select(Notification).where(Notification.topic == topic).order_by(Notification.id)
        return list(session.execute(stmt).scalars())


def test_planners_are_reminded_once_of_the_next_days_windows(make: Any, ward: Ward) -> None:
    tuesday_windows(make, ward)
    plan_id = make_plan(make, ward)
    with make.session() as session:
        plan = session.get(UpdatePlan, plan_id)
        assert plan is not None
        plan.tasks[0].assignee = ward.auditor.username  # an assignee who is a user hears too
    two_days_before = JUNE - dt.timedelta(days=1)
    with make.session() as session:
        assert reminders.remind(session, two_days_before) == reminders.Reminders(0, 0)
    with make.session() as session:
        assert reminders.remind(session, JUNE).windows == 2  # Ward A and ICU, 23 hours ahead
    with make.session() as session:
        assert reminders.remind(session, JUNE + dt.timedelta(hours=1)).windows == 0
    sent = notes(make, "update-window-upcoming")
    by_user = {(n.user_id, n.target) for n in sent}
    assert len(sent) == len(by_user) == 3  # the engineer twice, the auditor for its task
    assert {n.user_id for n in sent} == {ward.engineer.user_id, ward.auditor.user_id}
    first = sent[0]
    assert first.subject.endswith("from Tue 2026-06-02 01:00 CEST")
    assert "P-" in (first.body or "") and "UTC)" in (first.body or "")
    with make.session() as session:
        tags = session.execute(
            select(AuditEvent.tag).where(AuditEvent.tag == "updates:window:reminded")
        ).scalars()
        assert len(list(tags)) == 2


def test_a_task_without_an_outcome_after_its_slot_is_reported_overdue_once(
    make: Any, ward: Ward
) -> None:
    task_id = first_task(make, ward)
    with make.session() as session:
        end = planning.get_task(session, ward.engineer, task_id).end
    with make.session() as session:
        assert reminders.overdue_tasks(session, end) == 0  # the slot is only just over
    with make.session() as session:
        assert reminders.overdue_tasks(session, end + dt.timedelta(minutes=1)) == 1
    with make.session() as session:
        assert reminders.overdue_tasks(session, end + dt.timedelta(days=1)) == 0
    (note,) = notes(make, "update-task-overdue")
    assert (note.user_id, note.target) == (ward.engineer.user_id, f"update-task:{task_id}")
    assert note.subject.startswith("Update overdue: P-")
    assert f"medsec updates tasks move {task_id}" in (note.body or "")


def test_a_task_with_its_outcome_recorded_is_never_overdue(make: Any, ward: Ward) -> None:
    task_id = first_task(make, ward)
    move(make, ward, task_id, to="deferred", reason="ward full")
    with make.session() as session:
        assert reminders.overdue_tasks(session, JUNE + dt.timedelta(days=30)) == 0


def test_a_published_end_of_support_notice_reaches_the_hospitals_holding_the_product(
    make: Any, ward: Ward
) -> None:
    with make.session() as session:
        notice = NoticeIn(end_of_support=dt.date(2027, 1, 31), plan="trade in for LVP 4000")
        updates.set_notice(session, ward.psirt, ward.version_id, notice)
        updates.publish_notice(session, ward.psirt, ward.version_id)
    sent = notes(make, "end-of-support")
    assert {n.user_id for n in sent} == {ward.engineer.user_id, ward.auditor.user_id}
    assert {n.organization_id for n in sent} == {ward.engineer.organization_id}
    assert sent[0].subject == "End of support: Northwind LVP 3000 4.2.1 (end of support 2027-01-31)"
    assert sent[0].body == "6 of your assets run this version. The manufacturer's plan: " + (
        "trade in for LVP 4000"
    )
    assert sent[0].target == f"profile-version:{ward.version_id}"
