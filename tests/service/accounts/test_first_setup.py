"""No default credentials: a fresh instance lets nobody in until the one-time setup link
has created the first admin (the seed's own rule for devices, applied to medsec)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from medsec.accounts import authentication
from medsec.accounts.authentication import SetupRequest
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.models import SetupToken, User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.errors import Conflict, NotFound
from medsec.service import Instance

GOOD_PASSWORD = "velvet orbit kettle marsh 47"

#: Pairs that devices and web apps have shipped with, and that scanners try first.
COMMON_PAIRS = [
    ("admin", "admin"),
    ("admin", "password"),
    ("admin", ""),
    ("admin", "1234"),
    ("admin", "changeme"),
    ("administrator", "administrator"),
    ("root", "root"),
    ("root", "toor"),
    ("root", ""),
    ("medsec", "medsec"),
    ("user", "user"),
    ("guest", "guest"),
    ("service", "service"),
    ("test", "test"),
    ("demo", "demo"),
    ("setup", "setup"),
]

CLI = Context.cli("test")


def setup_request(**overrides: Any) -> SetupRequest:
    values: dict[str, Any] = {
        "organization_name": "Example Clinic",
        "organization_kind": OrganizationKind.HEALTHCARE_PROVIDER,
        "username": "first-admin",
        "password": GOOD_PASSWORD,
    }
    values.update(overrides)
    return SetupRequest(**values)


def try_login(instance: Instance, username: str, password: str, ip: str) -> None:
    with instance.db.session() as session:
        authentication.login(session, instance.auth, username, password, Context(ip=ip))


@pytest.mark.parametrize(("username", "password"), COMMON_PAIRS)
def test_no_common_pair_logs_in_to_a_fresh_instance(
    instance: Instance, username: str, password: str
) -> None:
    with instance.db.session() as session:
        assert authentication.instance_is_empty(session)
        # What `medsec serve` does on first start: it offers a link, not an account.
        assert authentication.issue_setup_link(session, instance.auth, CLI) is not None
    with pytest.raises(AuthenticationFailed) as failure:
        try_login(instance, username, password, ip=f"198.51.100.{len(username)}")
    assert failure.value.message == authentication.GENERIC_FAILURE
    with instance.db.session() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_the_setup_link_creates_the_first_admin_once(instance: Instance) -> None:
    with instance.db.session() as session:
        token = authentication.issue_setup_link(session, instance.auth, CLI)
    assert token is not None and len(token) >= 43  # 256 bits, URL-safe base64
    with instance.db.session() as session:
        authentication.check_setup_token(session, token)
        user = authentication.complete_setup(session, instance.auth, token, setup_request(), CLI)
        assert (user.role, user.must_change_password) == (Role.ADMIN, False)
    with instance.db.session() as session:
        result = authentication.login(
            session, instance.auth, "first-admin", GOOD_PASSWORD, Context(ip="192.0.2.7")
        )
        assert result.user.username == "first-admin"
    with (
        instance.db.session() as session,
        pytest.raises(NotFound, match="invalid, used or expired"),
    ):
        authentication.complete_setup(
            session, instance.auth, token, setup_request(username="second-admin"), CLI
        )
    with instance.db.session() as session:
        assert authentication.issue_setup_link(session, instance.auth, CLI) is None


def test_only_the_hash_of_the_setup_token_is_stored(instance: Instance) -> None:
    with instance.db.session() as session:
        token = authentication.issue_setup_link(session, instance.auth, CLI)
    assert token is not None
    with instance.db.session() as session:
        stored = session.execute(select(SetupToken.token_hash)).scalars().all()
    assert stored == [authentication.token_hash(token)]
    assert token not in stored


def test_using_one_setup_link_voids_the_others(instance: Instance) -> None:
    with instance.db.session() as session:
        first = authentication.issue_setup_link(session, instance.auth, CLI)
        second = authentication.issue_setup_link(session, instance.auth, CLI)
    assert first and second and first != second
    with instance.db.session() as session:
        authentication.complete_setup(session, instance.auth, first, setup_request(), CLI)
    with instance.db.session() as session, pytest.raises(NotFound):
        authentication.check_setup_token(session, second)


@pytest.mark.parametrize(
    ("after", "valid"),
    [
        (dt.timedelta(hours=23, minutes=59), True),
        (dt.timedelta(hours=24, seconds=1), False),
        (dt.timedelta(days=30), False),
    ],
)
def test_the_setup_link_expires_after_24_hours(
    instance: Instance, time_machine: Any, after: dt.timedelta, valid: bool
) -> None:
    start = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    with instance.db.session() as session:
        token = authentication.issue_setup_link(session, instance.auth, CLI)
    assert token is not None
    time_machine.move_to(start + after, tick=False)
    with instance.db.session() as session:
        if valid:
            authentication.complete_setup(session, instance.auth, token, setup_request(), CLI)
        else:
            with pytest.raises(NotFound, match="expired"):
                authentication.complete_setup(session, instance.auth, token, setup_request(), CLI)


def test_an_unknown_setup_token_is_refused(instance: Instance) -> None:
    with instance.db.session() as session, pytest.raises(NotFound):
        authentication.complete_setup(session, instance.auth, "made-up-token", setup_request(), CLI)


def test_a_setup_link_cannot_take_over_an_instance_that_has_users(
    instance: Instance, make: Any
) -> None:
    with instance.db.session() as session:
        token = authentication.issue_setup_link(session, instance.auth, CLI)
    assert token is not None
    make.user(make.organization(OrganizationKind.MANUFACTURER))
    with instance.db.session() as session, pytest.raises(Conflict, match="already set up"):
        authentication.complete_setup(session, instance.auth, token, setup_request(), CLI)


def test_setup_refuses_a_weak_first_password(instance: Instance) -> None:
    from medsec.accounts.passwords import WeakPassword

    with instance.db.session() as session:
        token = authentication.issue_setup_link(session, instance.auth, CLI)
    assert token is not None
    with instance.db.session() as session, pytest.raises(WeakPassword):
        authentication.complete_setup(
            session, instance.auth, token, setup_request(password="admin"), CLI
        )
    with instance.db.session() as session:  # the link still works after a refusal
        authentication.check_setup_token(session, token)


@pytest.mark.parametrize(("username", "password"), COMMON_PAIRS)
def test_no_common_pair_logs_in_through_the_login_form(
    client: Any, username: str, password: str
) -> None:
    csrf = "c" * 43  # the double-submit token of forms shown before login
    client.cookies.set("medsec_csrf", csrf)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "medsec_session" not in response.cookies
    assert "Invalid username or password." in response.text
