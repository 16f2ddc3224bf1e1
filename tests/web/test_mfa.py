"""MFA in the browser: enrolment (QR code, setup key, recovery codes once), the login
challenge (TOTP or recovery code), and the signed cookie holding a pending secret."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.accounts.roles import OrganizationKind, Role
from medsec.web import enrolment

from .conftest import Browser, Site, csrf_of, text_of, totp_now


def setup_key(page: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert found, "no setup key on the page"
    return found.group(1).replace(" ", "")


def recovery_codes(page: str) -> list[str]:
    block = page.split('id="recovery-codes"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li>([0-9a-z-]+)</li>", block)


@pytest.fixture
def audrey(site: Site) -> Browser:
    """An auditor whose organization requires MFA for auditors, just signed in."""
    org = site.organization("Acme", OrganizationKind.MANUFACTURER, mfa_roles=(Role.AUDITOR,))
    site.user(org, "audrey", Role.AUDITOR)
    browser = site.browser()
    assert browser.login("audrey", next_url="/audit").headers["location"] == (
        "/mfa/enrol?next=/audit"
    )
    return browser


def enrol(browser: Browser, url: str = "/mfa/enrol?next=/audit") -> tuple[str, list[str], str]:
    secret = setup_key(browser.follow(url).text)
    done = browser.submit(url, "/mfa/enrol", {"code": totp_now(secret)})
    assert done.status_code == 200, text_of(done.text)
    return secret, recovery_codes(done.text), done.text


def test_enrolment_shows_a_qr_code_and_the_key_then_ten_recovery_codes(
    site: Site, audrey: Browser
) -> None:
    page = audrey.follow("/mfa/enrol")
    assert "<svg" in page.text and "Authenticator setup code" in page.text
    # Reloading keeps the same secret (the one the app may already have scanned).
    assert setup_key(audrey.follow("/mfa/enrol").text) == setup_key(page.text)

    _, codes, done = enrol(audrey)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert "They are shown only now." in text_of(done)
    user = site.find_user("audrey")
    assert user is not None and user.mfa_enabled
    assert audrey.get("/audit").status_code == 200
    # The continue link leads to the page first asked for.
    assert 'href="/audit"' in done


def test_a_wrong_enrolment_code_keeps_the_same_secret_and_says_why(audrey: Browser) -> None:
    page = audrey.follow("/mfa/enrol")
    response = audrey.post("/mfa/enrol", {"code": "000000", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 422
    assert "that code is not valid" in text_of(response.text)
    assert setup_key(response.text) == setup_key(page.text)


def test_a_tampered_pending_secret_is_not_accepted(site: Site, audrey: Browser) -> None:
    page = audrey.follow("/mfa/enrol")
    chosen = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    signed = audrey.client.cookies[enrolment.COOKIE]
    forged = chosen + signed[signed.index(".") :]
    audrey.client.cookies.set(enrolment.COOKIE, forged, path=enrolment.COOKIE_PATH)

    response = audrey.post(
        "/mfa/enrol", {"code": totp_now(chosen), "csrf_token": csrf_of(page.text)}
    )

    assert response.status_code == 422
    assert "expired" in text_of(response.text)
    user = site.find_user("audrey")
    assert user is not None and not user.mfa_enabled


def test_login_with_mfa_asks_for_a_code_then_lets_in(site: Site, audrey: Browser) -> None:
    secret, _, _ = enrol(audrey)
    browser = site.browser()

    response = browser.login("audrey", next_url="/audit")

    assert response.headers["location"] == "/mfa?next=/audit"
    assert browser.get("/audit").headers["location"].startswith("/mfa")
    page = browser.follow("/mfa?next=/audit")
    answered = browser.post(
        "/mfa",
        {
            "code": totp_now(secret, steps_ahead=1),
            "next": "/audit",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert answered.headers["location"] == "/audit"
    assert browser.get("/audit").status_code == 200


def test_the_challenge_needs_the_csrf_token(site: Site, audrey: Browser) -> None:
    secret, _, _ = enrol(audrey)
    browser = site.browser()
    browser.login("audrey")
    response = browser.post("/mfa", {"code": totp_now(secret, steps_ahead=1)})
    assert response.status_code == 403
    assert browser.get("/audit").headers["location"].startswith("/mfa")


def test_a_recovery_code_works_once(site: Site, audrey: Browser) -> None:
    _, codes, _ = enrol(audrey)
    first, second = site.browser(), site.browser()

    first.login("audrey")
    used = first.submit("/mfa", "/mfa", {"code": codes[0].upper()})
    second.login("audrey")
    reused = second.submit("/mfa", "/mfa", {"code": codes[0]})

    assert used.status_code == 303
    assert reused.status_code == 401
    assert "That code is not valid" in text_of(reused.text)


def test_the_challenge_page_offers_only_logout(site: Site, audrey: Browser) -> None:
    enrol(audrey)
    browser = site.browser()
    browser.login("audrey")
    page = browser.follow("/mfa").text
    assert '<nav aria-label="Main">' not in page
    assert 'action="/logout"' in page


def test_an_admin_can_reset_a_users_mfa(site: Site, audrey: Browser, admin: Browser) -> None:
    # admin belongs to another organization: audrey does not exist for them.
    enrol(audrey)
    user = site.find_user("audrey")
    assert user is not None
    response = admin.submit("/admin/users", f"/admin/users/{user.id}/mfa-reset", {})
    assert response.status_code == 404

    org = user.organization_id
    site.user(org, "boss", Role.ADMIN)
    boss = site.browser()
    boss.login("boss")
    # The policy requires MFA for auditors only, so boss is signed in straight away.
    reset = boss.submit("/admin/users", f"/admin/users/{user.id}/mfa-reset", {})
    assert reset.headers["location"] == "/admin/users?done=mfa-reset"
    user = site.find_user("audrey")
    assert user is not None and not user.mfa_enabled
    assert audrey.get("/audit").headers["location"].startswith("/login")  # sessions ended


KEY = b"instance secret for the tests, 32+ bytes"


@given(st.text(max_size=200))
def test_reading_any_cookie_value_never_fails_and_unsigned_values_are_refused(
    value: str,
) -> None:
    assert enrolment.read(KEY, session_id=1, value=value, now=0) is None


@given(st.from_regex(r"[A-Z2-7]{32}", fullmatch=True), st.integers(1, 10**6))
def test_a_signed_secret_reads_back_only_for_its_session(secret: str, session_id: int) -> None:
    value = enrolment.sign(KEY, session_id=session_id, secret=secret, now=100)
    assert enrolment.read(KEY, session_id=session_id, value=value, now=100) == secret
    assert enrolment.read(KEY, session_id=session_id + 1, value=value, now=100) is None
    assert (
        enrolment.read(
            b"another key, also long enough!!!", session_id=session_id, value=value, now=100
        )
        is None
    )
