"""``/api/v1/advisories``: drafts in the authoring input's JSON, check, previews; publishing
refuses a token (it needs a recent login); clear problems for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.publishing.demo import example_input

PUMP = "Northwind LVP 3000"


@pytest.fixture
def headers(make: Any, auth_header: Any) -> dict[str, str]:
    """A product-security officer's token; the pump's 4.2.1 profile is published."""
    org = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    user = make.user(org, Role.PRODUCT_SECURITY_OFFICER)
    make.publish(make.actor(user, recent=True), make.upload(make.actor(user), name=PUMP))
    _, value = make.token(user)
    headers: dict[str, str] = auth_header(value)
    return headers


def test_a_draft_is_created_checked_and_previewed(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = client.post("/api/v1/advisories", json=example_input(PUMP), headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["tracking_id"], body["state"], body["version"]) == ("NWIS-2026-004", "draft", None)
    assert body["draft"]["products"][0]["product"] == PUMP

    check = client.post(f"/api/v1/advisories/{body['id']}/check?target_grade=6", headers=headers)
    assert check.status_code == 200
    result = check.json()
    assert result["version"] == "1.0.0" and result["problems"] == []
    assert result["validation"]["isValid"]
    # The test instance is served over plain http: publishing would refuse, and says why.
    assert not result["publishable"]
    assert any("needs an https:// address" in b for b in result["blockers"])
    summary = next(r for r in result["readability"] if r["field"] == "notes.summary")
    assert summary["targetGrade"] == 6 and "grade" in summary

    base = f"/api/v1/advisories/{body['id']}/artifacts"
    csaf = client.get(f"{base}/csaf.json?version=draft", headers=headers)
    assert csaf.json()["document"]["tracking"]["id"] == "NWIS-2026-004"
    pdf = client.get(f"{base}/fsn.pdf?version=draft", headers=headers)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(f"{base}/csaf.json", headers=headers).status_code == 404  # unpublished
    assert client.get(f"{base}/notes.txt?version=draft", headers=headers).status_code == 404


def test_publishing_with_a_token_needs_a_recent_login(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = client.post("/api/v1/advisories", json=example_input(PUMP), headers=headers)
    response = client.post(f"/api/v1/advisories/{created.json()['id']}/publish", headers=headers)
    assert response.status_code == 401
    assert "recent login" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "status", "fragment"),
    [
        ({"tlp": "PURPLE"}, 422, "tlp"),
        ({"products": [{"key": "lvp"}]}, 422, "give either profile"),
        ({"vulnerabilities": []}, 422, "vulnerabilities"),
    ],
)
def test_bad_drafts_are_problems_naming_the_place(
    client: TestClient, headers: dict[str, str], change: dict[str, Any], status: int, fragment: str
) -> None:
    response = client.post("/api/v1/advisories", json=example_input(PUMP) | change, headers=headers)
    assert response.status_code == status
    assert fragment in response.text


def test_a_tracking_id_is_used_once_per_organization(
    client: TestClient, headers: dict[str, str]
) -> None:
    assert client.post("/api/v1/advisories", json=example_input(PUMP), headers=headers).is_success
    again = client.post("/api/v1/advisories", json=example_input(PUMP), headers=headers)
    assert again.status_code == 409
    assert again.json()["type"] == "https://medsec.dev/problems/conflict"


def test_a_draft_naming_an_unknown_product_checks_with_the_known_ones(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = client.post(
        "/api/v1/advisories", json=example_input("Unknown pump"), headers=headers
    ).json()
    result = client.post(f"/api/v1/advisories/{created['id']}/check", headers=headers).json()
    assert result["problems"] == [
        "products[0].product: your organization has no product 'Unknown pump' "
        f"(your products: {PUMP})"
    ]
    preview = client.get(
        f"/api/v1/advisories/{created['id']}/artifacts/advisory.html?version=draft",
        headers=headers,
    )
    assert preview.status_code == 422
    assert "does not build" in preview.json()["detail"]
