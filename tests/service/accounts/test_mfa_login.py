"""Second factor through the authentication service: enrolment, the login challenge,
replay protection, single-use recovery codes, reset by an admin, organization policy.

Codes are computed with pyotp, as an authenticator app would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from medsec.accounts import authentication
from medsec.accounts.authentication import SessionState
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.models import LoginSession, RecoveryCode, User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import AuditQuery, Context, search
from medsec.errors import AuthenticationRequired, Error
from medsec.service import Instance

START = dt.datetime(2026, 4, 1, 10, 0, 5, tzinfo=dt.UTC)
WHERE = Context(ip="192.0.2.30")


@pytest.fixture
def org(make: Any) -> Any:
    return make.organization(OrganizationKind.MANUFACTURER)


@pytest.fixture
def enrolled(
    instance: Instance, make: Any, org: Any, time_machine: Any
) -> tuple[User, str, list[str]]:
    """A user with TOTP enrolled: (user, TOTP secret, recovery codes)."""
    time_machine.move_to(START, tick=False)
    user = make.user(org, Role.PRODUCT_SECURITY_OFFICER, username="heidi")
    with instance.db.session() as session:
        row = session.get(User, user.id)
        assert row is not None
        secret, uri = authentication.begin_mfa_enrolment(row, instance.auth)
        assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
        codes = authentication.confirm_mfa_enrolment(
            session, instance.auth, row, secret, pyotp.TOTP(secret).now(), WHERE
        )
    # Later codes belong to later time steps than the one used to enrol.
    time_machine.move_to(START + dt.timedelta(seconds=30), tick=False)
    return user, secret, codes


def start_login(instance: Instance, make: Any) -> authentication.LoginResult:
    with instance.db.session() as session:
        return authentication.login(session, instance.auth, "heidi", make.password, WHERE)


def answer(instance: Instance, result: authentication.LoginResult, code: str) -> None:
    with instance.db.session() as session:
        user = session.get(User, result.user.id)
        login_session = session.get(LoginSession, result.login_session.id)
        assert user is not None and login_session is not None
        authentication.complete_mfa(session, instance.auth, user, login_session, code, WHERE)


def state(instance: Instance, result: authentication.LoginResult) -> SessionState | None:
    with instance.db.session() as session:
        found = authentication.resolve_session(session, instance.auth, result.token)
        return None if found is None else authentication.session_state(session, *found)


def test_enrolment_stores_the_secret_sealed_and_the_codes_hashed(
    instance: Instance, enrolled: tuple[User, str, list[str]]
) -> None:
    user, secret, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    with instance.db.session() as session:
        row = session.get(User, user.id)
        assert row is not None and row.mfa_enabled and row.mfa_secret
        assert secret not in row.mfa_secret
        assert instance.auth.sealer.unseal(row.mfa_secret) == secret
        hashes = (
            session.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
            .scalars()
            .all()
        )
    assert len(hashes) == 10
    assert not {c for c in codes for h in hashes if c in h or c.replace("-", "") in h}


def test_a_wrong_code_does_not_enrol(instance: Instance, make: Any, org: Any) -> None:
    user = make.user(org, Role.AUDITOR)
    with instance.db.session() as session:
        row = session.get(User, user.id)
        assert row is not None
        secret, _ = authentication.begin_mfa_enrolment(row, instance.auth)
        wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
        with pytest.raises(Error, match="not valid"):
            authentication.confirm_mfa_enrolment(session, instance.auth, row, secret, wrong, WHERE)
    with instance.db.session() as session:
        assert not session.get(User, user.id).mfa_enabled  # type: ignore[union-attr]


def test_login_then_totp_challenge(
    instance: Instance, make: Any, enrolled: tuple[User, str, list[str]]
) -> None:
    _, secret, _ = enrolled
    result = start_login(instance, make)
    assert state(instance, result) is SessionState.MFA_CHALLENGE
    answer(instance, result, pyotp.TOTP(secret).now())
    assert state(instance, result) is SessionState.OK


def test_a_pending_challenge_keeps_the_api_closed(
    instance: Instance, make: Any, enrolled: tuple[User, str, list[str]], client: Any
) -> None:
    result = start_login(instance, make)
    client.cookies.set("medsec_session", result.token)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "mfa-challenge" in response.json()["detail"]


def test_a_totp_code_works_once(
    instance: Instance, make: Any, enrolled: tuple[User, str, list[str]], time_machine: Any
) -> None:
    _, secret, _ = enrolled
    code = pyotp.TOTP(secret).now()
    answer(instance, start_login(instance, make), code)
    replay = start_login(instance, make)
    with pytest.raises(AuthenticationFailed):
        answer(instance, replay, code)
    assert state(instance, replay) is SessionState.MFA_CHALLENGE
    time_machine.shift(dt.timedelta(seconds=30))
    answer(instance, replay, pyotp.TOTP(secret).now())
    assert state(instance, replay) is SessionState.OK


def test_an_old_code_is_refused(
    instance: Instance, make: Any, enrolled: tuple[User, str, list[str]], time_machine: Any
) -> None:
    _, secret, _ = enrolled
    stale = pyotp.TOTP(secret).now()
    time_machine.shift(dt.timedelta(minutes=3))
    with pytest.raises(AuthenticationFailed):
        answer(instance, start_login(instance, make), stale)


def test_a_recovery_code_works_once(
    instance: Instance, make: Any, enrolled: tuple[User, str, list[str]]
) -> None:
    user, _, codes = enrolled
    first = start_login(instance, make)
    answer(instance, first, codes[3].upper())  # read from paper: case does not matter
    assert state(instance, first) is SessionState.OK
    again = start_login(instance, make)
    with pytest.raises(AuthenticationFailed):
        answer(instance, again, codes[3])
    answer(instance, again, codes[4])
    with instance.db.session() as session:
        events, _ = search(
            session, AuditQuery(user.organization_id, tag_prefix="accounts:mfa:recovery")
        )
        unused = (
            session.execute(
                select(RecoveryCode).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
                )
            )
            .scalars()
            .all()
        )
    assert [e.details["remaining"] for e in reversed(events)] == [9, 8]
    assert len(unused) == 8


def test_guessing_codes_ends_the_session(
    instance: Instance, make: Any, enrolled: tuple[User, str, list[str]]
) -> None:
    result = start_login(instance, make)
    attempts = instance.auth.lockout_threshold * 2
    for n in range(attempts):
        with pytest.raises(AuthenticationFailed):
            answer(instance, result, f"{n:06d}"[-6:] if n % 2 else "zzzzz-zzzzz")
    assert state(instance, result) is None


def test_logging_in_again_does_not_reset_the_count_of_wrong_codes(
    instance: Instance, make: Any, enrolled: tuple[User, str, list[str]]
) -> None:
    """Regression: the count of wrong codes was the password's, which a correct password
    resets — someone who knew the password could log in again and keep guessing."""
    threshold = instance.auth.lockout_threshold
    for attempt in range(threshold):
        result = start_login(instance, make)  # a fresh session each time
        with pytest.raises(AuthenticationFailed):
            answer(instance, result, "000000" if attempt % 2 else "111111")
    assert state(instance, result) is None
    with pytest.raises(AuthenticationFailed), instance.db.session() as session:
        authentication.login(session, instance.auth, "heidi", make.password, WHERE)
    with instance.db.session() as session:
        locked, _ = search(session, AuditQuery(None, tag_prefix="accounts:user:locked"))
        assert [e.details.get("factor") for e in locked] == ["mfa"]


def test_a_correct_code_clears_the_count_of_wrong_ones(
    instance: Instance, make: Any, enrolled: tuple[User, str, list[str]]
) -> None:
    _, secret, _ = enrolled
    result = start_login(instance, make)
    for _ in range(instance.auth.lockout_threshold - 1):
        with pytest.raises(AuthenticationFailed):
            answer(instance, result, "000000")
    answer(instance, result, pyotp.TOTP(secret).now())
    with instance.db.session() as session:
        user = session.get(User, result.user.id)
        assert user is not None and user.mfa_failures == 0 and user.locked_until is None


def test_an_admin_resets_a_lost_authenticator(
    instance: Instance, make: Any, org: Any, enrolled: tuple[User, str, list[str]]
) -> None:
    user, secret, _ = enrolled
    result = start_login(instance, make)
    answer(instance, result, pyotp.TOTP(secret).now())
    admin = make.actor(make.user(org, Role.ADMIN))
    with instance.db.session() as session, pytest.raises(AuthenticationRequired):
        authentication.reset_mfa(session, admin, user.id)
    from dataclasses import replace

    with instance.db.session() as session:
        authentication.reset_mfa(session, replace(admin, recently_authenticated=True), user.id)
    assert state(instance, result) is None, "the reset ends the user's sessions"
    with instance.db.session() as session:
        row = session.get(User, user.id)
        assert row is not None and not row.mfa_enabled and row.mfa_secret is None
        assert (
            session.execute(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
        )
    fresh = start_login(instance, make)
    assert state(instance, fresh) is SessionState.OK


def test_the_organization_policy_makes_admins_enrol(
    instance: Instance, make: Any, org: Any
) -> None:
    make.user(org, Role.ADMIN, username="ivan")
    with instance.db.session() as session:
        result = authentication.login(session, instance.auth, "ivan", make.password, WHERE)
    with instance.db.session() as session:
        found = authentication.resolve_session(session, instance.auth, result.token)
        assert found is not None
        assert authentication.session_state(session, *found) is SessionState.MFA_ENROL
