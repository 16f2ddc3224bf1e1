"""A vulnerability report's journey in Debian's Chromium (Playwright) against a real
``medsec serve``: a reporter without an account sends the public form, the
product-security officer reads the case decrypted and answers, and the answer is on the
reporter's tracking page, where the reporter replies.

Needs ``/usr/bin/chromium``; skipped without it, except under CI (``CI=true``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from medsec.accounts import services as accounts
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.db.migrate import upgrade
from medsec.disclosure import services
from medsec.service import Instance
from medsec.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "marble orchard lighthouse sparrow"

pytestmark = pytest.mark.e2e


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(data_dir: Path) -> None:
    """Northwind with an open program and a product-security officer (no MFA required)."""
    settings = Settings(data_dir=data_dir)
    upgrade(settings.resolved_database_url())
    instance = Instance.from_settings(settings)
    try:
        with instance.db.session() as session:
            org = accounts.create_organization(
                session, "Northwind Infusion", OrganizationKind.MANUFACTURER, Context.cli("test")
            )
            accounts.create_local_user(
                session,
                org,
                accounts.NewUser("pat.psirt", Role.PRODUCT_SECURITY_OFFICER),
                PASSWORD,
                Context.cli("test"),
                temporary=False,
                hasher=instance.auth.hasher,
            )
            services.save_program(session, org.id, "northwind", Context.cli("test"))
    finally:
        instance.db.dispose()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; install the Debian package chromium")
    seed(tmp_path)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MEDSEC_DATA_DIR": str(tmp_path),
        "MEDSEC_COOKIE_SECURE": "false",
        "MEDSEC_BASE_URL": url,
    }
    env.pop("MEDSEC_DATABASE_URL", None)
    medsec = Path(sys.executable).with_name("medsec")
    process = subprocess.Popen(
        [str(medsec), "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120  # start-up wait, not a timed assertion
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("medsec serve did not become ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_report_is_answered_through_the_tracking_link(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    poc = tmp_path / "poc.txt"
    poc.write_text("curl -k https://pump:8443/firmware -T evil.bin\n")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        expect.set_options(timeout=15_000)
        reporter = browser.new_context().new_page()
        reporter.goto(server + "/disclosure")
        reporter.get_by_role("link", name="Northwind Infusion").click()
        reporter.get_by_label("Title").fill("Unsigned firmware accepted on port 8443")
        reporter.get_by_label("Description").fill("The pump installs any firmware image.")
        reporter.get_by_label("Your contact (optional)").fill("rita@example.org")
        reporter.get_by_label("Attachments (optional)").set_input_files(str(poc))
        reporter.get_by_role("button", name="Send the report").click()
        expect(reporter.get_by_role("heading", name="Your report was received")).to_be_visible()
        tracking = reporter.url.split("?")[0]
        assert tracking.startswith(server + "/disclosure/track/")

        team = browser.new_context().new_page()
        team.goto(server + "/login")
        team.get_by_label("Username").fill("pat.psirt")
        team.get_by_label("Password").fill(PASSWORD)
        team.get_by_role("button", name="Log in").click()
        team.get_by_role("link", name="Vulnerability reports").click()
        team.get_by_role("link", name="#1").click()
        expect(team.get_by_text("The pump installs any firmware image.")).to_be_visible()
        expect(team.get_by_text("rita@example.org")).to_be_visible()
        expect(team.get_by_role("link", name="poc.txt")).to_be_visible()
        team.get_by_label("Write to the reporter").fill("Reproduced. Fix planned for 2.1.")
        team.get_by_role("button", name="Send").click()
        expect(team.get_by_role("status")).to_contain_text("The message was sent")
        team.get_by_role("button", name="Mark valid").click()
        expect(team.get_by_role("status")).to_contain_text("The state was changed")

        reporter.goto(tracking)
        expect(reporter.get_by_text("Reproduced. Fix planned for 2.1.")).to_be_visible()
        expect(reporter.locator(".case-state")).to_have_text("valid")
        reporter.get_by_label("Write to the team").fill("Thanks, happy to retest.")
        reporter.get_by_role("button", name="Send").click()
        expect(reporter.get_by_role("status")).to_contain_text("Your message was sent")

        team.reload()
        expect(team.get_by_text("Thanks, happy to retest.")).to_be_visible()
        browser.close()
