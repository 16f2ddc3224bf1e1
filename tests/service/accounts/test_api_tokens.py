"""API tokens: scoped, expiring, revocable, and stored only as a hash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from medsec.accounts import services, tokens
from medsec.accounts.models import ApiToken
from medsec.accounts.roles import ROLE_PERMISSIONS, OrganizationKind, Permission, Role
from medsec.app import create_app
from medsec.db.metadata import metadata
from medsec.errors import Error, NotFound
from medsec.service import Instance

from ..conftest import build_instance

START = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def org(make: Any) -> Any:
    return make.organization(OrganizationKind.MANUFACTURER)


@pytest.fixture
def admin(make: Any, org: Any) -> Any:
    return make.user(org, Role.ADMIN)


def every_stored_value(instance: Instance) -> list[str]:
    """Every cell of every table, as text."""
    cells = []
    with instance.db.session() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(select(table)):
                cells.extend(str(value) for value in row)
    return cells


def test_a_token_is_shown_once_and_stored_as_a_hash(
    instance: Instance, make: Any, admin: Any
) -> None:
    token, value = make.token(admin, ["products:read"])
    assert value.startswith("msk_") and len(value) >= 40
    assert token.prefix == value[:12]
    secret = value[len("msk_") :]
    cells = every_stored_value(instance)
    assert tokens.token_hash(value) in cells
    assert not [c for c in cells if value in c or secret in c], "the raw token is stored"
    if instance.db.url.startswith("sqlite:///"):  # not even in free pages or the WAL
        path = Path(instance.db.url.removeprefix("sqlite:///"))
        instance.db.dispose()
        for file in path.parent.glob(path.name + "*"):
            assert secret.encode() not in file.read_bytes(), file


@pytest.mark.parametrize(
    ("scopes", "path", "status"),
    [
        (["products:read"], "/api/v1/products", 200),
        (["products:read"], "/api/v1/users", 403),
        (["products:read"], "/api/v1/audit", 403),
        (["users:read"], "/api/v1/users", 200),
        (["users:read"], "/api/v1/products", 403),
        (["audit:read", "users:read"], "/api/v1/audit", 200),
        (["tokens:own"], "/api/v1/tokens", 200),
        (["products:read"], "/api/v1/me", 200),
    ],
)
def test_scopes_limit_what_a_token_can_do(
    client: TestClient,
    make: Any,
    admin: Any,
    auth_header: Any,
    scopes: list[str],
    path: str,
    status: int,
) -> None:
    _, value = make.token(admin, scopes)
    response = client.get(path, headers=auth_header(value))
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["type"].endswith("/forbidden")
        assert "token" in response.json()["detail"]


def test_me_lists_only_what_the_token_may_do(
    client: TestClient, make: Any, admin: Any, auth_header: Any
) -> None:
    _, value = make.token(admin, ["products:read", "users:read"])
    body = client.get("/api/v1/me", headers=auth_header(value)).json()
    assert body["permissions"] == ["products:read", "users:read"]


def test_a_token_never_exceeds_its_owners_current_role(
    instance: Instance, client: TestClient, make: Any, org: Any, admin: Any, auth_header: Any
) -> None:
    user = make.user(org, Role.ADMIN)
    _, value = make.token(user, ["users:read", "products:read"])
    assert client.get("/api/v1/users", headers=auth_header(value)).status_code == 200
    with instance.db.session() as session:
        services.change_role(session, make.actor(admin), user.id, Role.CLINICAL_ENGINEER)
    assert client.get("/api/v1/users", headers=auth_header(value)).status_code == 403
    assert client.get("/api/v1/products", headers=auth_header(value)).status_code == 200


@pytest.mark.parametrize(
    ("role", "scopes", "message"),
    [
        (Role.AUDITOR, ["users:manage"], "your role cannot grant: users:manage"),
        (Role.REPORTER, ["products:read"], "your role cannot grant"),
        (Role.ADMIN, ["root"], "unknown scope"),
        (Role.ADMIN, [], "at least one scope"),
    ],
)
def test_a_token_cannot_be_granted_more_than_the_role(
    instance: Instance, make: Any, org: Any, role: Role, scopes: list[str], message: str
) -> None:
    actor = make.actor(make.user(org, role))
    with instance.db.session() as session, pytest.raises(Error, match=message):
        tokens.create_token(session, actor, "ci", scopes, 30)


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True), (366, True), (367, False)])
def test_a_token_lives_one_day_to_a_year(
    instance: Instance, make: Any, admin: Any, days: int, ok: bool
) -> None:
    actor = make.actor(admin)
    with instance.db.session() as session:
        if ok:
            token, _ = tokens.create_token(session, actor, "ci", ["tokens:own"], days)
            assert token.expires_at - token.created_at == dt.timedelta(days=days)
        else:
            with pytest.raises(Error, match="1–366 days"):
                tokens.create_token(session, actor, "ci", ["tokens:own"], days)


def test_a_token_expires(
    client: TestClient, make: Any, admin: Any, auth_header: Any, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    _, value = make.token(admin, ["products:read"], days=1)
    time_machine.move_to(START + dt.timedelta(hours=23), tick=False)
    assert client.get("/api/v1/products", headers=auth_header(value)).status_code == 200
    time_machine.move_to(START + dt.timedelta(days=1, seconds=1), tick=False)
    response = client.get("/api/v1/products", headers=auth_header(value))
    assert response.status_code == 401
    assert response.json()["type"].endswith("/unauthenticated")


def test_a_revoked_token_stops_working(
    instance: Instance, client: TestClient, make: Any, admin: Any, auth_header: Any
) -> None:
    token, value = make.token(admin, ["products:read", "tokens:own"])
    assert client.get("/api/v1/products", headers=auth_header(value)).status_code == 200
    response = client.delete(f"/api/v1/tokens/{token.id}", headers=auth_header(value))
    assert response.status_code == 204
    assert client.get("/api/v1/products", headers=auth_header(value)).status_code == 401
    with instance.db.session() as session:
        assert tokens.resolve_token(session, value) is None


@pytest.fixture
def other_worker(instance: Instance, tmp_path: Path) -> Iterator[TestClient]:
    """A second serving process on the same database: its own app, engine and pool, so
    that nothing one process keeps in memory can answer for the other."""
    with (
        build_instance(tmp_path / "other", instance.db.url) as other,
        TestClient(create_app(other.settings, other)) as test_client,
    ):
        yield test_client


def _revoke(instance: Instance, make: Any, admin: Any, token: ApiToken) -> None:
    with instance.db.session() as session:
        tokens.revoke_token(session, make.actor(admin), token.id)


def _disable(instance: Instance, make: Any, admin: Any, token: ApiToken) -> None:
    actor = make.actor(make.user(make.organization_of(make.actor(admin)), Role.ADMIN))
    with instance.db.session() as session:
        services.disable_user(session, actor, token.user_id)


@pytest.mark.parametrize(
    "withdraw",
    [pytest.param(_revoke, id="token revoked"), pytest.param(_disable, id="owner disabled")],
)
def test_a_withdrawn_token_fails_at_once_in_every_worker(
    instance: Instance,
    client: TestClient,
    other_worker: TestClient,
    make: Any,
    admin: Any,
    auth_header: Any,
    withdraw: Callable[[Instance, Any, Any, ApiToken], None],
) -> None:
    token, value = make.token(admin, ["products:read"])
    for worker in (client, other_worker):  # both have used (and looked up) the token
        assert worker.get("/api/v1/products", headers=auth_header(value)).status_code == 200
    withdraw(instance, make, admin, token)
    for worker in (other_worker, client):
        assert worker.get("/api/v1/products", headers=auth_header(value)).status_code == 401


def _last_used(instance: Instance, token_id: int) -> dt.datetime | None:
    with instance.db.session() as session:
        return session.get_one(ApiToken, token_id).last_used_at


def test_last_use_is_written_at_most_once_a_minute(
    instance: Instance,
    client: TestClient,
    make: Any,
    admin: Any,
    auth_header: Any,
    time_machine: Any,
) -> None:
    time_machine.move_to(START, tick=False)
    token, value = make.token(admin, ["products:read", "tokens:own"])
    assert _last_used(instance, token.id) is None
    for seconds, expected in [(0, 0), (30, 0), (60, 0), (61, 61), (100, 61), (200, 200)]:
        time_machine.move_to(START + dt.timedelta(seconds=seconds), tick=False)
        assert client.get("/api/v1/products", headers=auth_header(value)).status_code == 200
        assert _last_used(instance, token.id) == START + dt.timedelta(seconds=expected), seconds
    listed = client.get("/api/v1/tokens", headers=auth_header(value)).json()
    assert listed[0]["last_used_at"].startswith("2026-06-01T12:03:20")


@pytest.mark.parametrize(
    "database_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)]
)  # row locks; SQLite has one writer at a time anyway
def test_noting_a_use_does_not_wait_for_another_requests_lock(
    instance: Instance, make: Any, admin: Any, time_machine: Any
) -> None:
    """Regression: every request that found ``last_used_at`` a minute old updated the row,
    each waiting for the previous one's commit: under load a convoy of seconds (p99 of
    the authenticated list 1.3 s, and wrk timeouts) once a minute."""
    time_machine.move_to(START, tick=False)
    token, value = make.token(admin, ["products:read"])
    time_machine.move_to(START + dt.timedelta(minutes=5), tick=False)
    with instance.db.session() as holder, instance.db.session() as session:
        # Another request noting the use right now: it holds the row until it commits.
        holder.execute(
            text("SELECT id FROM api_tokens WHERE id = :id FOR UPDATE"), {"id": token.id}
        )
        session.execute(text("SET LOCAL lock_timeout = '2s'"))  # a wait fails, not hangs
        found = tokens.resolve_token(session, value)
        assert found is not None and found[1].id == token.id
    assert _last_used(instance, token.id) is None  # the holder wrote nothing; none waited


def test_nobody_revokes_or_lists_another_users_tokens(
    instance: Instance, make: Any, org: Any, admin: Any
) -> None:
    other = make.user(org, Role.AUDITOR)
    token, value = make.token(other, ["products:read"])
    actor = make.actor(admin)
    with instance.db.session() as session:
        assert token.id not in [t.id for t in tokens.list_tokens(session, actor)]
        with pytest.raises(NotFound):
            tokens.revoke_token(session, actor, token.id)
        assert tokens.resolve_token(session, value) is not None


def test_a_token_cannot_mint_tokens_and_lists_show_no_values(
    client: TestClient, make: Any, admin: Any, auth_header: Any
) -> None:
    _, value = make.token(admin, ["tokens:own"])
    _, other = make.token(admin, ["tokens:own"])
    created = client.post(
        "/api/v1/tokens",
        headers=auth_header(value),
        json={"name": "backup job", "scopes": ["tokens:own"], "days": 7},
    )
    assert created.status_code == 401, created.text
    assert created.json()["type"] == "https://medsec.dev/problems/unauthenticated"
    listed = client.get("/api/v1/tokens", headers=auth_header(value))
    assert listed.status_code == 200
    assert value not in listed.text
    assert other not in listed.text
    assert len(listed.json()) == 2


def test_every_role_can_hold_tokens() -> None:
    assert all(Permission.TOKENS_OWN in perms for perms in ROLE_PERMISSIONS.values())
