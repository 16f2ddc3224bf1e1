"""``/account``: one's own sessions and API tokens."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from medsec.accounts.models import User
from medsec.accounts.roles import OrganizationKind, Role

from .conftest import Browser, Site, described_by, text_of


def current_session(account_page: str) -> str:
    found = re.search(r'<tr id="session-(\d+)" aria-current="true">', account_page)
    assert found, "the current session is not marked"
    return found.group(1)


@pytest.fixture
def analyst(site: Site) -> Browser:
    return site.signed_in("ana", Role.SECURITY_ANALYST, OrganizationKind.HEALTHCARE_PROVIDER)


def test_a_created_token_is_shown_once_and_works_on_the_api(site: Site, analyst: Browser) -> None:
    response = analyst.submit(
        "/account",
        "/account/tokens",
        {
            "token_name": "nightly sync",
            "lifetime_days": "30",
            "scopes": ["products:read", "organization:read"],
        },
    )

    assert response.status_code == 200
    value = re.search(r'id="token-value"[^>]*value="(msk_[^"]+)"', response.text)
    assert value
    account = analyst.follow("/account").text
    assert "nightly sync" in account and value.group(1) not in account
    assert (
        site.app_client.get(
            "/api/v1/products", headers={"Authorization": f"Bearer {value.group(1)}"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"token_name": "", "lifetime_days": "30", "scopes": ["products:read"]},
            "token_name",
            "Enter a name",
        ),
        ({"token_name": "x", "lifetime_days": "30"}, "token_scopes", "Choose at least one scope"),
        (
            {"token_name": "x", "lifetime_days": "0", "scopes": ["products:read"]},
            "lifetime_days",
            "whole number of days from 1 to 366",
        ),
        (
            {"token_name": "x", "lifetime_days": "soon", "scopes": ["products:read"]},
            "lifetime_days",
            "whole number of days",
        ),
        (
            {"token_name": "x", "lifetime_days": "30", "scopes": ["users:manage"]},
            "token_scopes",
            "your role cannot grant: users:manage",
        ),
    ],
)
def test_a_refused_token_request_says_why_at_the_field(
    analyst: Browser, data: dict[str, object], field: str, message: str
) -> None:
    response = analyst.submit("/account", "/account/tokens", data)
    assert response.status_code == 422
    assert message in text_of(response.text)
    assert f'id="field-{field}-error"' in response.text
    if field != "token_scopes":  # the scopes are a fieldset, described the same way
        assert f"field-{field}-error" in described_by(response.text, f"field-{field}")


def test_a_token_can_be_revoked(site: Site, analyst: Browser) -> None:
    created = analyst.submit(
        "/account",
        "/account/tokens",
        {"token_name": "ci", "lifetime_days": "1", "scopes": ["products:read"]},
    )
    value = re.search(r'value="(msk_[^"]+)"', created.text)
    assert value
    token_id = re.search(r'action="/account/tokens/(\d+)/revoke"', analyst.follow("/account").text)
    assert token_id

    response = analyst.submit("/account", f"/account/tokens/{token_id.group(1)}/revoke", {})

    assert response.headers["location"] == "/account?done=token-revoked"
    assert (
        site.app_client.get(
            "/api/v1/products", headers={"Authorization": f"Bearer {value.group(1)}"}
        ).status_code
        == 401
    )


def test_sessions_are_listed_and_another_one_can_be_ended(site: Site, analyst: Browser) -> None:
    other = site.browser()
    other.login("ana")
    page = analyst.follow("/account").text
    ids = re.findall(r'action="/account/sessions/(\d+)/revoke"', page)
    assert len(ids) == 2
    assert "this session" in text_of(page)
    current = current_session(page)
    others = [i for i in ids if i != current]

    ended = analyst.submit("/account", f"/account/sessions/{others[0]}/revoke", {})

    assert ended.headers["location"] == "/account?done=session-revoked"
    assert other.get("/account").headers["location"].startswith("/login")
    assert analyst.get("/account").status_code == 200


def test_ending_ones_own_session_logs_out(analyst: Browser) -> None:
    page = analyst.follow("/account").text
    response = analyst.submit("/account", f"/account/sessions/{current_session(page)}/revoke", {})
    assert response.headers["location"] == "/login?done=logged-out"
    assert analyst.get("/account").headers["location"].startswith("/login")


def test_a_voluntary_password_change_returns_to_the_account(analyst: Browser) -> None:
    from .conftest import PASSWORD

    response = analyst.submit(
        "/password",
        "/password",
        {
            "current_password": PASSWORD,
            "new_password": "amber glacier postcard violin",
            "new_password_repeat": "amber glacier postcard violin",
        },
    )

    assert response.headers["location"] == "/account?done=password-changed"
    assert "Your password was changed." in text_of(
        analyst.follow(response.headers["location"]).text
    )


def test_email_notifications_are_turned_on_and_off_in_the_account_settings(
    site: Site, analyst: Browser
) -> None:
    page = analyst.follow("/account").text
    assert 'aria-label="Notification settings"' in page
    assert "This instance has no mail server configured" in text_of(page)
    assert "(your account has no e-mail address yet)</label>" in page
    refused = analyst.submit("/account", "/account/notifications", {"email": "yes"})
    assert refused.status_code == 422
    assert 'id="field-notify_email-error"' in refused.text
    assert "your account has no e-mail address" in text_of(refused.text)
    with site.instance.db.session() as session:
        user = session.execute(select(User).where(User.username == "ana")).scalar_one()
        user.email = "ana@clinic.example"
    on = analyst.submit("/account", "/account/notifications", {"email": "yes"})
    assert on.headers["location"] == "/account?done=notifications-saved#notifications"
    page = analyst.follow("/account").text
    assert re.search(r'id="field-notify_email" name="email" value="yes" checked', page)
    assert "Also send my notifications by e-mail to ana@clinic.example</label>" in page
    off = analyst.submit("/account", "/account/notifications", {})  # unticked: not sent
    assert off.status_code == 303
    assert site.find_user("ana").notify_by_email is False  # type: ignore[union-attr]
