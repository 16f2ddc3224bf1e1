"""The disclosure API over HTTP: public submission, limits, tracking tokens, the team side."""

from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.disclosure import intake, services

URL = "/api/v1/disclosure/northwind/reports"
PROBLEM = "https://medsec.dev/problems/"


@pytest.fixture
def psirt(make: Any, client: TestClient, auth_header: Any) -> dict[str, str]:
    """Northwind's program is open; the headers of its product-security officer's token."""
    org = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    with make.session() as session:
        services.save_program(session, org.id, "northwind", Context.cli("test"))
    _, value = make.token(make.user(org, Role.PRODUCT_SECURITY_OFFICER))
    headers: dict[str, str] = auth_header(value)
    return headers


def report(**extra: Any) -> dict[str, Any]:
    return {"title": "Hard-coded key", "description": "The service port accepts key X."} | extra


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_reporter_submits_follows_and_replies_and_the_team_answers(
    client: TestClient, psirt: dict[str, str]
) -> None:
    sent = client.post(
        URL,
        json=report(attachments=[{"filename": "poc.txt", "content_base64": b64(b"curl ...")}]),
    )
    assert sent.status_code == 201, sent.text
    receipt = sent.json()
    token = receipt["tracking_token"]
    assert len(token) == 43  # 32 random bytes, base64url
    assert receipt["tracking_url"] == f"http://testserver/disclosure/track/{token}"
    assert "case_id" not in receipt and "id" not in receipt

    cases = client.get("/api/v1/disclosure/cases", headers=psirt).json()
    assert [c["title"] for c in cases] == ["Hard-coded key"]
    case_id = cases[0]["id"]
    detail = client.get(f"/api/v1/disclosure/cases/{case_id}", headers=psirt).json()
    assert detail["description"] == "The service port accepts key X."
    attachment = detail["attachments"][0]
    download = client.get(
        f"/api/v1/disclosure/cases/{case_id}/attachments/{attachment['id']}", headers=psirt
    )
    assert download.content == b"curl ..."
    assert download.headers["content-disposition"] == 'attachment; filename="poc.txt"'
    assert download.headers["content-type"] == "application/octet-stream"

    answer = client.post(
        f"/api/v1/disclosure/cases/{case_id}/messages", headers=psirt, json={"body": "Thanks!"}
    )
    assert answer.status_code == 201
    moved = client.post(
        f"/api/v1/disclosure/cases/{case_id}/state", headers=psirt, json={"state": "valid"}
    )
    assert moved.json()["state"] == "valid"

    tracking = client.get(f"/api/v1/disclosure/track/{token}").json()
    assert tracking["state"] == "valid" and tracking["acknowledged"] is True
    assert [(m["author"], m["body"]) for m in tracking["messages"]] == [("team", "Thanks!")]
    reply = client.post(f"/api/v1/disclosure/track/{token}/messages", json={"body": "Welcome"})
    assert reply.status_code == 201
    detail = client.get(f"/api/v1/disclosure/cases/{case_id}", headers=psirt).json()
    assert [m["author"] for m in detail["messages"]] == ["team", "reporter"]


def test_an_illegal_transition_is_a_clear_409(client: TestClient, psirt: dict[str, str]) -> None:
    client.post(URL, json=report())
    case_id = client.get("/api/v1/disclosure/cases", headers=psirt).json()[0]["id"]
    response = client.post(
        f"/api/v1/disclosure/cases/{case_id}/state", headers=psirt, json={"state": "closed"}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == PROBLEM + "illegal-transition"
    assert problem["detail"] == "a case in state received cannot move to closed"
    assert problem["hint"] == "from received it can move to: invalid, valid"


def wrong_tokens(token: str) -> list[str]:
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    return [
        secrets.token_urlsafe(32),  # well-formed, random
        flipped,  # one character off
        token[:-1],  # truncated
        token + "A",  # too long
        "1",  # a case number
        "%00",
        "a" * 300,
    ]


def test_wrong_tracking_tokens_all_answer_the_same_404(
    client: TestClient, psirt: dict[str, str]
) -> None:
    token = client.post(URL, json=report()).json()["tracking_token"]
    answers = set()
    for wrong in wrong_tokens(token):
        response = client.get(f"/api/v1/disclosure/track/{wrong}")
        assert response.status_code == 404, wrong
        answers.add(response.text)
        posted = client.post(f"/api/v1/disclosure/track/{wrong}/messages", json={"body": "x"})
        assert posted.status_code == 404
        answers.add(posted.text)
    assert len(answers) == 1
    assert client.get(f"/api/v1/disclosure/track/{token}").status_code == 200


def test_submissions_are_rate_limited_per_address_and_refused_ones_count(
    client: TestClient, psirt: dict[str, str]
) -> None:
    limit = 5  # MEDSEC_DISCLOSURE_REPORTS_PER_HOUR default
    assert client.post(URL, json=report(title="")).status_code == 422  # counts
    for _ in range(limit - 1):
        assert client.post(URL, json=report()).status_code == 201
    refused = client.post(URL, json=report())
    assert refused.status_code == 429
    assert refused.json()["type"] == PROBLEM + "rate-limited"


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        (report(title=""), 422, "invalid-report"),
        (report(extra="field"), 422, "validation"),
        (
            report(attachments=[{"filename": "a.txt", "content_base64": "!!"}]),
            422,
            "invalid-report",
        ),
        (
            report(attachments=[{"filename": "tool.txt", "content_base64": b64(b"MZ\x90\x00")}]),
            422,
            "invalid-report",
        ),
        (
            report(
                attachments=[
                    {"filename": f"{i}.txt", "content_base64": b64(b"x")} for i in range(4)
                ]
            ),
            422,
            "invalid-report",
        ),
        (report(reporter_key="not a key"), 422, "invalid-report"),
        (report(product_id=999_999), 422, "invalid-report"),
    ],
    ids=[
        "empty-title",
        "unknown-field",
        "bad-base64",
        "exe-as-txt",
        "four-files",
        "bad-key",
        "product",
    ],
)
def test_bad_submissions_are_problems(
    client: TestClient, psirt: dict[str, str], body: dict[str, Any], status: int, kind: str
) -> None:
    response = client.post(URL, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM + kind


def test_a_request_over_the_size_limit_is_413_before_it_is_read(
    client: TestClient, psirt: dict[str, str]
) -> None:
    big = b"{" + b" " * intake.MAX_REQUEST_BYTES + b"}"
    response = client.post(URL, content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["type"] == PROBLEM + "too-large"
    one_file = b64(b"a" * (intake.MAX_ATTACHMENT_BYTES + 1))
    response = client.post(
        URL, json=report(attachments=[{"filename": "a.txt", "content_base64": one_file}])
    )
    assert response.status_code == 413


def test_an_unknown_or_closed_program_is_404(
    client: TestClient, psirt: dict[str, str], make: Any
) -> None:
    assert client.post("/api/v1/disclosure/nobody/reports", json=report()).status_code == 404
    with make.session() as session:
        org_id = services.program_by_slug(session, "northwind").organization_id
        services.save_program(session, org_id, "northwind", Context.cli("t"), accepting=False)
    assert client.post(URL, json=report()).json()["type"] == PROBLEM + "not-found"


def test_the_well_known_security_txt_is_served(client: TestClient, make: Any) -> None:
    make.instance.settings.disclosure_contacts = ["mailto:psirt@example.org"]
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Contact: mailto:psirt@example.org\r\n" in response.text
    assert "Expires: " in response.text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=80))
def test_no_guessed_token_opens_a_case(
    client: TestClient, psirt: dict[str, str], guess: str
) -> None:
    """Whatever is put where the token goes, the answer is 404 (never 500, never a case)."""
    response = client.get("/api/v1/disclosure/track/" + quote(guess, safe=""))
    assert response.status_code == 404
