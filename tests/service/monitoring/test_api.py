"""``/api/v1/device-events`` (filters, paging, tenancy), the uncatalogued report, alerts
and their acknowledgement over the API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.roles import Role
from medsec.audit.models import AuditEvent
from medsec.monitoring.alerts import AlertEngine
from medsec.monitoring.notify import Notifier, NotifierConfig
from medsec.monitoring.store import DatabaseStore

AUTH_FAIL = ('<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 AUTH-FAIL [northwind@55555 '
             'serial="NW123"] service login failed for user tech')  # fmt: skip
LIB_SIG_FAIL = "<34>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 LIB-SIG-FAIL - library rejected"
UNKNOWN = "<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 BATTERY-LOW - battery at 10%"


def headers(make: Any, actor: Any, role: Role = Role.ADMIN) -> dict[str, str]:
    user = make.user(make.organization_of(actor), role)
    _, value = make.token(user)
    return {"Authorization": f"Bearer {value}"}


def test_device_events_are_listed_enriched_and_filtered(
    ward: Any, make: Any, client: TestClient
) -> None:
    ward.store(AUTH_FAIL, LIB_SIG_FAIL, UNKNOWN, UNKNOWN)
    auth = headers(make, ward.admin, Role.AUDITOR)
    everything = client.get("/api/v1/device-events", headers=auth).json()
    assert everything["total"] == 4
    by_id = {e["event_id"]: e for e in everything["items"]}
    assert by_id["LIB-SIG-FAIL"]["recommended_action"].startswith("Stop library distribution")
    assert by_id["AUTH-FAIL"]["meaning"].startswith("Wrong password or TOTP")

    def ids(**query: object) -> list[str | None]:
        response = client.get("/api/v1/device-events", headers=auth, params=query)
        assert response.status_code == 200, response.text
        return sorted(e["event_id"] or "-" for e in response.json()["items"])

    assert ids(severity=2) == ["LIB-SIG-FAIL"]
    assert ids(event_id="AUTH-FAIL") == ["AUTH-FAIL"]
    assert ids(uncatalogued=True) == ["-", "-"]
    assert ids(asset_id=ward.asset_id, uncatalogued=False) == ["AUTH-FAIL", "LIB-SIG-FAIL"]
    assert ids(since="2999-01-01T00:00:00Z") == []
    assert len(ids(limit=3)) == 3 and len(ids(offset=3)) == 1
    other = headers(make, ward.other_admin)
    assert client.get("/api/v1/device-events", headers=other).json()["total"] == 0
    hidden = client.get("/api/v1/device-events", headers=other, params={"asset_id": ward.asset_id})
    assert hidden.status_code == 404

    report = client.get("/api/v1/device-events/uncatalogued", headers=auth).json()
    assert [(r["product"], r["msgid"], r["reason"], r["count"]) for r in report] == [
        ("Northwind Infusion Systems Northwind LVP 3000 4.2.1", "BATTERY-LOW", "no-event", 2)
    ]
    assert report[0]["example"] == UNKNOWN


def test_alerts_are_listed_and_acknowledged(ward: Any, make: Any, client: TestClient) -> None:
    auth = headers(make, ward.admin)
    rule = {"name": "critical", "kind": "severity", "max_severity": 2}
    created = client.post("/api/v1/alert-rules", headers=auth, json=rule)
    assert created.status_code == 201, created.text
    again = client.post("/api/v1/alert-rules", headers=auth, json=rule)
    assert again.status_code == 409
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig()))
    ward.store(LIB_SIG_FAIL, store=DatabaseStore(ward.instance.db, [engine.after_insert]))
    (alert,) = client.get("/api/v1/alerts", headers=auth, params={"status": "open"}).json()
    assert alert["recommended_action"].startswith("Stop library distribution")
    done = client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=auth).json()
    assert done["status"] == "acknowledged" and done["acknowledged_at"]
    assert client.get("/api/v1/alerts", headers=auth, params={"status": "open"}).json() == []
    other = headers(make, ward.other_admin)
    assert (
        client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers=other).status_code == 404
    )


def test_device_events_name_their_asset_and_filter_by_serial(
    ward: Any, make: Any, client: TestClient
) -> None:
    ward.store(AUTH_FAIL, LIB_SIG_FAIL)
    ward.store(UNKNOWN, source="192.0.2.99")  # from no known asset
    auth = headers(make, ward.admin, Role.AUDITOR)
    items = client.get("/api/v1/device-events", headers=auth).json()["items"]
    labelled = {(e["asset_id"], e["asset_serial"], e["asset_name"]) for e in items}
    assert labelled == {(ward.asset_id, "NW123", "Northwind Infusion Systems LVP-3000"),
                        (None, None, None)}  # fmt: skip
    by_serial = client.get("/api/v1/device-events", headers=auth, params={"serial": "NW123"})
    assert sorted(e["event_id"] for e in by_serial.json()["items"]) == ["AUTH-FAIL", "LIB-SIG-FAIL"]
    none = client.get("/api/v1/device-events", headers=auth, params={"serial": "NOPE"}).json()
    assert none["total"] == 0
    other = headers(make, ward.other_admin)
    theirs = client.get("/api/v1/device-events", headers=other, params={"serial": "NW123"})
    assert theirs.json()["total"] == 0


def test_alert_rules_are_read_replaced_disabled_and_deleted(
    ward: Any, make: Any, client: TestClient
) -> None:
    auth = headers(make, ward.admin)
    rule = {"name": "library", "kind": "event", "event_ids": ["LIB-SIG-FAIL"]}
    created = client.post("/api/v1/alert-rules", headers=auth, json=rule).json()
    path = f"/api/v1/alert-rules/{created['id']}"
    assert client.get(path, headers=auth).json()["event_ids"] == ["LIB-SIG-FAIL"]
    changed = client.put(path, headers=auth, json=rule | {"kind": "severity", "max_severity": 1,
                                                          "enabled": False})  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert (changed.json()["kind"], changed.json()["enabled"]) == ("severity", False)
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig()))
    ward.store(LIB_SIG_FAIL, store=DatabaseStore(ward.instance.db, [engine.after_insert]))
    assert client.get("/api/v1/alerts", headers=auth).json() == []  # disabled: nothing raised
    other = headers(make, ward.other_admin)
    assert client.get(path, headers=other).status_code == 404
    assert client.delete(path, headers=other).status_code == 404
    assert client.delete(path, headers=auth).status_code == 204
    assert client.get(path, headers=auth).status_code == 404
    with ward.instance.db.session() as session:
        tags = session.execute(
            select(AuditEvent.tag).where(AuditEvent.target == f"alert-rule:{created['id']}")
            .order_by(AuditEvent.seq)
        ).scalars().all()  # fmt: skip
    assert tags == ["monitoring:alert-rule:created", "monitoring:alert-rule:updated",
                    "monitoring:alert-rule:deleted"]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "status", "kind", "complaint"),
    [
        ({"webhook_url": "http://hooks.example/in"}, 422, "webhook-refused", "must use https"),
        ({"webhook_url": "https://u:p@127.0.0.1/in"}, 422, "webhook-refused", "password"),
        ({"webhook_url": "https://169.254.169.254/latest"}, 422, "webhook-refused",
         "resolves to 169.254.169.254"),
        ({"webhook_url": "https://10.1.2.3/in"}, 422, "webhook-refused",
         "MEDSEC_ALERT_WEBHOOK_ALLOW"),
        ({"webhook_url": "https://93.184.216.34/in"}, 422, "invalid-value", "webhook_secret"),
        ({"event_ids": ["HAS SPACE"]}, 422, "validation", "not an event id"),
        ({"email_to": ["nobody"]}, 422, "validation", "not an email address"),
        ({"kind": "rate", "threshold": 3}, 422, "validation", "window_minutes"),
    ],
)  # fmt: skip
def test_bad_rules_are_refused_with_a_clear_problem(
    ward: Any, make: Any, client: TestClient, changes: dict[str, Any], status: int, kind: str,
    complaint: str,
) -> None:  # fmt: skip
    auth = headers(make, ward.admin)
    rule = {"name": "r", "kind": "event", "event_ids": ["LIB-SIG-FAIL"]} | changes
    refused = client.post("/api/v1/alert-rules", headers=auth, json=rule)
    assert refused.status_code == status, refused.text
    problem = refused.json()
    assert problem["type"].endswith(kind), problem
    assert complaint in refused.text


def test_an_alert_shows_the_state_of_its_notifications(
    ward: Any, make: Any, client: TestClient
) -> None:
    auth = headers(make, ward.admin)
    rule = {"name": "mail", "kind": "severity", "max_severity": 2, "email_to": ["soc@h.example"]}
    assert client.post("/api/v1/alert-rules", headers=auth, json=rule).status_code == 201
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig()))  # no SMTP server set
    ward.store(LIB_SIG_FAIL, store=DatabaseStore(ward.instance.db, [engine.after_insert]))
    (alert,) = client.get("/api/v1/alerts", headers=auth).json()
    (delivery,) = alert["deliveries"]
    assert (delivery["channel"], delivery["target"], delivery["status"], delivery["attempts"]) == (
        "email", "soc@h.example", "pending", 1)  # fmt: skip
    assert "MEDSEC_SMTP_HOST" in delivery["last_error"] and delivery["next_attempt_at"]
