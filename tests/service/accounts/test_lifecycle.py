"""The life of an account: created with a temporary password, role changed, disabled,
enabled, deleted (a tombstone); the organization never loses its last admin; the
user-access review flags dormant accounts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts import authentication, services, tokens
from medsec.accounts.authentication import SessionState
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.models import ApiToken, LoginSession, RecoveryCode, User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import AuditQuery, Context, search
from medsec.errors import Conflict, NotFound, PermissionDenied
from medsec.service import Instance

NEW_PASSWORD = "copper lantern drizzle fjord 82"
WHERE = Context(ip="192.0.2.10")


def login(instance: Instance, username: str, password: str) -> authentication.LoginResult:
    with instance.db.session() as session:
        return authentication.login(session, instance.auth, username, password, WHERE)


def state_of(instance: Instance, token: str) -> SessionState | None:
    """The state of a browser session, or None if it no longer works."""
    with instance.db.session() as session:
        found = authentication.resolve_session(session, instance.auth, token)
        if found is None:
            return None
        return authentication.session_state(session, *found)


def token_works(instance: Instance, value: str) -> bool:
    with instance.db.session() as session:
        return tokens.resolve_token(session, value) is not None


@pytest.fixture
def org(make: Any) -> Any:
    organization = make.organization(OrganizationKind.MANUFACTURER)
    with make.session() as session:  # no MFA requirement: these tests are about the life cycle
        session.get(type(organization), organization.id).mfa_required_roles = []
    return organization


@pytest.fixture
def admin(make: Any, org: Any) -> Any:
    return make.actor(make.user(org, Role.ADMIN, username="the-admin"), recent=True)


def add_user(instance: Instance, admin: Any, username: str, role: Role) -> tuple[User, str]:
    with instance.db.session() as session:
        return services.add_user(
            session, admin, services.NewUser(username, role), instance.auth.hasher
        )


def test_a_new_user_must_replace_the_temporary_password(instance: Instance, admin: Any) -> None:
    user, temporary = add_user(instance, admin, "Carol", Role.CLINICAL_ENGINEER)
    assert user.username == "carol" and user.must_change_password
    elsewhere = login(instance, "carol", temporary)
    result = login(instance, "carol", temporary)
    assert state_of(instance, result.token) is SessionState.CHANGE_PASSWORD
    with instance.db.session() as session:
        fresh = session.get(User, user.id)
        assert fresh is not None
        authentication.change_password(
            session,
            instance.auth,
            fresh,
            temporary,
            NEW_PASSWORD,
            WHERE,
            keep_session=result.login_session,
        )
    assert state_of(instance, result.token) is SessionState.OK
    assert state_of(instance, elsewhere.token) is None, "other sessions end"
    login(instance, "carol", NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        login(instance, "carol", temporary)


def test_the_temporary_password_blocks_the_api_until_changed(
    instance: Instance, admin: Any, client: TestClient
) -> None:
    _, temporary = add_user(instance, admin, "dave", Role.AUDITOR)
    result = login(instance, "dave", temporary)
    client.cookies.set("medsec_session", result.token)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "change-password" in response.json()["detail"]


@pytest.mark.parametrize(
    ("action", "can_log_in", "old_session_works", "token_works_after"),
    [
        ("change-role", True, False, True),
        ("disable", False, False, False),
        ("disable-then-enable", True, False, False),
        ("delete", False, False, False),
    ],
)
def test_what_each_life_cycle_step_ends(
    instance: Instance,
    admin: Any,
    make: Any,
    action: str,
    can_log_in: bool,
    old_session_works: bool,
    token_works_after: bool,
) -> None:
    user = make.user(make.organization_of(admin), Role.SECURITY_ANALYST, username="erin")
    session_token = login(instance, "erin", make.password).token
    _, api_token = make.token(user, ["products:read"])
    with instance.db.session() as session:
        match action:
            case "change-role":
                services.change_role(session, admin, user.id, Role.AUDITOR)
            case "disable":
                services.disable_user(session, admin, user.id)
            case "disable-then-enable":
                services.disable_user(session, admin, user.id)
                services.enable_user(session, admin, user.id)
            case "delete":
                services.delete_user(session, admin, user.id)
    assert (state_of(instance, session_token) is not None) is old_session_works
    assert token_works(instance, api_token) is token_works_after
    if can_log_in:
        login(instance, "erin", make.password)
    else:
        with pytest.raises(AuthenticationFailed) as failure:
            login(instance, "erin", make.password)
        assert failure.value.message == authentication.GENERIC_FAILURE


def test_a_deleted_user_is_a_tombstone(instance: Instance, admin: Any, make: Any) -> None:
    from medsec.accounts import mfa

    user = make.user(make.organization_of(admin), Role.AUDITOR, username="frank")
    with instance.db.session() as session:
        row = session.get(User, user.id)
        assert row is not None
        row.email = "frank@example.org"
        row.mfa_secret = instance.auth.sealer.seal(mfa.new_totp_secret())
        row.mfa_enabled_at = row.created_at
        session.add(RecoveryCode(user_id=user.id, code_hash="x"))
    make.token(user, ["products:read"])
    login(instance, "frank", make.password)
    with instance.db.session() as session:
        services.delete_user(session, admin, user.id)
    with instance.db.session() as session:
        row = session.get(User, user.id)
        assert row is not None, "the row stays, so audit events still name the person"
        assert row.deleted_at is not None and row.disabled_at is not None
        assert (row.password_hash, row.mfa_secret, row.mfa_enabled_at, row.email) == (
            None,
            None,
            None,
            None,
        )
        assert (
            session.execute(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
        )
        assert all(
            t.revoked_at is not None
            for t in session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalars()
        )
        assert all(
            s.revoked_at is not None
            for s in session.execute(
                select(LoginSession).where(LoginSession.user_id == user.id)
            ).scalars()
        )
        assert "frank" not in [u.username for u in services.list_users(session, admin)]
        with pytest.raises(NotFound):
            services.user_for(session, admin, user.id)
        with pytest.raises(NotFound):
            services.enable_user(session, admin, user.id)
    with instance.db.session() as session, pytest.raises(Conflict, match="taken"):
        services.add_user(
            session, admin, services.NewUser("frank", Role.ADMIN), instance.auth.hasher
        )


def test_deleting_needs_a_recent_login(instance: Instance, admin: Any, make: Any) -> None:
    from dataclasses import replace

    from medsec.errors import AuthenticationRequired

    user = make.user(make.organization_of(admin), Role.AUDITOR)
    with instance.db.session() as session, pytest.raises(AuthenticationRequired):
        services.delete_user(session, replace(admin, recently_authenticated=False), user.id)


@pytest.mark.parametrize("operation", ["demote", "disable", "delete"])
def test_the_only_admin_cannot_remove_themselves(
    instance: Instance, admin: Any, operation: str
) -> None:
    with instance.db.session() as session, pytest.raises(Conflict):
        match operation:
            case "demote":
                services.change_role(session, admin, admin.user_id, Role.AUDITOR)
            case "disable":
                services.disable_user(session, admin, admin.user_id)
            case "delete":
                services.delete_user(session, admin, admin.user_id)


def test_an_admin_can_step_down_only_while_another_active_admin_remains(
    instance: Instance, admin: Any, make: Any
) -> None:
    other = make.user(make.organization_of(admin), Role.ADMIN)
    with instance.db.session() as session:
        services.disable_user(session, admin, other.id)
    with instance.db.session() as session, pytest.raises(Conflict, match="last active admin"):
        services.change_role(session, admin, admin.user_id, Role.AUDITOR)
    with instance.db.session() as session:
        services.enable_user(session, admin, other.id)
    with instance.db.session() as session:
        services.change_role(session, admin, admin.user_id, Role.AUDITOR)
    with instance.db.session() as session:
        assert session.get(User, admin.user_id).role == Role.AUDITOR  # type: ignore[union-attr]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN], ids=lambda r: r.value)
def test_only_admins_manage_users(instance: Instance, make: Any, admin: Any, role: Role) -> None:
    org = make.organization_of(admin)
    actor = make.actor(make.user(org, role), recent=True)
    victim = make.user(org, Role.AUDITOR)
    calls = [
        lambda s: services.add_user(
            s, actor, services.NewUser("x-new", role), instance.auth.hasher
        ),
        lambda s: services.change_role(s, actor, victim.id, Role.ADMIN),
        lambda s: services.disable_user(s, actor, victim.id),
        lambda s: services.enable_user(s, actor, victim.id),
        lambda s: services.delete_user(s, actor, victim.id),
        lambda s: authentication.reset_mfa(s, actor, victim.id),
    ]
    for call in calls:
        with instance.db.session() as session, pytest.raises(PermissionDenied):
            call(session)


def test_access_review_flags_dormant_accounts(
    instance: Instance, make: Any, time_machine: Any
) -> None:
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    org = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Review Clinic")
    auditor = make.user(org, Role.AUDITOR, username="rita")
    make.user(org, Role.CLINICAL_ENGINEER, username="never-logged-in")
    active = make.user(org, Role.SECURITY_ANALYST, username="recent")
    gone = make.user(org, Role.CLINICAL_ENGINEER, username="left")
    admin = make.actor(make.user(org, Role.ADMIN, username="boss"), recent=True)
    with instance.db.session() as session:
        services.disable_user(session, admin, gone.id)
    time_machine.move_to(start + dt.timedelta(days=80), tick=False)
    login(instance, "recent", make.password)
    time_machine.move_to(start + dt.timedelta(days=91), tick=False)
    login(instance, "rita", make.password)
    with instance.db.session() as session:
        rows = services.access_review(session, make.actor(auditor), dormant_days=90)
    by_name = {r.username: r for r in rows}
    assert set(by_name) == {"rita", "never-logged-in", "recent", "left", "boss"}
    assert by_name["never-logged-in"].dormant and by_name["boss"].dormant
    assert not by_name["recent"].dormant and not by_name["rita"].dormant
    assert (by_name["left"].status, by_name["left"].dormant) == ("disabled", False)
    assert by_name["boss"].mfa_required and not by_name["boss"].mfa
    assert active.id

    table = list(csv.DictReader(io.StringIO(services.access_review_csv(rows))))
    assert [r["username"] for r in table] == [r.username for r in rows]
    assert {r["username"]: r["dormant"] for r in table}["never-logged-in"] == "True"
    assert set(table[0]) == set(services.AccessReviewRow.__dataclass_fields__)
    as_json = services.access_review_json(rows)
    assert as_json[0]["username"] == rows[0].username
    assert {r["username"]: r["dormant"] for r in as_json} == {r.username: r.dormant for r in rows}

    with instance.db.session() as session:
        events, _ = search(session, AuditQuery(org.id, tag_prefix="accounts:access-review:"))
    assert [e.details["rows"] for e in events] == [5]


def test_access_review_over_the_api_in_both_formats(
    instance: Instance, make: Any, client: TestClient, auth_header: Any
) -> None:
    org = make.organization(OrganizationKind.MANUFACTURER)
    auditor = make.user(org, Role.AUDITOR, username="audrey")
    _, value = make.token(auditor)
    response = client.get("/api/v1/access-review?format=csv", headers=auth_header(value))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.splitlines()[0].startswith("username,")
    response = client.get("/api/v1/access-review", headers=auth_header(value))
    assert response.status_code == 200
    assert [r["username"] for r in response.json()] == ["audrey"]
