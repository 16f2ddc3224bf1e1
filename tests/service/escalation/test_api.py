"""The case journey over HTTP: a hospital opens a case, the manufacturer finds it in its
queue and replies, the hospital reads the reply and closes it with after-action notes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from medsec.accounts.roles import OrganizationKind, Role
from medsec.notifications import services as notifications


def test_a_case_travels_from_hospital_to_manufacturer_and_back(
    client: TestClient, make: Any, auth_header: Any
) -> None:
    north = make.organization(OrganizationKind.MANUFACTURER, name="North")
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    psirt_user = make.user(north, Role.PRODUCT_SECURITY_OFFICER)
    psirt = make.actor(psirt_user, recent=True)
    version = make.publish(psirt, make.upload(psirt, name="Pump", version="4.2"))
    engineer = make.user(clinic, Role.CLINICAL_ENGINEER)
    make.hold(make.actor(engineer), version.product_id)
    hospital = auth_header(make.token(engineer)[1])
    maker = auth_header(make.token(psirt_user)[1])

    opened = client.post(
        "/api/v1/cases",
        headers=hospital,
        json={
            "profile_version_id": version.id,
            "title": "Library signature failures",
            "symptoms": "LIB-SIG-FAIL on ICU pumps",
            "severity": "critical",
            "patient_safety": "yes",
            "patient_safety_detail": "dose limits of yesterday in force",
        },
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["what_to_send"][0].startswith("Serial numbers")
    assert case["timers"][0]["target_minutes"] == 240  # "acknowledged within 4 hours, 24/7"
    case_id = case["id"]

    queue = client.get("/api/v1/cases", headers=maker, params={"severity": "critical"}).json()
    assert [c["id"] for c in queue] == [case_id] and queue[0]["hospital"] == "Clinic"
    reply = client.post(
        f"/api/v1/cases/{case_id}/messages", headers=maker, json={"body": "Send the log."}
    )
    assert reply.status_code == 201
    upload = client.post(
        f"/api/v1/cases/{case_id}/attachments",
        headers=hospital,
        files={"file": ("server.log", b"02:05 push", "text/plain")},
        data={"item": "1"},
    )
    assert upload.status_code == 201, upload.text
    got = client.get(f"/api/v1/cases/{case_id}/attachments/{upload.json()['id']}", headers=maker)
    assert got.content == b"02:05 push"
    assert got.headers["content-disposition"] == 'attachment; filename="server.log"'

    seen = client.get(f"/api/v1/cases/{case_id}", headers=hospital).json()
    assert [m["body"] for m in seen["messages"]] == ["Send the log."]
    assert seen["timers"][0]["met_at"] is not None and seen["items_covered"] == [1]
    assert "closed" in seen["allowed_states"]
    refused = client.post(
        f"/api/v1/cases/{case_id}/state", headers=hospital, json={"state": "closed"}
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "https://medsec.dev/problems/invalid-case-transition"
    closed = client.post(
        f"/api/v1/cases/{case_id}/state",
        headers=hospital,
        json={"state": "closed", "after_action": "Certificate renewed; monitoring added."},
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"

    with make.session() as session:
        notifications.deliver_pending(session)
    mine = client.get("/api/v1/notifications", headers=maker).json()
    assert {n["topic"] for n in mine} == {"case-opened", "case-attachment", "case-state"}
