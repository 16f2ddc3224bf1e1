"""Signing in: one generic answer for every failure, progressive lockout, rate limits
per IP, idle and absolute session timeouts, re-authentication for sensitive actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from medsec.accounts import authentication
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.models import User
from medsec.accounts.passwords import PasswordHasher
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import AuditQuery, Context, search
from medsec.errors import RateLimited
from medsec.service import Instance

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def login(instance: Instance, username: str, password: str, ip: str = "192.0.2.20") -> Any:
    with instance.db.session() as session:
        return authentication.login(session, instance.auth, username, password, Context(ip=ip))


def failure_of(instance: Instance, username: str, password: str, ip: str = "192.0.2.20") -> Any:
    with pytest.raises(AuthenticationFailed) as caught:
        login(instance, username, password, ip)
    return caught.value


def stored_user(instance: Instance, username: str) -> User:
    with instance.db.session() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        session.expunge(user)
        return user


@pytest.fixture
def org(make: Any) -> Any:
    return make.organization(OrganizationKind.HEALTHCARE_PROVIDER)


@pytest.fixture
def grace(make: Any, org: Any) -> User:
    return make.user(org, Role.SECURITY_ANALYST, username="grace")


def test_a_correct_password_opens_a_session(instance: Instance, grace: User, make: Any) -> None:
    result = login(instance, "Grace ", make.password)  # user names are case-insensitive
    assert result.user.id == grace.id
    assert result.login_session.token_hash == authentication.token_hash(result.token)
    assert stored_user(instance, "grace").last_login_at is not None


@pytest.mark.parametrize(
    "case", ["unknown user", "wrong password", "disabled", "deleted", "locked", "empty password"]
)
def test_every_failure_gives_the_same_answer(
    instance: Instance, make: Any, org: Any, grace: User, case: str
) -> None:
    admin = make.actor(make.user(org, Role.ADMIN), recent=True)
    reference = failure_of(instance, "grace", "not the password")
    username, password = "grace", make.password
    with instance.db.session() as session:
        from medsec.accounts import services

        match case:
            case "unknown user":
                username = "nobody-here"
            case "wrong password":
                password = "also not the password"
            case "disabled":
                services.disable_user(session, admin, grace.id)
            case "deleted":
                services.delete_user(session, admin, grace.id)
            case "locked":
                session.get(User, grace.id).locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(  # type: ignore[union-attr]
                    minutes=5
                )
            case "empty password":
                password = ""
    failure = failure_of(instance, username, password, ip="192.0.2.21")
    assert (failure.message, failure.kind, failure.status, failure.hint) == (
        reference.message,
        reference.kind,
        reference.status,
        reference.hint,
    )
    assert failure.message == "invalid username or password"


def test_the_audit_log_keeps_the_real_reason(instance: Instance, grace: User) -> None:
    failure_of(instance, "grace", "wrong")
    failure_of(instance, "nobody", "wrong")
    with instance.db.session() as session:
        events, _ = search(session, AuditQuery(None, tag_prefix="accounts:login:failed"))
    reasons = {e.target: e.details["reason"] for e in events}
    assert reasons == {"user:grace": "wrong password", "user:nobody": "unknown user"}


class CountingHasher(PasswordHasher):
    """Counts verifications, so a test can see that every attempt costs one."""

    def __init__(self, inner: PasswordHasher) -> None:
        super().__init__(inner.parameters)
        self.verifications = 0

    def verify(self, encoded_hash: str, password: str) -> bool:
        self.verifications += 1
        return super().verify(encoded_hash, password)


@pytest.mark.parametrize("who", ["grace", "nobody", "disabled-user", "locked"])
def test_every_attempt_costs_one_password_verification(
    instance: Instance, make: Any, org: Any, grace: User, who: str
) -> None:
    """An unknown name must not answer faster than a wrong password (user enumeration)."""
    disabled = make.user(org, Role.AUDITOR, username="disabled-user")
    with instance.db.session() as session:
        session.get(User, disabled.id).disabled_at = dt.datetime.now(dt.UTC)  # type: ignore[union-attr]
        if who == "locked":
            session.get(User, grace.id).locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(  # type: ignore[union-attr]
                hours=1
            )
    counting = CountingHasher(instance.auth.hasher)
    instance.auth = replace(instance.auth, hasher=counting)
    failure_of(instance, "grace" if who == "locked" else who, "wrong")
    assert counting.verifications == 1


def test_lockout_starts_at_the_threshold_and_grows(
    instance: Instance, grace: User, make: Any, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    threshold = instance.auth.lockout_threshold
    for _ in range(threshold - 1):
        failure_of(instance, "grace", "wrong")
    assert stored_user(instance, "grace").locked_until is None
    failure_of(instance, "grace", "wrong")
    assert stored_user(instance, "grace").locked_until == START + dt.timedelta(minutes=1)
    # While locked, even the right password is refused, with the same answer.
    failure_of(instance, "grace", make.password)

    expected_minutes = [2, 4, 8]
    for minutes in expected_minutes:
        time_machine.move_to(stored_user(instance, "grace").locked_until + dt.timedelta(seconds=1))
        now = dt.datetime.now(dt.UTC)
        failure_of(instance, "grace", "wrong", ip=f"192.0.2.{minutes}")
        assert stored_user(instance, "grace").locked_until == now + dt.timedelta(minutes=minutes)

    time_machine.move_to(stored_user(instance, "grace").locked_until + dt.timedelta(seconds=1))
    login(instance, "grace", make.password, ip="192.0.2.99")
    user = stored_user(instance, "grace")
    assert (user.failed_logins, user.locked_until) == (0, None)
    with instance.db.session() as session:
        events, _ = search(session, AuditQuery(None, tag_prefix="accounts:user:locked"))
    assert [e.details["minutes"] for e in reversed(events)] == [1, 2, 4, 8]


def test_lockout_duration_is_capped_at_an_hour() -> None:
    durations = [authentication._lockout_for(n, 5) for n in range(4, 20)]
    assert durations[0] is None
    assert max(d for d in durations if d) == dt.timedelta(minutes=60)


def test_logins_are_rate_limited_per_ip(
    instance: Instance, grace: User, make: Any, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    limit = instance.auth.login_rate_per_minute
    for n in range(limit):
        failure_of(instance, f"someone-{n}", "guess", ip="203.0.113.5")
    with pytest.raises(RateLimited):
        login(instance, "grace", make.password, ip="203.0.113.5")
    login(instance, "grace", make.password, ip="203.0.113.6")  # another address is not slowed
    time_machine.move_to(START + dt.timedelta(minutes=1, seconds=1), tick=False)
    login(instance, "grace", make.password, ip="203.0.113.5")


def test_logins_are_rate_limited_per_account(
    instance: Instance, grace: User, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    limit = instance.auth.login_rate_per_minute
    for n in range(limit):
        # Under the lockout, attempts keep counting against the name across addresses.
        with pytest.raises((AuthenticationFailed, RateLimited)):
            login(instance, "grace", "guess", ip=f"198.51.100.{n}")
    with pytest.raises(RateLimited):
        login(instance, "grace", "guess", ip="198.51.100.200")


# --------------------------------------------------------------------------- sessions


def alive(instance: Instance, token: str) -> bool:
    with instance.db.session() as session:
        return authentication.resolve_session(session, instance.auth, token) is not None


def test_a_session_ends_after_15_idle_minutes(
    instance: Instance, grace: User, make: Any, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    token = login(instance, "grace", make.password).token
    time_machine.move_to(START + dt.timedelta(minutes=14), tick=False)
    assert alive(instance, token)
    time_machine.move_to(START + dt.timedelta(minutes=28), tick=False)  # 14 idle minutes again
    assert alive(instance, token)
    time_machine.move_to(START + dt.timedelta(minutes=28 + 16), tick=False)
    assert not alive(instance, token)
    time_machine.move_to(START + dt.timedelta(minutes=28 + 17), tick=False)
    assert not alive(instance, token), "an expired session stays dead"
    with instance.db.session() as session:
        events, _ = search(session, AuditQuery(None, tag_prefix="accounts:session:expired"))
    assert [e.details["reason"] for e in events] == ["idle"]


def test_an_api_call_with_an_expired_session_records_the_expiry(
    instance: Instance, client: Any, grace: User, make: Any, time_machine: Any
) -> None:
    """Regression: the 401 rolled back the expiry, so it was neither stored nor audited."""
    time_machine.move_to(START, tick=False)
    token = login(instance, "grace", make.password).token
    time_machine.move_to(START + dt.timedelta(minutes=16), tick=False)
    client.cookies.set("medsec_session", token)
    for _ in range(2):
        assert client.get("/api/v1/me").status_code == 401
    with instance.db.session() as session:
        events, _ = search(session, AuditQuery(None, tag_prefix="accounts:session:expired"))
    assert [e.details["reason"] for e in events] == ["idle"], "recorded once, not per request"


def test_a_session_ends_after_12_hours_however_busy(
    instance: Instance, grace: User, make: Any, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    token = login(instance, "grace", make.password).token
    now = START
    while now + dt.timedelta(minutes=10) < START + dt.timedelta(hours=12):
        now += dt.timedelta(minutes=10)
        time_machine.move_to(now, tick=False)
        assert alive(instance, token), now
    time_machine.move_to(START + dt.timedelta(hours=12, seconds=1), tick=False)
    assert not alive(instance, token)
    with instance.db.session() as session:
        events, _ = search(session, AuditQuery(None, tag_prefix="accounts:session:expired"))
    assert [e.details["reason"] for e in events] == ["absolute"]


def test_logout_and_revocation_end_a_session(instance: Instance, grace: User, make: Any) -> None:
    first = login(instance, "grace", make.password)
    second = login(instance, "grace", make.password)
    with instance.db.session() as session:
        authentication.logout(session, session.merge(first.login_session), Context())
    assert not alive(instance, first.token) and alive(instance, second.token)
    actor = make.actor(grace)
    with instance.db.session() as session:
        listed = authentication.list_sessions(session, actor)
        assert [s.id for s in listed] == [second.login_session.id]
        authentication.revoke_session(session, actor, second.login_session.id)
    assert not alive(instance, second.token)


def test_sensitive_actions_need_a_recent_login(
    instance: Instance, grace: User, make: Any, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    result = login(instance, "grace", make.password)

    def recent() -> bool:
        with instance.db.session() as session:
            found = authentication.resolve_session(session, instance.auth, result.token)
            assert found is not None
            user, login_session = found
            return authentication.actor_for(
                session, user, login_session, instance.auth, Context()
            ).recently_authenticated

    assert recent()
    time_machine.move_to(START + dt.timedelta(minutes=6), tick=False)
    assert not recent()
    with instance.db.session() as session:
        user = session.get(User, grace.id)
        assert user is not None
        with pytest.raises(AuthenticationFailed):
            authentication.reauthenticate(
                session,
                instance.auth,
                user,
                session.merge(result.login_session),
                "wrong",
                None,
                Context(),
            )
    with instance.db.session() as session:
        user = session.get(User, grace.id)
        assert user is not None
        authentication.reauthenticate(
            session,
            instance.auth,
            user,
            session.merge(result.login_session),
            make.password,
            None,
            Context(),
        )
    assert recent()
