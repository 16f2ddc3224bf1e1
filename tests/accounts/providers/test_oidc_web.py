"""Single sign-on through the web UI: login page → provider → callback → session.

Drives the real app (``create_app``) against the loopback OpenID provider of
``conftest.py``; the test plays the browser, following the redirect to the provider with
httpx and bringing the callback URL back to the app.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import argon2
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts import services
from medsec.accounts.models import Organization, User
from medsec.accounts.passwords import PasswordHasher
from medsec.accounts.providers.config import oidc_provider
from medsec.accounts.roles import OrganizationKind, Role
from medsec.app import create_app
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context
from medsec.db import migrate
from medsec.errors import ConfigurationError
from medsec.service import Instance
from medsec.settings import Settings

if TYPE_CHECKING:
    from conftest import FakeOpenIDProvider

ORG = "St. Example University Hospital"
#: The redirect URI the test provider accepts: base URL + medsec's callback path.
BASE_URL = "http://127.0.0.1:9"
LOCAL_PASSWORD = "quiet lantern river tapestry"


@dataclasses.dataclass
class App:
    instance: Instance
    client: TestClient

    def events(self, tag: str) -> list[AuditEvent]:
        with self.instance.db.session() as session:
            return list(session.execute(select(AuditEvent).where(AuditEvent.tag == tag)).scalars())

    def user(self, username: str) -> User | None:
        with self.instance.db.session() as session:
            return session.execute(
                select(User).where(User.username == username)
            ).scalar_one_or_none()


def _configure(monkeypatch: pytest.MonkeyPatch, op: FakeOpenIDProvider) -> None:
    monkeypatch.setenv("MEDSEC_OIDC_ISSUER", op.issuer)
    monkeypatch.setenv("MEDSEC_OIDC_CLIENT_ID", "medsec-test")
    monkeypatch.setenv("MEDSEC_OIDC_CLIENT_SECRET", "client-secret-for-tests")
    monkeypatch.setenv("MEDSEC_OIDC_DISPLAY_NAME", "Hospital SSO")
    monkeypatch.setenv("MEDSEC_OIDC_ROLE_MAP", '[["medsec-analysts", "security-analyst"]]')


def _app(tmp_path: Path) -> Iterator[App]:
    settings = Settings(
        data_dir=tmp_path, cookie_secure=False, base_url=BASE_URL, central_organization=ORG
    )
    migrate.upgrade(settings.resolved_database_url())
    instance = Instance.from_settings(settings)
    cheap = PasswordHasher(argon2.profiles.CHEAPEST)
    instance = dataclasses.replace(instance, auth=dataclasses.replace(instance.auth, hasher=cheap))
    with instance.db.session() as session:
        services.create_organization(
            session, ORG, OrganizationKind.HEALTHCARE_PROVIDER, Context.cli("test")
        )
    with TestClient(create_app(settings, instance)) as client:
        yield App(instance, client)
    instance.db.dispose()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, op: FakeOpenIDProvider) -> Iterator[App]:
    _configure(monkeypatch, op)
    yield from _app(tmp_path)


def _csrf(page: str) -> str:
    found = re.search(r'action="/login/oidc".*?name="csrf_token" value="([^"]*)"', page, re.S)
    assert found, "the login page has no single-sign-on form"
    return html.unescape(found.group(1))


def go_to_provider(client: TestClient, next_url: str = "") -> str:
    """Click "Sign in with …" and let the provider approve: the callback URL it returns."""
    page = client.get("/login")
    response = client.post(
        "/login/oidc",
        data={"csrf_token": _csrf(page.text), "next": next_url},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    at_provider = httpx.get(response.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    callback = urlsplit(at_provider.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}" == BASE_URL
    return f"{callback.path}?{callback.query}"


def test_the_login_page_offers_single_sign_on(app: App) -> None:
    page = app.client.get("/login").text
    assert "Sign in with Hospital SSO" in page


def test_a_person_the_provider_vouches_for_is_signed_in_with_the_mapped_role(app: App) -> None:
    callback = go_to_provider(app.client, next_url="/account")
    response = app.client.get(callback, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account"
    assert app.client.get("/account", follow_redirects=False).status_code == 200
    jane = app.user("jane")
    assert jane is not None
    assert (jane.auth_source, jane.external_subject, jane.role) == (
        "oidc",
        "248289761001",
        Role.SECURITY_ANALYST,
    )
    [succeeded] = app.events("accounts:login:succeeded")
    assert succeeded.details["via"] == "oidc"


def test_a_callback_is_accepted_once(app: App) -> None:
    callback = go_to_provider(app.client)
    assert app.client.get(callback, follow_redirects=False).status_code == 303
    again = app.client.get(callback, follow_redirects=False)
    assert again.status_code == 401
    assert "could not be completed" in again.text


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ({"state": "forged"}, "state"),
        ({"code": "not-a-code"}, "refused the code"),
        ({"error": "access_denied", "code": ""}, "access_denied"),
    ],
    ids=["forged state", "unknown code", "provider error"],
)
def test_a_bad_callback_signs_nobody_in_and_is_recorded(
    app: App, tamper: dict[str, str], reason: str
) -> None:
    callback = go_to_provider(app.client)
    query = dict(p.split("=", 1) for p in urlsplit(callback).query.split("&"))
    query.update(tamper)
    response = app.client.get("/auth/oidc/callback", params=query, follow_redirects=False)
    assert response.status_code == 401
    assert "medsec_session" not in response.cookies
    assert app.user("jane") is None
    [failed] = app.events("accounts:login:failed")
    assert reason in failed.details["reason"]


def test_a_callback_from_another_browser_fails(app: App) -> None:
    callback = go_to_provider(app.client)
    other_browser = TestClient(app.client.app)
    response = other_browser.get(callback, follow_redirects=False)
    assert response.status_code == 401
    [failed] = app.events("accounts:login:failed")
    assert "no pending sign-in" in failed.details["reason"]


def test_a_person_no_rule_maps_may_not_sign_in(app: App, op: FakeOpenIDProvider) -> None:
    op.user["groups"] = ["staff"]
    response = app.client.get(go_to_provider(app.client), follow_redirects=False)
    assert response.status_code == 401
    [failed] = app.events("accounts:login:failed")
    assert "no role mapped" in failed.details["reason"]


def test_a_local_account_with_the_same_name_is_not_taken_over(app: App) -> None:
    with app.instance.db.session() as session:
        org = session.execute(select(Organization)).scalar_one()
        services.create_local_user(
            session,
            org,
            services.NewUser("jane", Role.ADMIN),
            LOCAL_PASSWORD,
            Context.cli("test"),
            temporary=False,
            hasher=app.instance.auth.hasher,
        )
    response = app.client.get(go_to_provider(app.client), follow_redirects=False)
    assert response.status_code == 401
    jane = app.user("jane")
    assert jane is not None and jane.auth_source == "local"


def test_without_oidc_settings_there_is_no_button_and_no_redirect(tmp_path: Path) -> None:
    for running in _app(tmp_path):
        page = running.client.get("/login").text
        assert "/login/oidc" not in page
        token = re.search(r'name="csrf_token" value="([^"]*)"', page)
        assert token
        response = running.client.post(
            "/login/oidc", data={"csrf_token": html.unescape(token.group(1))}
        )
        assert response.status_code == 404


def test_a_redirect_uri_elsewhere_than_the_callback_is_refused(
    monkeypatch: pytest.MonkeyPatch, op: FakeOpenIDProvider
) -> None:
    _configure(monkeypatch, op)
    monkeypatch.setenv("MEDSEC_OIDC_REDIRECT_URI", f"{BASE_URL}/somewhere/else")
    with pytest.raises(ConfigurationError, match="must end in /auth/oidc/callback"):
        oidc_provider(BASE_URL)
