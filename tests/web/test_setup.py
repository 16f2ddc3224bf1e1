"""The one-time setup link creates the organization and its first administrator."""

from __future__ import annotations

import pytest

from medsec.accounts.authentication import issue_setup_link
from medsec.accounts.roles import Role
from medsec.audit.services import Context

from .conftest import PASSWORD, Browser, Site, csrf_of, described_by, text_of


def setup_link(site: Site) -> str:
    with site.instance.db.session() as session:
        token = issue_setup_link(session, site.instance.auth, Context.cli("test"))
    assert token is not None
    return token


def form(token: str, **changes: str) -> dict[str, object]:
    data: dict[str, object] = {
        "token": token,
        "organization_name": "Northwind Medical",
        "organization_kind": "manufacturer",
        "username": "first.admin",
        "display_name": "Ada Admin",
        "email": "ada@northwind.example",
        "password": PASSWORD,
        "password_repeat": PASSWORD,
    }
    data.update(changes)
    return data


def test_the_setup_link_creates_the_first_admin_and_sends_to_login(
    site: Site, browser: Browser
) -> None:
    token = setup_link(site)
    page = browser.get(f"/setup?token={token}")
    assert page.status_code == 200
    assert 'for="field-organization_name"' in page.text

    response = browser.post("/setup", {**form(token), "csrf_token": csrf_of(page.text)})

    assert response.status_code == 303
    assert response.headers["location"] == "/login?done=setup-complete"
    user = site.find_user("first.admin")
    assert user is not None and user.role == Role.ADMIN and not user.must_change_password
    assert "The organization and its first administrator were created" in text_of(
        browser.follow(response.headers["location"]).text
    )


def test_a_used_setup_link_no_longer_works(site: Site, browser: Browser) -> None:
    token = setup_link(site)
    assert browser.submit(f"/setup?token={token}", "/setup", form(token)).status_code == 303

    again = browser.get(f"/setup?token={token}")

    assert again.status_code == 404
    assert "this setup link is invalid, used or expired" in text_of(again.text)


def test_an_unknown_setup_token_is_a_page_not_a_traceback(browser: Browser) -> None:
    response = browser.get("/setup?token=not-a-token")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "medsec admin setup-link" in text_of(response.text)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password": "short", "password_repeat": "short"}, "password", "12"),
        ({"password_repeat": "something else entirely"}, "password_repeat", "not the same"),
        ({"username": "Not Valid!"}, "username", "not a valid username"),
        ({"organization_name": ""}, "organization_name", "Enter the organization's name"),
        ({"organization_kind": "pharmacy"}, "organization_kind", "Choose what kind"),
    ],
)
def test_invalid_setup_answers_show_the_error_at_the_field(
    site: Site, browser: Browser, changes: dict[str, str], field: str, message: str
) -> None:
    token = setup_link(site)
    response = browser.submit(f"/setup?token={token}", "/setup", form(token, **changes))

    assert response.status_code == 422
    assert message in text_of(response.text)
    # The message is tied to its input for assistive technology.
    assert f'id="field-{field}-error"' in response.text
    assert f"field-{field}-error" in described_by(response.text, f"field-{field}")
    assert site.find_user("first.admin") is None


def test_setup_without_the_csrf_token_is_refused(site: Site, browser: Browser) -> None:
    token = setup_link(site)
    browser.get(f"/setup?token={token}")  # sets the double-submit cookie

    response = browser.post("/setup", form(token))

    assert response.status_code == 403
    assert site.find_user("first.admin") is None
