"""A clinical engineer plans updates for the demo hospital, in Debian's Chromium driven by
Playwright, against a real ``medsec serve`` on a free loopback port:

the demo site → which pumps need 4.2.2 and why → a window per ward and a group limit of
one → plan → no two pumps of the ward overlap → start a task and mark it done with
evidence → the dashboard no longer lists that pump and shows end-of-support exposure.

Needs ``/usr/bin/chromium``; skipped without it, except under CI (``CI=true``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from medsec.accounts import services as accounts
from medsec.accounts.models import Organization
from medsec.accounts.roles import Role
from medsec.audit.services import Context
from medsec.db import migrate
from medsec.demo import HOSPITAL, seed
from medsec.service import Instance
from medsec.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "marble orchard lighthouse sparrow"

pytestmark = pytest.mark.e2e


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seeded(data_dir: Path) -> None:
    """The demo instance, plus a clinical engineer with a known password."""
    settings = Settings(data_dir=data_dir, database_url=None, cookie_secure=False)
    migrate.upgrade(settings.resolved_database_url())
    instance = Instance.from_settings(settings)
    seed(instance)
    with instance.db.session() as session:
        org = session.execute(
            select(Organization).where(Organization.name == HOSPITAL)
        ).scalar_one()
        accounts.create_local_user(
            session,
            org,
            accounts.NewUser("planner", Role.CLINICAL_ENGINEER),
            PASSWORD,
            Context.cli("test"),
            temporary=False,
            hasher=instance.auth.hasher,
        )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; install the Debian package chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    data = tmp_path / "data"
    seeded(data)
    for _ in range(3):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "MEDSEC_DATA_DIR": str(data),
            "MEDSEC_COOKIE_SECURE": "false",
            "MEDSEC_BASE_URL": url,
        }
        env.pop("MEDSEC_DATABASE_URL", None)
        command = [sys.executable, "-c", "from medsec.cli.main import main; main()"]
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + 120  # start-up wait, not a timed assertion
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                        yield url
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    pytest.fail("medsec serve did not become ready on three ports")


def _spans(rows: list[str]) -> list[tuple[dt.datetime, dt.datetime]]:
    """The UTC spans in the plan table's time cells, as instants."""
    return [
        (dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b))
        for a, b in (row.split("|") for row in rows)
    ]


def test_plan_updates_for_the_demo_site_and_record_the_outcome(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        expect.set_options(timeout=15_000)
        page.goto(server + "/login")
        page.get_by_label("Username").fill("planner")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        # From the navigation to the demo site's update plan.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Updates").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Update dashboard, Main campus")
        page.get_by_role("link", name="Update plan of Main campus").click()
        needed = page.get_by_role("table", name="Devices out of date and the release each needs")
        expect(needed.get_by_role("row", name="LVP3-00005")).to_contain_text("4.2.2")
        expect(needed.get_by_role("row", name="LVP3-00005")).to_contain_text("fixes CVE-2026-21001")

        # A stricter limit for Ward 4B: one pump at a time, then a new plan (the demo plan
        # keeps its tasks; the new one begins after them).
        page.get_by_text("Add a group limit").click()
        limit = page.get_by_role("form", name="Add a group limit")
        limit.get_by_label("Name").fill("Ward 4B one at a time")
        limit.get_by_label("Zone").select_option(label="Ward 4B")
        limit.get_by_label("At most this many at once").fill("1")
        limit.get_by_role("button", name="Add group limit").click()
        expect(page.get_by_role("status")).to_contain_text("The group limit was added")
        # The demo plan's tasks are planned: defer Ward 4B's three so the new plan takes them.
        for serial in ("LVP3-00004", "LVP3-00005", "LVP3-00006"):
            form = page.get_by_role("form", name=f"Outcome of the update of {serial}").first
            form.get_by_label("New state").select_option("deferred")
            form.get_by_label("Reason (deferred)").fill("replanned with the stricter limit")
            form.get_by_role("button", name="Record").click()
            expect(page.get_by_role("status")).to_contain_text("The outcome was recorded")
        plan = page.get_by_role("form", name="Plan updates")
        for serial in ("LVP3-00004", "LVP3-00005", "LVP3-00006"):
            plan.get_by_label(serial, exact=False).check()
        # The releases to plan are chosen too (none ticked: each device's newest).
        releases = plan.get_by_role("group", name=re.compile(r"^Releases"))
        releases.get_by_label(re.compile(r"^4\.2\.2 \(security-patch\) of ")).check()
        plan.get_by_role("button", name="Plan").click()
        expect(page.get_by_role("status")).to_contain_text("The plan was made")

        # The newest plan is listed first: three Ward 4B tasks, none overlapping.
        newest = page.locator("table.plan").first
        rows = newest.locator("tbody tr")
        expect(rows).to_have_count(3)
        for row in rows.all():
            expect(row.locator("td").nth(1)).to_have_text("4.2.2")
        spans = newest.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.span)")
        intervals = sorted(_spans(spans))
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(intervals)), intervals
        expect(newest).to_contain_text(re.compile(r"CES?T"))
        expect(newest).to_contain_text("UTC")

        # Record the outcome of the first task: start it, then done with evidence.
        first = newest.locator("tbody tr").first
        serial = first.locator("td").first.inner_text().split()[0]
        outcome = page.get_by_role("form", name=f"Outcome of the update of {serial}").first
        outcome.get_by_label("New state").select_option("in-progress")
        outcome.get_by_label("Assigned to").fill("Biomedical engineering")
        outcome.get_by_role("button", name="Record").click()
        expect(page.get_by_role("status")).to_contain_text("The outcome was recorded")
        outcome = page.get_by_role("form", name=f"Outcome of the update of {serial}").first
        outcome.get_by_label("New state").select_option("done")
        outcome.get_by_role("button", name="Record").click()
        expect(page.get_by_role("alert")).to_contain_text("needs evidence")
        outcome = page.get_by_role("form", name=f"Outcome of the update of {serial}").first
        outcome.get_by_label("New state").select_option("done")
        outcome.get_by_label("Evidence (done, failed)").fill("Version 4.2.2 read back on the pump")
        outcome.get_by_label("Evidence file or ticket").fill("TICKET-4711")
        outcome.get_by_role("button", name="Record").click()
        expect(page.get_by_role("status")).to_contain_text("The outcome was recorded")
        expect(page.locator("table.plan").first).to_contain_text(
            "evidence: Version 4.2.2 read back on the pump (TICKET-4711)"
        )

        # The dashboard: the pump is no longer out of date; the CT's end of support shows.
        page.get_by_role("link", name="Update dashboard").click()
        out_of_date = page.get_by_role(
            "table", name="Devices of Main campus that need an update, by zone"
        )
        expect(out_of_date).not_to_contain_text(serial)
        expect(out_of_date).to_contain_text("LVP3-00001")
        exposure = page.get_by_role(
            "table", name="Devices past or within 12 months of end of support"
        )
        expect(exposure.get_by_role("row", name="AUR-128-0042")).to_contain_text(
            "end of security updates"
        )
        expect(page.locator("figure svg")).to_be_visible()
        last_week = page.locator("#compliance-table tbody tr").last
        # The CT and the PACS have no release to install, and now one pump is done: 3 of 8.
        expect(last_week.locator("td").nth(0)).to_have_text("3")
        expect(last_week.locator("td").nth(1)).to_have_text("8")
        browser.close()
