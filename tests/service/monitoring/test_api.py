"""``/api/v1/device-events`` (filters, paging, tenancy), the uncatalogued report, alerts
and their acknowledgement over the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from medsec.accounts.roles import Role
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
