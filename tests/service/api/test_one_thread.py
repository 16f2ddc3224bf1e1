"""Routes serve a request in one thread-pool call, and their access checks still hold.

:class:`medsec.api.routing.OneThreadRoute` runs a sync endpoint's declared access checks,
the endpoint and the commit in one thread; these tests pin what that must not change: a
check declared in ``dependencies=[…]`` or on an async endpoint or on a plain FastAPI
route is never skipped, a failing endpoint writes nothing, and the OpenAPI document shows
the endpoint's own parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import anyio.to_thread
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind, Permission, Role
from medsec.accounts.services import create_organization
from medsec.api.routes import iter_routes
from medsec.api.routing import OneThreadRoute, in_one_thread
from medsec.app import create_app
from medsec.audit.services import Context
from medsec.errors import NotFound
from medsec.service import Instance

Auditor = Annotated[Actor, requires(Permission.AUDIT_READ)]
HOSPITAL = OrganizationKind.HEALTHCARE_PROVIDER


def _routes(router: APIRouter) -> None:
    """The same endpoints on any router: sync and async, with the check as a parameter
    or as a route dependency, one that writes and fails."""

    @router.get("/probe/sync")
    def sync_endpoint(actor: Auditor) -> dict[str, Any]:
        return {"actor": type(actor).__name__, "organization": actor.organization_id}

    @router.get("/probe/async")
    async def async_endpoint(actor: Auditor) -> dict[str, Any]:
        return {"actor": type(actor).__name__, "organization": actor.organization_id}

    @router.get("/probe/request")
    def with_request(request: Request, actor: Auditor) -> dict[str, str]:
        return {"path": request.url.path}

    @router.post("/probe/write", dependencies=[requires(Permission.AUDIT_READ)])
    def write(session: DbSession, name: str) -> dict[str, str]:
        create_organization(
            session, name, OrganizationKind.HEALTHCARE_PROVIDER, Context.cli("test")
        )
        return {"written": name}

    @router.post("/probe/write-then-fail")
    def write_then_fail(actor: Auditor, session: DbSession, name: str) -> None:
        create_organization(
            session, name, OrganizationKind.HEALTHCARE_PROVIDER, Context.cli("test")
        )
        raise NotFound("nothing here, on purpose")


ROUTERS = {
    "one-thread": APIRouter(prefix="/one", route_class=OneThreadRoute),
    "plain FastAPI route": APIRouter(prefix="/plain"),
}
for _router in ROUTERS.values():
    _routes(_router)


@pytest.fixture
def app(instance: Instance) -> FastAPI:
    built = create_app(instance.settings, instance)
    for router in ROUTERS.values():
        built.include_router(router)
    return built


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tokens(make: Any) -> dict[str, dict[str, str]]:
    org = make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    return {
        role: {"Authorization": f"Bearer {make.token(make.user(org, role))[1]}"}
        for role in (Role.AUDITOR, Role.REPORTER)
    }


def _organizations(instance: Instance, name: str) -> int:
    with instance.db.session() as session:
        return session.execute(
            select(func.count()).select_from(Organization).where(Organization.name == name)
        ).scalar_one()


PREFIXES = pytest.mark.parametrize("prefix", ["/one", "/plain"], ids=list(ROUTERS))


@PREFIXES
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_endpoint_gets_the_actor_of_a_caller_holding_the_permission(
    client: TestClient, tokens: dict[str, dict[str, str]], prefix: str, kind: str
) -> None:
    answer = client.get(f"{prefix}/probe/{kind}", headers=tokens[Role.AUDITOR])
    assert answer.status_code == 200, answer.text
    assert answer.json()["actor"] == "Actor"


@PREFIXES
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_caller_without_the_permission_is_refused(
    client: TestClient, tokens: dict[str, dict[str, str]], prefix: str, kind: str
) -> None:
    assert client.get(f"{prefix}/probe/{kind}", headers=tokens[Role.REPORTER]).status_code == 403
    assert client.get(f"{prefix}/probe/{kind}").status_code == 401


@PREFIXES
def test_an_endpoint_taking_the_request_gets_it(
    client: TestClient, tokens: dict[str, dict[str, str]], prefix: str
) -> None:
    answer = client.get(f"{prefix}/probe/request", headers=tokens[Role.AUDITOR])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"path": f"{prefix}/probe/request"}


@PREFIXES
@pytest.mark.parametrize(
    ("role", "status", "written"), [(Role.REPORTER, 403, 0), (Role.AUDITOR, 200, 1)]
)
def test_a_check_declared_as_route_dependency_runs_before_the_endpoint(
    client: TestClient,
    instance: Instance,
    tokens: dict[str, dict[str, str]],
    prefix: str,
    role: Role,
    status: int,
    written: int,
) -> None:
    name = f"written-by-{role}"
    answer = client.post(f"{prefix}/probe/write", params={"name": name}, headers=tokens[role])
    assert answer.status_code == status, answer.text
    assert _organizations(instance, name) == written  # committed before the answer, if allowed


@PREFIXES
@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), (Role.REPORTER, 403), (Role.AUDITOR, 422)]
)
def test_invalid_input_is_reported_only_to_a_caller_who_may_use_the_route(
    client: TestClient,
    tokens: dict[str, dict[str, str]],
    prefix: str,
    role: Role | None,
    status: int,
) -> None:
    headers = tokens[role] if role else {}
    assert client.post(f"{prefix}/probe/write", headers=headers).status_code == status


@PREFIXES
def test_an_endpoint_that_fails_writes_nothing(
    client: TestClient, instance: Instance, tokens: dict[str, dict[str, str]], prefix: str
) -> None:
    answer = client.post(
        f"{prefix}/probe/write-then-fail", params={"name": "half"}, headers=tokens[Role.AUDITOR]
    )
    assert answer.status_code == 404
    assert _organizations(instance, "half") == 0


def test_an_api_request_makes_one_thread_pool_call(
    client: TestClient, tokens: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Access check (token lookup), endpoint, answer and commit: one hand-off to a thread
    (FastAPI alone would make four)."""
    calls: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(function, "__name__", repr(function)))
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    answer = client.get("/api/v1/audit", headers=tokens[Role.AUDITOR])
    assert answer.status_code == 200, answer.text
    assert len(calls) == 1, calls


def test_the_openapi_document_shows_the_endpoints_own_parameters(client: TestClient) -> None:
    document = client.get("/api/openapi.json").text
    assert "medsec_one_thread_request" not in document
    operation = client.get("/api/openapi.json").json()["paths"]["/api/v1/products"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"offset", "limit"}
    assert operation["operationId"].startswith("list_products")
    assert "ProductOut" in str(operation["responses"]["200"])


def test_every_route_of_the_service_is_a_one_thread_route(app: FastAPI) -> None:
    plain = [
        route.path
        for route in iter_routes(app)
        if not isinstance(route, OneThreadRoute) and not route.path.startswith("/plain/")
    ]
    assert plain == []


def test_an_endpoint_cannot_use_the_wrappers_parameter_name() -> None:
    def endpoint(medsec_one_thread_request: int) -> None:
        return None

    with pytest.raises(TypeError, match="reserved"):
        in_one_thread(endpoint)
