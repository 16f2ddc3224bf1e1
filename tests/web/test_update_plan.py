"""The update plan page and the update dashboard on the demo hospital: which device needs
which update and why, windows and group limits, a plan by window occurrence in local time
and UTC, outcomes recorded with evidence, end-of-support exposure and the compliance
chart. Plain form posts: no JavaScript needed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from medsec.accounts.actor import Actor
from medsec.accounts.models import Organization, User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.demo import DEMO_SITE, HOSPITAL, seed
from medsec.inventory.models import Asset
from medsec.inventory.models import Site as SiteRow
from medsec.updates import services as updates
from medsec.updates.demo import PUMP_RELEASE
from medsec.updates.kinds import ReleaseKind
from medsec.updates.manifest import load_release
from medsec.updates.models import UpdateRelease
from medsec.updates.planner import peak
from medsec.updates.planning_models import UpdatePlan

from .conftest import Browser, Site, text_of


@pytest.fixture
def demo(site: Site) -> int:
    seed(site.instance)
    with site.instance.db.session() as session:
        org = session.execute(
            select(Organization).where(Organization.name == HOSPITAL)
        ).scalar_one()
        site.user(org.id, "planner", Role.CLINICAL_ENGINEER)
        site.user(org.id, "reader", Role.AUDITOR)
        return int(
            session.execute(select(SiteRow.id).where(SiteRow.name == DEMO_SITE)).scalar_one()
        )


def signed_in(site: Site, username: str) -> Browser:
    browser = site.browser()
    assert browser.login(username).status_code == 303
    return browser


def test_the_plan_page_says_which_device_needs_which_update_and_why(site: Site, demo: int) -> None:
    page = signed_in(site, "planner").follow(f"/inventory/sites/{demo}/updates").text
    text = text_of(page)
    assert "LVP3-00004" in text and "4.2.2 (security-patch)" in text
    fixes = "fixes CVE-2026-21001, CVE-2026-21002, GHSA-4x5p-9q2r-8m7c, CVE-2026-40011"
    assert f"{fixes}; priority high" in text
    # the demo's findings: the update closes the open zlib finding of LVP3-00006
    assert f"closes CVE-2026-40011; {fixes}" in text
    assert "ICU night" in text and "Ward 4B pumps: at most 2 at once" in text
    # The demo plan: occurrences in Berlin time, then UTC.
    assert re.search(r"Tue \d{4}-\d\d-\d\d 01:00 CE[S]?T – 05:00 CE[S]?T", text)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:00 UTC – \d\d:00 UTC", text)
    assert 'aria-label="Outcome of the update of LVP3-00001"' in page


def test_the_demo_plan_keeps_the_ward_limit(site: Site, demo: int) -> None:
    with site.instance.db.session() as session:
        plan = session.execute(select(UpdatePlan)).scalar_one()
        ward = [t for t in plan.tasks if t.asset.zone and t.asset.zone.name == "Ward 4B"]
        icu = [t for t in plan.tasks if t.asset.zone and t.asset.zone.name == "ICU"]
        assert len(ward) == 3 and len(icu) == 3
        assert peak((t.start, t.end) for t in ward) == 2
        assert peak((t.start, t.end) for t in icu) == 1


def task_of(site: Site, serial: str) -> int:
    with site.instance.db.session() as session:
        plan = session.execute(select(UpdatePlan)).scalar_one()
        return next(t.id for t in plan.tasks if t.asset.serial == serial)


def test_recording_done_needs_evidence_then_the_dashboard_counts_it(site: Site, demo: int) -> None:
    browser = signed_in(site, "planner")
    page_url = f"/inventory/sites/{demo}/updates"
    task = task_of(site, "LVP3-00004")
    action = f"/inventory/update-tasks/{task}/transition"
    started = browser.submit(page_url, action, {"to": "in-progress", "assignee": "Biomed"})
    assert started.status_code == 303
    refused = browser.submit(page_url, action, {"to": "done"})
    assert refused.status_code == 422
    assert "needs evidence" in text_of(refused.text)
    done = browser.submit(page_url, action, {"to": "done", "evidence": "4.2.2 read back"})
    assert done.headers["location"] == f"{page_url}?done=task-recorded#task-{task}"
    assert "evidence: 4.2.2 read back" in text_of(browser.follow(page_url).text)
    dashboard = text_of(browser.follow(f"/inventory/update-dashboard?site={demo}").text)
    assert "LVP3-00004" not in dashboard.split("End-of-support exposure")[0]
    assert "LVP3-00005" in dashboard
    with site.instance.db.session() as session:
        asset = session.execute(select(Asset).where(Asset.serial == "LVP3-00004")).scalar_one()
        assert asset.firmware_version == "4.2.2"


def test_a_window_and_a_group_are_added_and_a_bad_window_is_explained(
    site: Site, demo: int
) -> None:
    browser = signed_in(site, "planner")
    page_url = f"/inventory/sites/{demo}/updates"
    bad = browser.submit(
        page_url,
        f"/inventory/sites/{demo}/windows",
        {"name": "x", "days": "someday", "start": "01:00", "end": "03:00", "scope": "site"},
    )
    assert bad.status_code == 422 and "not a weekday" in text_of(bad.text)
    good = browser.submit(
        page_url,
        f"/inventory/sites/{demo}/windows",
        {
            "name": "Friday late",
            "days": "fri",
            "start": "22:00",
            "end": "02:00",
            "scope": "site",
            "timezone": "America/New_York",
            "downtime": "yes",
        },
    )
    assert good.headers["location"].endswith("done=window-added")
    group = browser.submit(
        page_url, f"/inventory/sites/{demo}/groups", {"name": "All", "max_concurrent": "3"}
    )
    assert group.headers["location"].endswith("done=group-added")
    text = text_of(browser.follow(page_url).text)
    assert "Friday late" in text and "America/New_York" in text and "All: at most 3" in text
    planned = browser.submit(page_url, f"/inventory/sites/{demo}/plans", {"days": "7"})
    assert planned.headers["location"].endswith("done=plan-made")
    assert "already in plan" in text_of(browser.follow(page_url).text)


def test_the_dashboard_shows_end_of_support_and_the_chart_with_its_table(
    site: Site, demo: int
) -> None:
    page = signed_in(site, "reader").follow(f"/inventory/update-dashboard?site={demo}").text
    text = text_of(page)
    exposure = text.split("End-of-support exposure", 1)[1]
    assert "AUR-128-0042" in exposure and "end of security updates" in exposure
    assert "from the notice" in exposure
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert 'id="compliance-table"' in page


def test_the_auditor_sees_the_plan_but_no_forms(site: Site, demo: int) -> None:
    browser = signed_in(site, "reader")
    page = browser.follow(f"/inventory/sites/{demo}/updates").text
    assert "Outcome of the update" not in page and "Add a maintenance window" not in page
    task = task_of(site, "LVP3-00004")
    refused = browser.submit(
        f"/inventory/sites/{demo}/updates",
        f"/inventory/update-tasks/{task}/transition",
        {"to": "in-progress"},
    )
    assert refused.status_code == 403


def window_id(site: Site, name: str) -> int:
    from medsec.updates.planning_models import MaintenanceWindow

    with site.instance.db.session() as session:
        return int(
            session.execute(
                select(MaintenanceWindow.id).where(MaintenanceWindow.name == name)
            ).scalar_one()
        )


def test_moving_a_window_with_planned_updates_asks_to_defer_them(site: Site, demo: int) -> None:
    browser = signed_in(site, "planner")
    plan_page = browser.follow(f"/inventory/sites/{demo}/updates").text
    window = window_id(site, "ICU night")
    edit = f"/inventory/maintenance-windows/{window}/edit"
    assert f'href="{edit}"' in plan_page
    form = browser.follow(edit).text
    assert "3 updates are planned in this window" in text_of(form)
    assert 'value="01:00"' in form
    action = f"/inventory/maintenance-windows/{window}"
    values = {"name": "ICU night", "scope": "site", "days": "wed", "start": "01:00",
              "end": "05:00", "downtime": "yes"}  # fmt: skip
    refused = browser.submit(edit, action, values)
    assert refused.status_code == 422
    assert "are planned in it" in text_of(refused.text)
    bad = browser.submit(edit, action, {**values, "days": "someday"})
    assert bad.status_code == 422
    assert 'id="field-days" name="days"' in bad.text and 'aria-invalid="true"' in bad.text
    moved = browser.submit(edit, action, {**values, "defer_tasks": "yes"})
    assert moved.headers["location"].endswith("done=window-changed")
    with site.instance.db.session() as session:
        plan = session.execute(select(UpdatePlan)).scalar_one()
        icu = [t for t in plan.tasks if t.window_id == window]
        assert {t.state for t in icu} == {"deferred"}
        assert {t.reason for t in icu} == {"maintenance window 'ICU night' changed"}
    deleted = browser.submit(edit, f"{action}/delete", {})
    assert deleted.headers["location"].endswith("done=window-deleted")
    assert f'href="{edit}"' not in browser.follow(f"/inventory/sites/{demo}/updates").text


def test_a_group_limit_is_edited_with_field_errors_and_deleted(site: Site, demo: int) -> None:
    from medsec.updates.planning_models import UpdateGroup

    browser = signed_in(site, "planner")
    with site.instance.db.session() as session:
        group = session.execute(
            select(UpdateGroup.id).where(UpdateGroup.name == "Ward 4B pumps")
        ).scalar_one()
    edit = f"/inventory/update-groups/{group}/edit"
    action = f"/inventory/update-groups/{group}"
    empty = browser.submit(edit, action, {"name": "Ward 4B pumps", "max_concurrent": ""})
    assert empty.status_code == 422
    assert "Enter how many devices at most" in text_of(empty.text)
    assert 'id="field-max_concurrent-error"' in empty.text
    saved = browser.submit(edit, action, {"name": "Ward 4B", "max_concurrent": "1"})
    assert saved.headers["location"].endswith("done=group-changed")
    page_url = f"/inventory/sites/{demo}/updates"
    assert "Ward 4B: at most 1 at once" in text_of(browser.follow(page_url).text)
    gone = browser.submit(edit, f"{action}/delete", {})
    assert gone.headers["location"].endswith("done=group-deleted")
    assert "Ward 4B: at most" not in text_of(browser.follow(page_url).text)


def test_a_reader_cannot_open_the_edit_forms(site: Site, demo: int) -> None:
    browser = signed_in(site, "reader")
    window = window_id(site, "ICU night")
    assert browser.get(f"/inventory/maintenance-windows/{window}/edit").status_code == 403


def publish_firmware(site: Site) -> tuple[int, int]:
    """A second release the demo pumps need, of another kind (so it supersedes nothing):
    each pump's newest is now 4.3.0. The ids of 4.2.2 and 4.3.0."""
    with site.instance.db.session() as session:
        row = session.execute(select(User).where(User.username == "psirt")).scalar_one()
        psirt = Actor(row.id, row.username, row.organization_id, OrganizationKind.MANUFACTURER,
                      Role.PRODUCT_SECURITY_OFFICER, recently_authenticated=True)  # fmt: skip
        old = session.execute(select(UpdateRelease).where(UpdateRelease.version == "4.2.2"))
        patch = old.scalar_one()
        manifest = load_release(PUMP_RELEASE).model_copy(
            update={"version": "4.3.0", "kind": ReleaseKind.FIRMWARE, "fixes": [],
                    "released_on": patch.released_on + dt.timedelta(days=30)}
        )  # fmt: skip
        release = updates.create_release(session, psirt, patch.product_id, manifest)
        updates.publish_release(session, psirt, release.id)
        return patch.id, release.id


def test_the_plan_form_chooses_the_releases_to_plan(site: Site, demo: int) -> None:
    patch, firmware = publish_firmware(site)
    browser = signed_in(site, "planner")
    page_url = f"/inventory/sites/{demo}/updates"
    page = browser.follow(page_url).text
    form = page.split('aria-label="Plan updates"')[1].split("</form>")[0]
    assert "<legend>Releases (none ticked: each device's newest)</legend>" in form
    for release, label in (
        (patch, "4.2.2 (security-patch) of Northwind LVP 3000, needed by 6 devices"),
        (firmware, "4.3.0 (firmware) of Northwind LVP 3000, needed by 6 devices"),
    ):
        assert (
            f'<input type="checkbox" id="p-release-{release}" name="release_ids" '
            f'value="{release}"><label for="p-release-{release}">{label}</label>'
        ) in form
    # The demo plan holds every pump: defer two of the ward's, then plan them with 4.2.2
    # only (without the choice, each would get its newest, 4.3.0).
    pumps = ("LVP3-00004", "LVP3-00005")
    for serial in pumps:
        action = f"/inventory/update-tasks/{task_of(site, serial)}/transition"
        deferred = browser.submit(page_url, action, {"to": "deferred", "reason": "replan"})
        assert deferred.status_code == 303
    with site.instance.db.session() as session:
        ids = session.execute(select(Asset.id).where(Asset.serial.in_(pumps))).scalars().all()
    planned = browser.submit(
        page_url,
        f"/inventory/sites/{demo}/plans",
        {"days": "28", "asset_ids": [str(i) for i in ids], "release_ids": [str(patch)]},
    )
    assert planned.headers["location"].endswith("done=plan-made"), planned.text
    with site.instance.db.session() as session:
        newest = session.execute(select(UpdatePlan).order_by(UpdatePlan.id.desc())).scalars()
        tasks = next(iter(newest)).tasks
        assert sorted((t.asset.serial, t.release.version) for t in tasks) == [
            (pumps[0], "4.2.2"),
            (pumps[1], "4.2.2"),
        ]


def test_a_release_id_that_is_not_a_number_is_ignored_like_none_ticked(
    site: Site, demo: int
) -> None:
    _, firmware = publish_firmware(site)
    browser = signed_in(site, "planner")
    page_url = f"/inventory/sites/{demo}/updates"
    action = f"/inventory/update-tasks/{task_of(site, 'LVP3-00006')}/transition"
    assert browser.submit(page_url, action, {"to": "deferred", "reason": "x"}).status_code == 303
    planned = browser.submit(
        page_url, f"/inventory/sites/{demo}/plans", {"days": "28", "release_ids": ["x", "-1"]}
    )
    assert planned.headers["location"].endswith("done=plan-made")
    with site.instance.db.session() as session:
        newest = session.execute(select(UpdatePlan).order_by(UpdatePlan.id.desc())).scalars()
        tasks = next(iter(newest)).tasks
        assert [(t.asset.serial, t.release_id) for t in tasks] == [("LVP3-00006", firmware)]
