"""The network model of a site over HTTP: flow map, firewall rules, conduits, bindings,
the site file, and uploaded observed-flow checks."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from medsec.accounts.models import User
from medsec.flows.sample import Connection, conn_log
from medsec.network.site_yaml import load_site_text

from .conftest import Campus


def bearer(make: Any, actor: Any) -> dict[str, str]:
    with make.session() as session:
        user = session.get(User, actor.user_id)
    _, value = make.token(user)
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def admin(make: Any, campus: Campus) -> dict[str, str]:
    return bearer(make, campus.admin)


def zone_ids(client: TestClient, campus: Campus, headers: dict[str, str]) -> dict[str, int]:
    site = client.get(f"/api/v1/sites/{campus.site_id}", headers=headers).json()
    return {z["name"]: z["id"] for z in site["zones"]}


def test_flow_map_whole_per_asset_and_per_zone(
    client: TestClient, campus: Campus, admin: dict[str, str]
) -> None:
    url = f"/api/v1/sites/{campus.site_id}/flow-map"
    whole = client.get(url, headers=admin).json()
    assert whole["map_version"] == 1 and whole["site"] == "St. Example Hospital"
    assert [t["endpoint"] for t in whole["todos"]] == ["gantry"]
    assert {c["flow"] for c in whole["conflicts"]} == {
        "ct-01/images-to-pacs",
        "ct-01/dose-to-registry",
        "pacs-01/images-from-modalities-alt",
    }
    ct = client.get(url, params={"asset": "ct-01"}, headers=admin).json()
    assert {f["asset"] for f in ct["flows"]} == {"ct-01"}
    imaging = client.get(url, params={"zone": "imaging"}, headers=admin).json()
    assert {a["name"] for a in imaging["assets"]} >= {"ct-01", "postproc-01"}
    missing = client.get(url, params={"asset": "nope"}, headers=admin)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("nftables", "table inet"),
        ("iptables", "*filter"),
        ("cisco", "ip access-list extended"),
        ("srx", "from-zone"),
        ("paloalto", "<security>"),
    ],
)
def test_firewall_rules_download(
    client: TestClient, campus: Campus, admin: dict[str, str], target: str, expected: str
) -> None:
    answer = client.get(f"/api/v1/sites/{campus.site_id}/firewall/{target}", headers=admin)
    assert answer.status_code == 200, answer.text
    assert expected in answer.text
    assert "attachment" in answer.headers["content-disposition"]


def test_a_conduit_and_a_binding_resolve_the_example_s_conflicts_and_to_do(
    client: TestClient, campus: Campus, admin: dict[str, str]
) -> None:
    zones = zone_ids(client, campus, admin)
    site = f"/api/v1/sites/{campus.site_id}"
    body = {
        "name": "imaging-dicom-11112",
        "from_zone_id": zones["imaging"],
        "to_zone_id": zones["clinical-servers"],
        "services": [{"protocol": "tcp", "ports": [11112]}],
    }
    created = client.post(f"{site}/conduits", json=body, headers=admin)
    assert created.status_code == 201, created.text
    ct = next(
        a
        for a in client.get("/api/v1/assets", params={"q": "ct-01"}, headers=admin).json()["items"]
    )
    bound = client.put(
        f"{site}/bindings",
        json={"endpoint": "gantry", "asset_id": ct["id"], "cidrs": ["10.40.1.11/32"]},
        headers=admin,
    )
    assert bound.status_code == 200, bound.text
    fmap = client.get(f"{site}/flow-map", headers=admin).json()
    assert (fmap["todos"], fmap["conflicts"]) == ([], [])
    assert "ct-01/raw-data-from-gantry" in {f["id"] for f in fmap["flows"]}
    names = [c["name"] for c in client.get(f"{site}/conduits", headers=admin).json()]
    assert "imaging-dicom-11112" in names
    deleted = client.delete(f"{site}/conduits/{created.json()['id']}", headers=admin)
    assert deleted.status_code == 204
    again = client.get(f"{site}/flow-map", headers=admin).json()
    assert len(again["conflicts"]) == 3
    client.delete(f"{site}/bindings/{bound.json()['id']}", headers=admin)
    assert [t["endpoint"] for t in client.get(f"{site}/flow-map", headers=admin).json()["todos"]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"services": [{"protocol": "tcp", "ports": [70000]}]}, "less than or equal to 65535"),
        ({"services": [{"protocol": "any"}]}, "give a service name, a protocol, or both"),
        ({"to": "imaging"}, "two different zones"),
    ],
)
def test_bad_conduits_are_refused(
    client: TestClient, campus: Campus, admin: dict[str, str], body: dict[str, Any], message: str
) -> None:
    zones = zone_ids(client, campus, admin)
    # The table's dicts are shared by the SQLite and PostgreSQL runs: read them, never pop.
    to = zones[body.get("to", "clinical-servers")]
    extra = {k: v for k, v in body.items() if k != "to"}
    full = {"name": "c", "from_zone_id": zones["imaging"], "to_zone_id": to} | extra
    full.setdefault("services", [{"protocol": "tcp"}])
    answer = client.post(f"/api/v1/sites/{campus.site_id}/conduits", json=full, headers=admin)
    assert answer.status_code == 422
    assert message in answer.json()["detail"]


def test_site_file_export_and_import(
    client: TestClient, campus: Campus, admin: dict[str, str]
) -> None:
    site = f"/api/v1/sites/{campus.site_id}/site-file"
    exported = client.get(site, headers=admin)
    assert exported.headers["content-type"].startswith("application/yaml")
    changed = exported.text.replace("security_level: 1", "security_level: 2")
    answer = client.put(site, files={"file": ("site.yaml", changed.encode())}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["updated"] == ["zone internet"]
    bad = client.put(site, files={"file": ("bad.yaml", b"site: x\nzones: 3\n")}, headers=admin)
    assert bad.status_code == 422 and bad.json()["type"].endswith("invalid-document")
    back = load_site_text(client.get(site, headers=admin).text, "x")
    assert back.zone("internet").security_level == 2


def test_uploaded_conn_log_is_checked_and_stored(
    client: TestClient, make: Any, campus: Campus, admin: dict[str, str]
) -> None:
    log = conn_log(
        [
            Connection(1700000000.0, "10.20.3.11", "10.30.0.10", 8443),  # authorized
            Connection(1700000001.0, "10.20.3.11", "10.30.0.20", 22),  # pump → PACS ssh
            Connection(1700000002.0, "10.40.1.10", "10.30.0.20", 11112),  # the conflict
        ]
    )
    url = f"/api/v1/sites/{campus.site_id}/flow-checks"
    created = client.post(url, files={"file": ("conn.log", log.encode())}, headers=admin)
    assert created.status_code == 201, created.text
    check = created.json()
    assert (check["format"], check["flows_read"], check["violation_count"]) == ("zeek-tsv", 3, 4)
    # each unauthorized connection is reported for both of its inventoried ends
    rows = {(v["asset"], v["direction"], v["port"]) for v in check["violations"]}
    assert rows == {
        ("pump-ward3-01", "outbound", 22),
        ("pacs-01", "inbound", 22),
        ("ct-01", "outbound", 11112),
        ("pacs-01", "inbound", 11112),
    }
    listed = client.get(url, headers=admin).json()
    assert [c["id"] for c in listed] == [check["id"]]
    reader = bearer(make, campus.auditor)
    one = client.get(f"{url}/{check['id']}", headers=reader).json()
    assert one["violations"] == check["violations"]
    refused = client.post(url, files={"file": ("conn.log", log.encode())}, headers=reader)
    assert refused.status_code == 403
    junk = client.post(url, files={"file": ("conn.log", b"\x00\x01 not a log")}, headers=admin)
    assert junk.status_code == 422 and junk.json()["type"].endswith("invalid-flow-log")
