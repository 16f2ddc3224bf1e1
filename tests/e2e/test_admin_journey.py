"""The first administrator's journey, in Debian's Chromium driven by Playwright, against
a real ``medsec serve`` (uvicorn) on a free loopback port:

setup link → first admin → TOTP enrolment → log out → log in with TOTP → create a user →
change their role → the events are on the audit page.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``). Without it the test is
skipped, except under CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
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


class Server:
    """``medsec serve`` in a subprocess; its output is collected for the setup link."""

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self._link = threading.Event()
        medsec = Path(sys.executable).with_name("medsec")
        command = (
            [str(medsec)]
            if medsec.exists()
            else [sys.executable, "-c", "from medsec.cli.main import main; main()"]
        )
        env = {
            **os.environ,
            "MEDSEC_DATA_DIR": str(data_dir),
            "MEDSEC_COOKIE_SECURE": "false",
            "MEDSEC_BASE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
            "COLUMNS": "400",
        }
        env.pop("MEDSEC_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if "/setup?token=" in line:
                self._link.set()

    def setup_link(self) -> str:
        """The one-time link printed at start (start-up wait, not a timed assertion)."""
        if not self._link.wait(60):
            pytest.fail("medsec serve printed no setup link:\n" + "\n".join(self.lines))
        line = next(line for line in self.lines if "/setup?token=" in line)
        found = re.search(r"(http://\S+/setup\?token=\S+)", line)
        assert found, line
        return found.group(1)

    def wait_ready(self) -> bool:
        """Wait until ``/readyz`` answers 200 (start-up, not a timed assertion). False when
        the port was taken between choosing it and binding it (another process won)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process.wait()
                output = "\n".join(self.lines)
                if "address already in use" in output.lower():
                    return False
                pytest.fail(f"medsec serve exited with {self.process.returncode}:\n{output}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail("medsec serve did not become ready in 120 s:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium, checked before the server is started."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; install the Debian package chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    return CHROMIUM


@pytest.fixture
def server(chromium: Path, tmp_path: Path) -> Iterator[Server]:
    for attempt in range(3):
        running = Server(tmp_path / f"data-{attempt}")
        try:
            if running.wait_ready():
                yield running
                return
        finally:
            running.stop()
    pytest.fail("three free ports were taken before medsec serve could bind them")


def test_first_admin_journey(chromium: Path, server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    link = server.setup_link()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        expect.set_options(timeout=15_000)

        # The setup link: organization and first administrator.
        page.goto(link)
        page.get_by_label("Organization name").fill("Northwind Medical")
        page.get_by_label("Kind of organization").select_option("manufacturer")
        page.get_by_label("Username").fill("ada.admin")
        page.get_by_label("Full name (optional)").fill("Ada Admin")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Repeat the password").fill(PASSWORD)
        page.get_by_role("button", name="Create organization and administrator").click()
        expect(page.get_by_role("status")).to_contain_text("first administrator were created")

        # Log in; the policy (admins need MFA) sends the admin to enrol an authenticator.
        page.get_by_label("Username").fill("ada.admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/mfa/enrol$"))
        expect(page.locator(".qr svg")).to_be_visible()
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        totp = pyotp.TOTP(secret)
        page.get_by_label("Code from the app").fill(totp.now())
        page.get_by_role("button", name="Turn on two-step verification").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        page.get_by_role("link", name="I have stored them — continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, ada.admin")

        # The skip link is the first stop of the keyboard.
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Skip to main content")

        # Log out, and log in again with the password and a TOTP code. The code of the
        # next 30-second step is accepted now and cannot be the one used at enrolment.
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("status")).to_have_text("You are logged out.")
        page.get_by_label("Username").fill("ada.admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Two-step verification")
        page.get_by_label("Code").fill(totp.at(time.time() + 30))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, ada.admin")

        # Create a user, then change the role.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
        page.get_by_label("Username").fill("bob")
        page.get_by_label("Role", exact=True).select_option("clinical-engineer")
        page.get_by_role("button", name="Create user").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("User bob created")
        expect(page.get_by_label("Temporary password")).not_to_have_value("")
        page.get_by_role("link", name="Back to the users").click()
        page.get_by_label("Role of bob").select_option("security-analyst")
        page.get_by_role("button", name="Change role of bob").click()
        expect(page.get_by_role("status")).to_contain_text("The role was changed")
        expect(page.get_by_label("Role of bob")).to_have_value("security-analyst")

        # The audit page shows the events.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
        events = page.locator("#audit-events")
        for tag in [
            "accounts:user:created",
            "accounts:user:role-changed",
            "accounts:mfa:enrolled",
            "accounts:login:succeeded",
        ]:
            expect(events.get_by_text(tag, exact=True).first).to_be_visible()
        page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)

        # With htmx, a search replaces only the results and updates the address: the
        # page is not reloaded (a value set on the window survives).
        page.evaluate("window.notReloaded = true")
        page.get_by_label("Event tag starts with").fill("accounts:user:")
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"/audit\?tag=accounts%3Auser%3A"))
        expect(events.locator("tbody tr")).to_have_count(3)
        expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
        assert page.evaluate("window.notReloaded") is True

        # Pages reflow at 320 CSS pixels: no sideways scrolling of the page itself
        # (wide tables scroll inside their own container).
        page.set_viewport_size({"width": 320, "height": 800})
        for path in ["/", "/admin/users", "/audit", "/account"]:
            page.goto(server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, (path, width)

        browser.close()
