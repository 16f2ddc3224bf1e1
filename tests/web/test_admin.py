"""User administration with plain forms: every action is a POST answered by a redirect
(or, for secrets shown once, a page), so it works without JavaScript."""

from __future__ import annotations

import re

import pytest

from medsec.accounts.roles import Role
from medsec.audit.services import AuditQuery, search

from .conftest import PASSWORD, Browser, Site, csrf_of, described_by, later, text_of


def user_id(site: Site, username: str) -> int:
    user = site.find_user(username)
    assert user is not None
    return user.id


def create(admin: Browser, username: str, role: Role = Role.AUDITOR) -> str:
    """Create a user through the form; the temporary password shown once."""
    response = admin.submit(
        "/admin/users",
        "/admin/users",
        {"username": username, "role": role.value, "email": "", "display_name": ""},
    )
    assert response.status_code == 200, text_of(response.text)
    found = re.search(r'id="temporary-password"[^>]*value="([^"]+)"', response.text)
    assert found
    return found.group(1)


def test_creating_a_user_shows_the_temporary_password_once(site: Site, admin: Browser) -> None:
    password = create(admin, "bob", Role.CLINICAL_ENGINEER)

    user = site.find_user("bob")
    assert user is not None and user.role == Role.CLINICAL_ENGINEER and user.must_change_password
    assert password not in admin.follow("/admin/users").text
    # The new user signs in with it and must change it first.
    bob = site.browser()
    assert bob.login("bob", password).headers["location"] == "/password"


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "Enter a username."),
        ("Bad Name!", "not a valid username"),
        ("admin", "The username 'admin' is taken."),
    ],
)
def test_a_refused_username_is_shown_at_its_field(
    admin: Browser, username: str, message: str
) -> None:
    response = admin.submit(
        "/admin/users", "/admin/users", {"username": username, "role": "auditor"}
    )
    assert response.status_code == 422
    assert message in text_of(response.text)
    assert "field-username-error" in described_by(response.text, "field-username")


def test_role_change_disable_and_enable_redirect_back_with_a_notice(
    site: Site, admin: Browser
) -> None:
    create(admin, "bob")
    bob = user_id(site, "bob")

    changed = admin.submit("/admin/users", f"/admin/users/{bob}/role", {"role": "security-analyst"})
    assert changed.status_code == 303
    assert changed.headers["location"] == "/admin/users?done=role-changed"
    assert "The role was changed" in text_of(admin.follow(changed.headers["location"]).text)
    disabled = admin.submit("/admin/users", f"/admin/users/{bob}/disable", {})
    assert disabled.headers["location"] == "/admin/users?done=user-disabled"
    user = site.find_user("bob")
    assert user is not None and user.role == Role.SECURITY_ANALYST and user.disabled_at
    enabled = admin.submit("/admin/users", f"/admin/users/{bob}/enable", {})
    assert enabled.headers["location"] == "/admin/users?done=user-enabled"
    user = site.find_user("bob")
    assert user is not None and user.disabled_at is None

    with site.instance.db.session() as session:
        events, _ = search(session, AuditQuery(None, tag_prefix="accounts:user:"))
    assert [e.tag for e in reversed(events)] == [
        "accounts:user:created",
        "accounts:user:created",
        "accounts:user:role-changed",
        "accounts:user:disabled",
        "accounts:user:enabled",
    ]


def test_the_last_admin_cannot_be_demoted_and_is_told_why(site: Site, admin: Browser) -> None:
    me = user_id(site, "admin")
    response = admin.submit("/admin/users", f"/admin/users/{me}/role", {"role": "auditor"})
    assert response.status_code == 409
    assert "last active admin" in text_of(response.text)


def test_deleting_asks_first_then_needs_a_recent_login(site: Site, admin: Browser) -> None:
    create(admin, "bob")
    bob = user_id(site, "bob")
    confirm = admin.follow(f"/admin/users/{bob}/delete")
    assert "Delete the account bob?" in text_of(confirm.text)

    # The login is recent right after signing in: the delete goes through.
    deleted = admin.post(f"/admin/users/{bob}/delete", {"csrf_token": csrf_of(confirm.text)})

    assert deleted.headers["location"] == "/admin/users?done=user-deleted"
    user = site.find_user("bob")
    assert user is not None and user.deleted_at is not None


def test_an_old_login_gets_the_reauthentication_form(site: Site, admin: Browser) -> None:
    create(admin, "bob")
    bob = user_id(site, "bob")
    with later(site.instance.settings.reauth_minutes + 1):
        page = admin.follow(f"/admin/users/{bob}/delete")
        response = admin.post(f"/admin/users/{bob}/delete", {"csrf_token": csrf_of(page.text)})

        assert response.status_code == 401
        assert "Confirm it is you" in text_of(response.text)
        assert 'name="next" value="/admin/users"' in response.text
        still = site.find_user("bob")
        assert still is not None and still.deleted_at is None

        confirmed = admin.post(
            "/account/reauth",
            {"password": PASSWORD, "next": "/admin/users", "csrf_token": csrf_of(response.text)},
        )
        assert confirmed.headers["location"] == "/admin/users?done=reauthenticated"
        again = admin.post(f"/admin/users/{bob}/delete", {"csrf_token": csrf_of(page.text)})
        assert again.headers["location"] == "/admin/users?done=user-deleted"


def test_a_wrong_reauthentication_password_is_refused(site: Site, admin: Browser) -> None:
    page = admin.follow("/account")
    response = admin.post(
        "/account/reauth",
        {"password": "nope", "next": "/admin/users", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "The password or code is not correct." in text_of(response.text)


def test_the_mfa_policy_form_saves_the_chosen_roles(site: Site, admin: Browser) -> None:
    response = admin.submit("/admin/policy", "/admin/policy", {"roles": ["auditor", "reporter"]})
    assert response.headers["location"] == "/admin/policy?done=policy-saved"
    page = admin.follow("/admin/policy").text
    assert re.search(r'id="role-auditor"[^>]*checked', page)
    assert not re.search(r'id="role-admin"[^>]*checked', page)


def test_requiring_mfa_for_ones_own_role_sends_one_to_enrol(admin: Browser) -> None:
    admin.submit("/admin/policy", "/admin/policy", {"roles": ["admin"]})
    assert admin.get("/admin/users").headers["location"].startswith("/mfa/enrol")


def test_the_access_review_lists_accounts_and_links_the_downloads(
    site: Site, admin: Browser
) -> None:
    create(admin, "bob")
    page = admin.follow("/admin/access-review")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "admin" in text and "bob" in text
    assert 'href="/api/v1/access-review?format=csv"' in page.text
    csv = admin.get("/api/v1/access-review?format=csv")  # the session cookie works there
    assert csv.status_code == 200 and csv.text.startswith("username,")
