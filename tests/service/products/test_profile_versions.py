"""Profile versions in the service: upload a draft (validated and linted), publish it
(immutable from then on), and serve its documents publicly."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from medsec.accounts.roles import OrganizationKind, Role
from medsec.errors import (
    AuthenticationRequired,
    Conflict,
    DocumentError,
    Error,
    NotFound,
    PermissionDenied,
)
from medsec.products import services as products
from medsec.products.public import PublicDocument, PublicDocuments
from medsec.profiles.psp import EXAMPLE_MINIMAL
from medsec.service import Instance

REPO = Path(__file__).resolve().parents[3]
WEAK_EXAMPLE = REPO / "examples" / "weak" / "infusion-pump-weak.yaml"

INVALID = """\
psp_version: 1
product:
  manufacturer: {name: Example Medical}
  name: Example Monitor
  version: 1.0
network:
  services:
    - {name: https, port: 70000}
"""


@pytest.fixture
def maker(make: Any) -> Any:
    return make.organization(OrganizationKind.MANUFACTURER, name="Northwind")


@pytest.fixture
def psirt(make: Any, maker: Any) -> Any:
    return make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER, username="psirt"))


@pytest.fixture
def psirt_token(make: Any, psirt: Any) -> str:
    with make.session() as session:
        from medsec.accounts.models import User

        user = session.get(User, psirt.user_id)
    _, value = make.token(user)
    return str(value)


def test_a_valid_profile_becomes_a_draft_with_a_lint_summary(make: Any, psirt: Any) -> None:
    text = (REPO / "examples" / "infusion-pump.yaml").read_text(encoding="utf-8")
    version = make.upload(psirt, filename="pump.yaml")
    assert (version.status, version.version, version.filename) == ("draft", "4.2.1", "pump.yaml")
    assert version.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert version.uploaded_by == "psirt"
    assert set(version.lint["summary"]) >= {"errors", "warnings"}
    assert version.lint["summary"]["errors"] == 0
    with make.session() as session:
        product = products.versions(session, psirt, version.product_id)[0].product
        assert (product.name, product.manufacturer) == (
            "Northwind LVP 3000",
            "Northwind Infusion Systems",
        )


def test_uploading_a_draft_again_replaces_it(make: Any, psirt: Any) -> None:
    first = make.upload(psirt, version="5.0")
    second = make.upload(psirt, version="5.0", text=None, filename="again.yaml")
    assert second.id == first.id and second.filename == "again.yaml"
    with make.session() as session:
        assert [v.id for v in products.versions(session, psirt, first.product_id)] == [first.id]


def test_an_invalid_profile_names_each_problem_and_its_place(make: Any, psirt: Any) -> None:
    with pytest.raises(DocumentError) as caught:
        make.upload(psirt, text=INVALID, filename="bad.yaml")
    problems = caught.value.problems
    assert problems and all(p.location.file == "bad.yaml" for p in problems)
    assert any(p.location.line == 8 for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"x" * (products.MAX_UPLOAD_BYTES + 1), "larger than"),
    ],
)
def test_unreadable_uploads_are_refused(
    instance: Instance, psirt: Any, content: bytes, message: str
) -> None:
    with instance.db.session() as session, pytest.raises(Error, match=message):
        products.upload(session, psirt, "upload.yaml", content)


def test_the_api_reports_document_problems_as_422(
    client: TestClient, psirt_token: str, auth_header: Any
) -> None:
    response = client.post(
        "/api/v1/profiles",
        headers=auth_header(psirt_token),
        files={"file": ("bad.yaml", INVALID.encode(), "application/yaml")},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "https://medsec.dev/problems/invalid-document"
    assert body["problems"] and all(
        isinstance(p["line"], int) and isinstance(p["column"], int) and p["message"]
        for p in body["problems"]
    )
    assert "bad.yaml:8:" in body["detail"]


def test_the_api_stores_a_valid_upload_as_a_draft(
    client: TestClient, psirt_token: str, auth_header: Any
) -> None:
    text = (REPO / "examples" / "infusion-pump.yaml").read_bytes()
    response = client.post(
        "/api/v1/profiles",
        headers=auth_header(psirt_token),
        files={"file": ("pump.yaml", text, "application/yaml")},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "draft"
    assert response.json()["lint"]["summary"]["errors"] == 0


def test_a_published_version_cannot_be_uploaded_again(
    make: Any, psirt: Any, client: TestClient, psirt_token: str, auth_header: Any
) -> None:
    make.publish(psirt, make.upload(psirt))
    with pytest.raises(Conflict, match="published and immutable"):
        make.upload(psirt)
    response = client.post(
        "/api/v1/profiles",
        headers=auth_header(psirt_token),
        files={"file": ("pump.yaml", (REPO / "examples" / "infusion-pump.yaml").read_bytes())},
    )
    assert response.status_code == 409
    assert response.json()["type"] == "https://medsec.dev/problems/conflict"


def test_publishing_needs_the_permission_and_a_recent_login(
    instance: Instance, make: Any, maker: Any, psirt: Any
) -> None:
    draft = make.upload(psirt)
    auditor = make.actor(make.user(maker, Role.AUDITOR), recent=True)
    with instance.db.session() as session, pytest.raises(PermissionDenied):
        products.publish(session, auditor, draft.id)
    with instance.db.session() as session, pytest.raises(AuthenticationRequired):
        products.publish(
            session, dataclasses.replace(psirt, recently_authenticated=False), draft.id
        )
    published = make.publish(psirt, draft)
    assert published.status == "published" and published.published_at is not None
    with pytest.raises(Conflict, match="already published"):
        make.publish(psirt, draft)


def lint_error_profiles() -> list[Any]:
    cases = [pytest.param(EXAMPLE_MINIMAL, id="minimal")]
    if WEAK_EXAMPLE.exists():
        cases.append(pytest.param(WEAK_EXAMPLE.read_text(encoding="utf-8"), id="weak-example"))
    return cases


@pytest.mark.parametrize("text", lint_error_profiles())
def test_lint_errors_block_publishing(make: Any, psirt: Any, text: str) -> None:
    draft = make.upload(psirt, text=text)
    assert draft.lint["summary"]["errors"] > 0
    with pytest.raises(Conflict, match="lint error"):
        make.publish(psirt, draft)


def test_only_manufacturers_upload(instance: Instance, make: Any) -> None:
    hospital = make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    admin = make.actor(make.user(hospital, Role.ADMIN), recent=True)
    with pytest.raises(PermissionDenied, match="manufacturer"):
        make.upload(admin)


@pytest.mark.parametrize(
    ("artifact", "media_type", "starts"),
    [
        ("guide.html", "text/html", b"<!doctype html"),
        ("guide.md", "text/markdown", b"# "),
        ("security.txt", "text/plain", b""),
        ("profile.json", "application/json", b"{"),
    ],
)
def test_published_documents_are_public(
    client: TestClient, make: Any, psirt: Any, artifact: str, media_type: str, starts: bytes
) -> None:
    published = make.publish(psirt, make.upload(psirt))
    client.cookies.clear()
    response = client.get(f"/public/profiles/{published.id}/{artifact}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    assert response.content.lower().startswith(starts.lower())
    assert "public" in response.headers["cache-control"]
    assert response.headers["etag"].startswith('"' + published.sha256[:32])
    if artifact == "security.txt":
        assert b"Contact:" in response.content and b"Expires:" in response.content


def test_the_public_pdf_guide(client: TestClient, make: Any, psirt: Any) -> None:
    published = make.publish(psirt, make.upload(psirt))
    response = client.get(f"/public/profiles/{published.id}/guide.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("artifact", ["guide.html", "security.txt", "profile.json"])
def test_drafts_are_not_public(client: TestClient, make: Any, psirt: Any, artifact: str) -> None:
    draft = make.upload(psirt)
    response = client.get(f"/public/profiles/{draft.id}/{artifact}")
    assert response.status_code == 404
    assert response.json()["type"] == "https://medsec.dev/problems/not-found"


def test_an_unknown_artifact_is_not_found(client: TestClient, make: Any, psirt: Any) -> None:
    published = make.publish(psirt, make.upload(psirt))
    response = client.get(f"/public/profiles/{published.id}/passwords.txt")
    assert response.status_code == 404
    assert "available:" in response.json()["hint"]


def test_a_draft_artifact_is_served_to_its_own_organization(
    client: TestClient, make: Any, psirt: Any, psirt_token: str, auth_header: Any
) -> None:
    draft = make.upload(psirt)
    response = client.get(
        f"/api/v1/profile-versions/{draft.id}/artifacts/guide.html",
        headers=auth_header(psirt_token),
    )
    assert response.status_code == 200
    assert "public" not in response.headers.get("cache-control", "")


def test_two_versions_can_be_compared(make: Any, psirt: Any) -> None:
    old = make.upload(psirt, version="1.0")
    moved = make.profile_text(version="1.1").replace("default_port: 8443", "default_port: 9443", 1)
    new = make.upload(psirt, text=moved)
    with make.session() as session:
        assert products.compare(session, psirt, old.id, old.id) == []
        changes = products.compare(session, psirt, old.id, new.id)
    assert changes and all(isinstance(c, dict) for c in changes)
    assert "9443" in str(changes)


def test_a_published_document_is_served_again_without_the_database(
    client: TestClient, make: Any, psirt: Any, instance: Instance
) -> None:
    published = make.publish(psirt, make.upload(psirt))
    url = f"/public/profiles/{published.id}/security.txt"
    first = client.get(url)
    statements: list[str] = []
    event.listen(instance.db.engine, "before_cursor_execute", _count_into(statements))
    again = client.get(url)
    assert (again.status_code, again.content) == (200, first.content)
    assert statements == []


def test_a_client_holding_the_current_etag_gets_not_modified(
    client: TestClient, make: Any, psirt: Any
) -> None:
    published = make.publish(psirt, make.upload(psirt))
    url = f"/public/profiles/{published.id}/guide.html"
    etag = client.get(url).headers["etag"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert (response.status_code, response.content) == (304, b"")
    assert response.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_cached_public_documents_expire() -> None:
    loads: list[int] = []

    def load(version_id: int, artifact: Any) -> PublicDocument:
        loads.append(version_id)
        return PublicDocument(b"body", "text/plain", '"e"')

    documents = PublicDocuments(load, ttl=0.0)
    documents.get(1, "security.txt")
    documents.get(1, "security.txt")
    assert loads == [1, 1]
    assert documents.cached(1, "security.txt") is None
    with pytest.raises(NotFound):
        documents.cached(1, "passwords.txt")


def test_regression_concurrent_misses_load_a_public_document_once() -> None:
    # Under load, every request arriving while an entry was missing or just expired
    # queried the database and rendered the same document itself (a stampede).
    loads: list[int] = []
    entered, release = threading.Event(), threading.Event()

    def load(version_id: int, artifact: Any) -> PublicDocument:
        loads.append(version_id)
        entered.set()
        release.wait(timeout=10)
        return PublicDocument(b"body", "text/plain", '"e"')

    documents = PublicDocuments(load)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(documents.get, 1, "security.txt")
        assert entered.wait(timeout=10)
        others = [pool.submit(documents.get, 1, "security.txt") for _ in range(7)]
        time.sleep(0.2)  # let the others reach the cache while the first one loads
        release.set()
        bodies = [first.result().body, *(f.result().body for f in others)]
    assert bodies == [b"body"] * 8
    assert loads == [1]


def test_a_failed_load_of_a_public_document_is_not_remembered() -> None:
    outcomes = iter([NotFound("no published profile version 1"), None])

    def load(version_id: int, artifact: Any) -> PublicDocument:
        error = next(outcomes)
        if error is not None:
            raise error
        return PublicDocument(b"body", "text/plain", '"e"')

    documents = PublicDocuments(load)
    with pytest.raises(NotFound):
        documents.get(1, "security.txt")
    assert documents.get(1, "security.txt").body == b"body"


def _count_into(statements: list[str]) -> Any:
    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    return count
