"""Fixtures for the web tests: an app on a fresh SQLite database and a "browser" that
fills forms the way a person without JavaScript does (GET the page, read the form's
``csrf_token``, POST, follow the 303).

Passwords are hashed with argon2's cheapest parameters here: the tests are about pages,
not hash cost, and the default costs (~0.8 s per hash) would make them slow.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts import mfa, services
from medsec.accounts.models import Organization, User
from medsec.accounts.passwords import PasswordHasher
from medsec.accounts.roles import OrganizationKind, Role
from medsec.app import create_app
from medsec.audit.services import Context
from medsec.db.migrate import upgrade
from medsec.service import Instance
from medsec.settings import Settings

PASSWORD = "quiet lantern river tapestry"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    found = _CSRF.search(page)
    assert found, "the page has no form with a csrf_token"
    return html.unescape(found.group(1))


def hidden_fields(page: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form posting to ``action``, as a browser would send them."""
    form = re.search(rf'<form\b[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no form posting to {action}"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1))
    return {name: html.unescape(value) for name, value in fields}


def text_of(page: str) -> str:
    """The page's text without tags and with entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def described_by(page: str, element_id: str) -> set[str]:
    """The ids in ``aria-describedby`` of the form control with id ``element_id``."""
    tag = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{element_id}"[^>]*>', page)
    assert tag, f"no form control with id {element_id}"
    found = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return set(found.group(1).split()) if found else set()


def totp_now(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator shows now (or ``steps_ahead`` × 30 s later; codes one step
    ahead are accepted, which lets a test sign in again right after using a code)."""
    at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30 * steps_ahead)
    return mfa.totp_code(secret.replace(" ", ""), at)


def later(minutes: int) -> time_machine.travel:
    """Move the clock ``minutes`` ahead, e.g. past the re-authentication window (the idle
    timeout, 15 minutes by default, is longer)."""
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes))


class Browser:
    """A TestClient with form helpers. Redirects are not followed unless asked."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(url, follow_redirects=False, **kwargs)
        return response

    def follow(self, url: str) -> httpx.Response:
        response: httpx.Response = self.client.get(url, follow_redirects=True)
        return response

    def post(self, url: str, data: dict[str, object], **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.post(
            url, data=data, follow_redirects=False, **kwargs
        )
        return response

    def submit(
        self, form_page: str, action: str, data: dict[str, object], **kwargs: Any
    ) -> httpx.Response:
        """GET ``form_page``, then POST ``data`` to ``action`` with the hidden fields of its
        form there (the CSRF token, ``next``…) or at least the page's CSRF token."""
        page = self.follow(form_page).text
        try:
            hidden = hidden_fields(page, action)
        except AssertionError:
            hidden = {"csrf_token": csrf_of(page)}
        return self.post(action, {**hidden, **data}, **kwargs)

    def login(self, username: str, password: str = PASSWORD, next_url: str = "") -> httpx.Response:
        return self.submit(
            "/login", "/login", {"username": username, "password": password, "next": next_url}
        )


@dataclasses.dataclass
class Site:
    """The running app and shortcuts to create organizations and users directly."""

    instance: Instance
    app_client: TestClient

    def browser(self) -> Browser:
        return Browser(TestClient(self.app_client.app))

    def organization(
        self, name: str, kind: OrganizationKind, mfa_roles: tuple[Role, ...] = ()
    ) -> int:
        with self.instance.db.session() as session:
            org = services.create_organization(session, name, kind, Context.cli("test"))
            org.mfa_required_roles = [r.value for r in mfa_roles]
            return org.id

    def user(
        self,
        org_id: int,
        username: str,
        role: Role,
        *,
        temporary: bool = False,
        display_name: str | None = None,
        password: str = PASSWORD,
    ) -> int:
        with self.instance.db.session() as session:
            org = session.get(Organization, org_id)
            assert org is not None
            user = services.create_local_user(
                session,
                org,
                services.NewUser(username, role, None, display_name),
                password,
                Context.cli("test"),
                temporary=temporary,
                hasher=self.instance.auth.hasher,
            )
            return user.id

    def find_user(self, username: str) -> User | None:
        with self.instance.db.session() as session:
            return session.execute(
                select(User).where(User.username == username)
            ).scalar_one_or_none()

    def signed_in(self, username: str, role: Role, kind: OrganizationKind) -> Browser:
        """A browser signed in as a new ``role`` user of a new organization of ``kind``."""
        org = self.organization(f"{username} org", kind)
        self.user(org, username, role)
        browser = self.browser()
        response = browser.login(username)
        assert response.status_code == 303, response.text
        return browser


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per test run; each test gets a copy."""
    path = tmp_path_factory.mktemp("migrated") / "medsec.db"
    upgrade(f"sqlite:///{path}")
    return path


def make_instance(tmp_path: Path, migrated: Path, **overrides: object) -> Instance:
    """An instance on a copy of the ``migrated`` database (SQLite's backup API copies it
    consistently, WAL included), hashing passwords without real argon2 cost."""
    options: dict[str, object] = {"data_dir": tmp_path, "cookie_secure": False, **overrides}
    settings = Settings(**options)  # type: ignore[arg-type]
    with (
        contextlib.closing(sqlite3.connect(migrated)) as source,
        contextlib.closing(sqlite3.connect(tmp_path / "medsec.db")) as target,
    ):
        source.backup(target)
    instance = Instance.from_settings(settings)
    cheap = PasswordHasher(argon2.profiles.CHEAPEST)
    return dataclasses.replace(instance, auth=dataclasses.replace(instance.auth, hasher=cheap))


@pytest.fixture
def site(tmp_path: Path, migrated_db: Path) -> Iterator[Site]:
    instance = make_instance(tmp_path, migrated_db)
    app = create_app(instance.settings, instance)
    with TestClient(app) as client:
        yield Site(instance, client)
    instance.db.dispose()


@pytest.fixture
def browser(site: Site) -> Browser:
    return site.browser()


@pytest.fixture
def admin(site: Site) -> Browser:
    """Signed in as ``admin`` of a manufacturer whose policy requires no MFA."""
    return site.signed_in("admin", Role.ADMIN, OrganizationKind.MANUFACTURER)
