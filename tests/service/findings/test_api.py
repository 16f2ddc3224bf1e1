"""The findings API: lists with counts and filters, one finding's evidence, triage, VEX
upload and the CycloneDX/OpenVEX exports, with problem documents for bad input."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.models import User

from .conftest import PUMP_PURL, World


def headers(world: World, auth_header: Any, username: str) -> dict[str, str]:
    with world.make.session() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
    _, token = world.make.token(user)
    return dict(auth_header(token))


def test_the_fleet_list_has_counts_and_filters(
    world: World, client: TestClient, auth_header: Any
) -> None:
    h = headers(world, auth_header, world.analyst.username)
    body = client.get("/api/v1/findings", headers=h).json()
    assert body["total"] == 5 and body["assets"] == 3 and body["assets_scanned"] == 3
    assert body["by_state"]["unknown-version"] == 2
    affected = client.get("/api/v1/findings", headers=h, params={"state": "affected"}).json()
    assert {i["state"] for i in affected["items"]} == {"affected"} and affected["total"] == 3
    bad = client.get("/api/v1/findings", headers=h, params={"priority": "urgent"})
    assert bad.status_code == 422


def test_one_finding_with_its_evidence_and_a_triage(
    world: World, client: TestClient, auth_header: Any
) -> None:
    h = headers(world, auth_header, world.analyst.username)
    listed = client.get(f"/api/v1/assets/{world.pumps[0]}/findings", headers=h).json()
    first = listed["items"][0]
    url = f"/api/v1/assets/{world.pumps[0]}/findings/{first['component']['id']}/PYSEC-T-1"
    one = client.get(url, headers=h).json()
    assert one["match"]["explanation"] == "ECOSYSTEM range: every version, fixed in 2.11"
    assert [f["name"] for f in one["factors"]] == ["CVSS 3.1", "clinical criticality"]
    refused = client.post(f"{url}/triage", headers=h, json={"status": "not_affected"})
    assert refused.status_code == 422
    assert refused.json()["type"] == "https://medsec.dev/problems/invalid-triage"
    done = client.post(
        f"{url}/triage",
        headers=h,
        json={"status": "not_affected", "justification": "component_not_present", "note": "x"},
    )
    assert done.status_code == 201 and done.json()["component_key"] == "pkg:pypi/jinja2"
    after = client.get(url, headers=h).json()
    assert after["state"] == "not_affected"
    assert after["statements"][0]["source_kind"] == "hospital"
    missing = client.get(url.replace("PYSEC-T-1", "PYSEC-NONE"), headers=h)
    assert missing.status_code == 404


def test_vex_upload_and_its_refusals(world: World, client: TestClient, auth_header: Any) -> None:
    h = headers(world, auth_header, world.psirt.username)
    document = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://northwind.example/vex/api",
        "author": "Northwind PSIRT",
        "timestamp": "2026-02-01T00:00:00Z",
        "version": 1,
        "statements": [
            {
                "vulnerability": {"name": "CVE-2026-1003"},
                "products": [{"@id": PUMP_PURL, "subcomponents": [{"@id": "pkg:pypi/pydicom"}]}],
                "status": "not_affected",
                "justification": "vulnerable_code_not_present",
            }
        ],
    }
    url = f"/api/v1/profile-versions/{world.version}/vex"
    sent = client.post(url, headers=h, files={"file": ("v.json", json.dumps(document).encode())})
    assert sent.status_code == 201, sent.text
    assert sent.json()["statement_count"] == 1
    assert [d["id"] for d in client.get(url, headers=h).json()] == [sent.json()["id"]]
    broken = client.post(url, headers=h, files={"file": ("v.json", b"{not json")})
    assert broken.status_code == 422
    found = client.get(f"/api/v1/profile-versions/{world.version}/findings", headers=h).json()
    states = {i["vulnerability"]: i["state"] for i in found["items"]}
    assert states == {"PYSEC-T-1": "affected", "PYSEC-T-3": "not_affected"}


def test_exports_as_cyclonedx_vex_and_openvex(
    world: World, client: TestClient, auth_header: Any
) -> None:
    h = headers(world, auth_header, world.analyst.username)
    cdx = client.get("/api/v1/findings/export", headers=h, params={"format": "cyclonedx"})
    assert cdx.status_code == 200 and cdx.headers["content-type"].startswith(
        "application/vnd.cyclonedx+json"
    )
    bom = cdx.json()
    refs = [c["bom-ref"] for c in bom["components"]]
    assert len(refs) == len(set(refs)) == 5  # one per asset and component
    assert {v["analysis"]["state"] for v in bom["vulnerabilities"]} == {"exploitable", "in_triage"}
    ovx = client.get(
        f"/api/v1/assets/{world.own}/findings/export", headers=h, params={"format": "openvex"}
    ).json()
    assert [s["vulnerability"]["name"] for s in ovx["statements"]] == ["PYSEC-T-3"]
    assert ovx["statements"][0]["status"] == "affected"


def test_the_devices_a_stored_record_concerns(
    world: World, client: TestClient, auth_header: Any
) -> None:
    h = headers(world, auth_header, world.analyst.username)
    found = client.get("/api/v1/vulnerabilities/PYSEC-T-3/affected-assets", headers=h).json()
    # Affected first, then by serial.
    assert [(a["asset_serial"], a["status"]) for a in found] == [
        ("LVP-OWN", "affected"),
        ("LVP-1", "unknown-version"),
        ("LVP-2", "unknown-version"),
    ]
    missing = client.get("/api/v1/vulnerabilities/NOPE-1/affected-assets", headers=h)
    assert missing.status_code == 404
