"""Logging in: cookies, the generic failure message, rate limits, and the steps a session
may still owe (MFA challenge, forced password change, forced MFA enrolment)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from medsec.accounts.dependencies import SESSION_COOKIE
from medsec.accounts.roles import OrganizationKind, Role
from medsec.app import create_app
from medsec.web.access import safe_next

from .conftest import PASSWORD, Browser, Site, csrf_of, make_instance, text_of


@pytest.fixture
def alice(site: Site) -> int:
    org = site.organization("Acme Hospital", OrganizationKind.HEALTHCARE_PROVIDER)
    return site.user(org, "alice", Role.SECURITY_ANALYST)


def test_login_sets_a_locked_down_session_cookie_and_goes_home(
    browser: Browser, alice: int
) -> None:
    response = browser.login("alice")

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # cookie_secure=False in these tests
    assert "Welcome, alice" in text_of(browser.follow("/").text)


def test_the_session_cookie_is_secure_when_settings_say_so(
    tmp_path: Path, migrated_db: Path
) -> None:
    instance = make_instance(tmp_path, migrated_db, cookie_secure=True)
    site = Site(instance, TestClient(create_app(instance.settings, instance)))
    org = site.organization("Acme Hospital", OrganizationKind.HEALTHCARE_PROVIDER)
    site.user(org, "alice", Role.SECURITY_ANALYST)
    browser = Browser(TestClient(site.app_client.app, base_url="https://testserver"))

    response = browser.login("alice")

    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "=")
    )
    assert "secure" in cookie.lower()


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_a_failed_login_says_the_same_whatever_the_reason(
    browser: Browser, alice: int, username: str
) -> None:
    response = browser.login(username, "wrong password, surely")

    assert response.status_code == 401
    assert "Invalid username or password." in text_of(response.text)
    assert SESSION_COOKIE not in response.cookies
    # The username is kept in the form; the password never is.
    assert f'value="{username}"' in response.text
    assert "wrong password, surely" not in response.text


def test_login_without_the_csrf_token_is_refused(browser: Browser, alice: int) -> None:
    browser.get("/login")
    response = browser.post("/login", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "security token" in text_of(response.text)


def test_login_with_a_token_that_is_not_the_cookie_is_refused(browser: Browser, alice: int) -> None:
    browser.get("/login")
    response = browser.post(
        "/login", {"username": "alice", "password": PASSWORD, "csrf_token": "x" * 43}
    )
    assert response.status_code == 403


def test_too_many_attempts_are_shown_plainly(site: Site, browser: Browser, alice: int) -> None:
    limit = site.instance.settings.login_rate_per_minute
    for _ in range(limit):
        browser.login("alice", "not the password at all")

    response = browser.login("alice")

    assert response.status_code == 429
    assert "too many attempts; wait a minute and try again" in text_of(response.text)


def test_a_failed_login_is_audited(site: Site, browser: Browser, alice: int) -> None:
    from medsec.audit.services import AuditQuery, search

    browser.login("alice", "not the password at all")

    with site.instance.db.session() as session:
        events, _ = search(session, AuditQuery(None, tag_prefix="accounts:login:failed"))
    assert [e.target for e in events] == ["user:alice"]


def test_login_returns_to_the_page_first_asked_for(site: Site, browser: Browser) -> None:
    org = site.organization("Acme", OrganizationKind.MANUFACTURER)
    site.user(org, "audrey", Role.AUDITOR)
    assert browser.get("/audit?tag=accounts:").headers["location"] == (
        "/login?next=/audit%3Ftag%3Daccounts%3A"
    )

    page = browser.follow("/login?next=/audit%3Ftag%3Daccounts%3A")
    assert 'name="next" value="/audit?tag=accounts:"' in page.text
    response = browser.post(
        "/login",
        {
            "username": "audrey",
            "password": PASSWORD,
            "next": "/audit?tag=accounts:",
            "csrf_token": csrf_of(page.text),
        },
    )

    assert response.headers["location"] == "/audit?tag=accounts:"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/audit?tag=x", "/audit?tag=x"),
        ("/", "/"),
        ("https://evil.example/", None),
        ("//evil.example/path", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("audit", None),
        ("/audit\r\nSet-Cookie: x=y", None),
        ("", None),
        (None, None),
    ],
)
def test_next_only_points_inside_the_site(value: str | None, expected: str | None) -> None:
    assert safe_next(value) == expected


def test_a_temporary_password_forces_the_change_page_first(site: Site, browser: Browser) -> None:
    org = site.organization("Acme", OrganizationKind.MANUFACTURER)
    site.user(org, "newbie", Role.AUDITOR, temporary=True)

    response = browser.login("newbie")

    assert response.headers["location"] == "/password"
    # Every other page sends the person back to the change page.
    for url in ["/", "/account", "/audit"]:
        assert browser.get(url).headers["location"].startswith("/password"), url
    page = browser.follow("/password")
    assert "You signed in with a temporary password" in text_of(page.text)

    changed = browser.post(
        "/password",
        {
            "current_password": PASSWORD,
            "new_password": "violet harbour cinnamon engine",
            "new_password_repeat": "violet harbour cinnamon engine",
            "csrf_token": csrf_of(page.text),
        },
    )

    assert changed.status_code == 303 and changed.headers["location"] == "/"
    assert browser.get("/account").status_code == 200
    user = site.find_user("newbie")
    assert user is not None and not user.must_change_password


def test_a_wrong_current_password_is_shown_at_its_field(site: Site, browser: Browser) -> None:
    org = site.organization("Acme", OrganizationKind.MANUFACTURER)
    site.user(org, "newbie", Role.AUDITOR, temporary=True)
    browser.login("newbie")

    response = browser.submit(
        "/password",
        "/password",
        {
            "current_password": "not it",
            "new_password": "violet harbour cinnamon engine",
            "new_password_repeat": "violet harbour cinnamon engine",
        },
    )

    assert response.status_code == 422
    assert "The current password is not correct." in text_of(response.text)


def test_an_mfa_policy_forces_enrolment_after_login(site: Site, browser: Browser) -> None:
    org = site.organization("Acme", OrganizationKind.MANUFACTURER, mfa_roles=(Role.AUDITOR,))
    site.user(org, "audrey", Role.AUDITOR)

    response = browser.login("audrey")

    assert response.headers["location"] == "/mfa/enrol"
    assert browser.get("/audit").headers["location"].startswith("/mfa/enrol")
    assert "Your organization requires two-step verification" in text_of(
        browser.follow("/mfa/enrol").text
    )


def test_logout_ends_the_session(browser: Browser, alice: int) -> None:
    browser.login("alice")
    page = browser.follow("/")

    response = browser.post("/logout", {"csrf_token": csrf_of(page.text)})

    assert response.headers["location"] == "/login?done=logged-out"
    assert browser.get("/account").headers["location"] == "/login?next=/account"


def test_logout_needs_the_csrf_token(browser: Browser, alice: int) -> None:
    browser.login("alice")
    assert browser.post("/logout", {}).status_code == 403
    assert browser.get("/account").status_code == 200
