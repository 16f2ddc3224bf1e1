"""The HTTP surface: health and readiness, problem documents, OpenAPI, pagination."""

from __future__ import annotations

import gc
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from medsec.accounts.roles import OrganizationKind, Role
from medsec.api.problems import MEDIA_TYPE, PROBLEM_BASE
from medsec.api.routes import iter_routes
from medsec.app import create_app, serving_app
from medsec.service import Instance
from medsec.settings import Settings


def problem_of(response: Any, status: int, kind: str) -> dict[str, object]:
    """The RFC 9457 body of ``response``, after checking its status, media type and type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body: dict[str, object] = response.json()
    assert body["type"] == PROBLEM_BASE + kind
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str)
    return body


def test_healthz_answers_on_an_empty_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh", database_url=None)
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_serving_process_keeps_its_start_up_objects_out_of_the_collector(
    tmp_path: Path,
) -> None:
    # A full garbage collection walked every object built at start-up (~380,000),
    # stalling all requests in flight: the tail of the latency under load.
    gc.unfreeze()
    try:
        app = serving_app(Settings(data_dir=tmp_path / "fresh", database_url=None))
        assert gc.get_freeze_count() > 100_000
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()


def test_readyz_is_503_until_the_database_is_migrated(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh", database_url=None)
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "not current"


def test_readyz_is_200_when_migrated(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/products"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/users/1"),
    ],
)
def test_api_without_credentials_is_401_unauthenticated(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path, json={})
    body = problem_of(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "token" in str(body["detail"]).lower()


@pytest.mark.parametrize(
    "value", ["Bearer msk_not-a-real-token", "Bearer something-else", "Bearer "]
)
def test_a_bad_bearer_token_is_401_unauthenticated(client: TestClient, value: str) -> None:
    problem_of(client.get("/api/v1/me", headers={"Authorization": value}), 401, "unauthenticated")


def test_openapi_lists_every_api_route(client: TestClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    # OpenAPI writes a path converter ({path:path}) as the plain parameter ({path}).
    routes = {
        (method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path))
        for route in iter_routes(client.app)
        if route.include_in_schema
        for method in route.methods
    }
    assert routes, "no routes found"
    assert routes <= documented, f"missing from OpenAPI: {sorted(routes - documented)}"
    assert ("GET", "/api/v1/users") in documented
    assert ("GET", "/public/profiles/{version_id}/{name}") in documented


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/api/v1/no-such-thing", 404, "not-found"),
        ("DELETE", "/healthz", 405, "method-not-allowed"),
        ("GET", "/public/profiles/999999/guide.html", 404, "not-found"),
        ("GET", "/public/profiles/not-a-number/guide.html", 422, "validation"),
    ],
)
def test_errors_are_problem_documents_with_stable_types(
    client: TestClient, method: str, path: str, status: int, kind: str
) -> None:
    problem_of(client.request(method, path), status, kind)


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=500", "limit=-1", "offset=-1", "limit=ten", "offset=1.5"],
)
def test_pagination_parameters_are_validated(
    client: TestClient, make: Any, auth_header: Any, query: str
) -> None:
    org = make.organization(OrganizationKind.MANUFACTURER)
    admin = make.user(org, Role.ADMIN)
    _, value = make.token(admin)
    response = client.get(f"/api/v1/users?{query}", headers=auth_header(value))
    body = problem_of(response, 422, "validation")
    problems = body["problems"]
    assert isinstance(problems, list) and problems
    assert all({"path", "message"} <= set(p) for p in problems)


def test_pagination_pages_through_a_list(client: TestClient, make: Any, auth_header: Any) -> None:
    org = make.organization(OrganizationKind.MANUFACTURER)
    admin = make.user(org, Role.ADMIN, username="aaa-admin")
    for _ in range(4):
        make.user(org, Role.AUDITOR)
    _, value = make.token(admin)
    headers = auth_header(value)
    first = client.get("/api/v1/users?limit=2", headers=headers).json()
    rest = client.get("/api/v1/users?offset=2&limit=200", headers=headers).json()
    assert (first["total"], first["offset"], first["limit"]) == (5, 0, 2)
    assert len(first["items"]) == 2 and len(rest["items"]) == 3
    names = [u["username"] for u in first["items"] + rest["items"]]
    assert names == sorted(names) and len(set(names)) == 5


def test_security_headers_are_set(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert client.get("/api/v1/me").headers["cache-control"] == "no-store"


def test_instance_factory_keeps_data_under_the_data_dir(tmp_path: Path) -> None:
    instance = Instance.from_settings(Settings(data_dir=tmp_path / "d", database_url=None))
    try:
        assert instance.db.url == f"sqlite:///{tmp_path / 'd' / 'medsec.db'}"
        assert (tmp_path / "d" / "secret_key").stat().st_mode & 0o077 == 0
    finally:
        instance.db.dispose()


@pytest.fixture
def admin_token(make: Any) -> str:
    org = make.organization(OrganizationKind.MANUFACTURER)
    _, value = make.token(make.user(org, Role.ADMIN))
    return str(value)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/profile-versions/2147483648",  # regression: PostgreSQL "integer out of range", 500
        "/api/v1/profile-versions/99999999999999999999",  # regression: SQLite OverflowError, 500
        "/api/v1/products/0/versions",
        "/public/profiles/-1/guide.html",
        "/api/v1/audit?since=2026-01-01T00:00:00",  # regression: naive time crashed the query, 500
    ],
)
def test_out_of_range_input_is_a_validation_problem(
    client: TestClient, admin_token: str, auth_header: Any, path: str
) -> None:
    problem_of(client.get(path, headers=auth_header(admin_token)), 422, "validation")


def test_a_time_with_an_offset_is_accepted(
    client: TestClient, admin_token: str, auth_header: Any
) -> None:
    response = client.get(
        "/api/v1/audit",
        params={"since": "2026-01-01T00:00:00+01:00"},
        headers=auth_header(admin_token),
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/audit?tag=accounts%00", None),
        ("POST", "/api/v1/tokens", {"name": "nul\u0000name", "scopes": ["tokens:own"]}),
        (
            "POST",
            "/api/v1/users",
            {"username": "nul-user", "role": "auditor", "display_name": "a\u0000b"},
        ),
    ],
)
def test_a_nul_character_is_never_a_server_error(
    client: TestClient, admin_token: str, auth_header: Any, method: str, path: str, body: Any
) -> None:
    """Regression: PostgreSQL refuses NUL in text, which surfaced as a 500."""
    response = client.request(method, path, json=body, headers=auth_header(admin_token))
    assert response.status_code < 500, response.text
    if response.status_code == 422:
        assert response.json()["type"].endswith(("/invalid-value", "/validation"))


def test_an_unexpected_failure_is_a_problem_document_without_details(instance: Instance) -> None:
    app = create_app(instance.settings, instance)

    def broken() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/api/v1/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/broken")
    body = problem_of(response, 500, "internal")
    assert "secret internals" not in response.text
    assert "logged" in str(body["detail"])
