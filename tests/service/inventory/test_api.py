"""The inventory over HTTP: sites, assets, events, upload imports, identity self-reports
with a token scoped only to reporting identity."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from medsec.accounts.models import User

from .conftest import PUMP_VENDOR, Hospital


def token_of(make: Any, actor: Any, scopes: list[str] | None = None) -> dict[str, str]:
    with make.session() as session:
        user = session.get(User, actor.user_id)
    _, value = make.token(user, scopes)
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def engineer(make: Any, hospital: Hospital) -> dict[str, str]:
    return token_of(make, hospital.engineer)


@pytest.fixture
def reporter(make: Any, hospital: Hospital) -> dict[str, str]:
    return token_of(make, hospital.engineer, ["inventory:report-identity"])


def test_create_list_get_patch_delete(
    client: TestClient, hospital: Hospital, engineer: dict[str, str]
) -> None:
    body = {
        "site_id": hospital.site_id,
        "zone_id": hospital.icu_zone,
        "serial": "P-1",
        "vendor": PUMP_VENDOR,
        "model": "LVP-3000",
        "firmware_version": "4.2.0",
        "hardware_revision": "B",
        "configuration": "wifi",
        "mac": "001a2b3c4d5e",
    }
    created = client.post("/api/v1/assets", json=body, headers=engineer)
    assert created.status_code == 201, created.text
    asset = created.json()
    assert (asset["mac"], asset["hardware_revision"], asset["configuration"]) == (
        "00:1a:2b:3c:4d:5e",
        "B",
        "wifi",
    )
    listed = client.get(
        "/api/v1/assets", params={"criticality": "medium", "q": "p-1"}, headers=engineer
    ).json()
    assert (listed["total"], listed["items"][0]["id"]) == (1, asset["id"])
    patched = client.patch(
        f"/api/v1/assets/{asset['id']}", json={"firmware_version": "4.2.1"}, headers=engineer
    )
    assert patched.json()["profile_version_id"] == hospital.pump_version
    revised = client.patch(
        f"/api/v1/assets/{asset['id']}", json={"hardware_revision": "C"}, headers=engineer
    )
    assert (revised.json()["hardware_revision"], revised.json()["firmware_version"]) == (
        "C",
        "4.2.1",
    )
    reconfigured = client.patch(
        f"/api/v1/assets/{asset['id']}", json={"configuration": "ethernet"}, headers=engineer
    ).json()
    assert (reconfigured["configuration"], reconfigured["hardware_revision"]) == ("ethernet", "C")
    events = client.get(f"/api/v1/assets/{asset['id']}/events", headers=engineer).json()
    assert [e["kind"] for e in events] == ["created", "firmware-changed"]
    assert client.delete(f"/api/v1/assets/{asset['id']}", headers=engineer).status_code == 204
    assert client.get(f"/api/v1/assets/{asset['id']}", headers=engineer).status_code == 404


def test_an_invalid_asset_is_a_problem_naming_each_field(
    client: TestClient, hospital: Hospital, engineer: dict[str, str]
) -> None:
    body = {"site_id": hospital.site_id, "serial": "X", "vendor": "", "model": "m", "mac": "1"}
    response = client.post("/api/v1/assets", json=body, headers=engineer)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {p["path"] for p in response.json()["problems"]} == {"vendor", "mac"}


def test_sites_and_zones(client: TestClient, engineer: dict[str, str]) -> None:
    site = client.post(
        "/api/v1/sites", json={"name": "Annex", "timezone": "Europe/Vienna"}, headers=engineer
    ).json()
    zone = client.post(
        f"/api/v1/sites/{site['id']}/zones",
        json={"name": "Lab", "security_level": 3, "cidrs": ["10.5.0.0/24"], "vlan_ids": [50]},
        headers=engineer,
    )
    assert zone.status_code == 201
    got = client.get(f"/api/v1/sites/{site['id']}", headers=engineer).json()
    assert [z["name"] for z in got["zones"]] == ["Lab"]
    renamed = client.patch(f"/api/v1/sites/{site['id']}", json={"name": "B"}, headers=engineer)
    assert renamed.json()["name"] == "B"
    bad = client.post(
        f"/api/v1/sites/{site['id']}/zones",
        json={"name": "x", "security_level": 0},
        headers=engineer,
    )
    assert bad.status_code == 422 and "security level" in bad.json()["detail"]


def test_an_upload_import_is_all_or_nothing(
    client: TestClient, hospital: Hospital, engineer: dict[str, str]
) -> None:
    good = f"S/N;Vendor;Model;Firmware\nP-1;{PUMP_VENDOR};LVP-3000;4.2.1\n".encode()
    bad = good + b"P-2;X;Y;1;extra\n"
    response = client.post(
        "/api/v1/assets/import",
        data={"site_id": str(hospital.site_id)},
        files={"file": ("pumps.csv", bad)},
        headers=engineer,
    )
    assert response.status_code == 422
    assert client.get("/api/v1/assets", headers=engineer).json()["total"] == 0
    dry = client.post(
        "/api/v1/assets/import",
        data={"site_id": str(hospital.site_id), "dry_run": "true"},
        files={"file": ("pumps.csv", good)},
        headers=engineer,
    )
    assert dry.json()["created"] == 1 and dry.json()["committed"] is False
    mapping = (
        b'"S/N" = "serial"\nVendor = "vendor"\nModel = "model"\nFirmware = "firmware_version"\n'
    )
    done = client.post(
        "/api/v1/assets/import",
        data={"site_id": str(hospital.site_id)},
        files={"file": ("pumps.csv", good), "mapping": ("map.toml", mapping)},
        headers=engineer,
    )
    assert done.status_code == 200, done.text
    assert (done.json()["created"], done.json()["committed"]) == (1, True)


def test_a_bad_row_is_reported_with_its_line_and_column(
    client: TestClient, hospital: Hospital, engineer: dict[str, str]
) -> None:
    text = b"Serial Number,Vendor,Model,IP Address\nA,X,Y,10.0.0.1\nB,X,Y,999.1.1.1\n"
    response = client.post(
        "/api/v1/assets/import",
        data={"site_id": str(hospital.site_id)},
        files={"file": ("a.csv", text)},
        headers=engineer,
    )
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert (problem["line"], problem["path"]) == (3, "IP Address")
    assert "not an IP address" in problem["message"]


SBOM = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []})


def test_identity_reports_upsert_by_serial_and_record_firmware_changes(
    client: TestClient,
    make: Any,
    hospital: Hospital,
    reporter: dict[str, str],
    engineer: dict[str, str],
) -> None:
    report = {
        "serial": "P-7",
        "vendor": PUMP_VENDOR,
        "model": "LVP-3000",
        "firmware_version": "4.2.0",
    }
    first = client.post("/api/v1/assets/identity", json=report, headers=reporter)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["firmware_changed"]) == (True, False)
    asset_id = first.json()["asset"]["id"]
    again = client.post(
        "/api/v1/assets/identity",
        json=report
        | {
            "firmware_version": "4.2.1",
            "sbom": {"media_type": "application/vnd.cyclonedx+json", "content": SBOM},
        },
        headers=reporter,
    )
    body = again.json()
    assert (body["created"], body["firmware_changed"], body["sbom_stored"]) == (False, True, True)
    assert body["asset"]["id"] == asset_id
    assert body["asset"]["sbom_sha256"] == hashlib.sha256(SBOM.encode()).hexdigest()
    assert body["asset"]["profile_link"] == "matched"
    kinds = [
        e["kind"] for e in client.get(f"/api/v1/assets/{asset_id}/events", headers=engineer).json()
    ]
    assert kinds == ["identity-reported", "firmware-changed", "identity-reported", "sbom-reported"]
    with make.session() as session:
        from sqlalchemy import select

        from medsec.audit.models import AuditEvent

        tags = session.execute(select(AuditEvent.tag)).scalars().all()
    assert tags.count("inventory:identity:reported") == 2
    assert tags.count("inventory:asset:firmware-changed") == 1


@pytest.mark.parametrize(
    ("sbom", "message"),
    [
        ({"media_type": "application/vnd.cyclonedx+json", "content": "{nope"}, "not JSON"),
        ({"media_type": "application/vnd.cyclonedx+xml", "content": "<bom>"}, "not well-formed"),
        (
            {
                "media_type": "application/spdx+xml",
                "content": '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
            },
            "not well-formed",
        ),
        ({"media_type": "text/plain", "content": "x"}, "neither JSON nor XML"),
    ],
)
def test_an_invalid_sbom_is_refused_and_nothing_is_stored(
    client: TestClient,
    reporter: dict[str, str],
    engineer: dict[str, str],
    sbom: dict[str, str],
    message: str,
) -> None:
    report = {"serial": "P-8", "vendor": "X", "model": "Y", "sbom": sbom}
    response = client.post("/api/v1/assets/identity", json=report, headers=reporter)
    assert response.status_code == 422 and message in response.json()["detail"]
    assert client.get("/api/v1/assets", headers=engineer).json()["total"] == 0


def test_the_identity_token_can_do_nothing_else(
    client: TestClient, hospital: Hospital, reporter: dict[str, str]
) -> None:
    assert client.get("/api/v1/assets", headers=reporter).status_code == 403
    body = {"site_id": hospital.site_id, "serial": "Z", "vendor": "X", "model": "Y"}
    assert client.post("/api/v1/assets", json=body, headers=reporter).status_code == 403


def test_a_report_for_a_new_device_needs_a_site_when_there_are_several(
    client: TestClient, make: Any, hospital: Hospital, reporter: dict[str, str]
) -> None:
    make.site(hospital.admin, "Annex")
    report = {"serial": "N-1", "vendor": "X", "model": "Y"}
    response = client.post("/api/v1/assets/identity", json=report, headers=reporter)
    assert response.status_code == 404 and "names no site" in response.json()["detail"]
    named = client.post(
        "/api/v1/assets/identity", json=report | {"site": "Annex"}, headers=reporter
    )
    assert named.status_code == 200


def test_a_report_keeps_what_the_hospital_recorded(
    client: TestClient, hospital: Hospital, reporter: dict[str, str], engineer: dict[str, str]
) -> None:
    body = {
        "site_id": hospital.site_id,
        "zone_id": hospital.icu_zone,
        "serial": "P-5",
        "vendor": PUMP_VENDOR,
        "model": "LVP-3000",
        "firmware_version": "4.2.0",
        "location": "ICU bed 5",
        "owner": "Biomed",
        "criticality": "life-sustaining",
        "mac": "00:1a:2b:3c:4d:05",
        "hardware_revision": "B",
        "configuration": "wifi",
    }
    asset_id = client.post("/api/v1/assets", json=body, headers=engineer).json()["id"]
    report = {"serial": "P-5", "vendor": PUMP_VENDOR, "model": "LVP-3000", "hostname": "p5"}
    reported = client.post("/api/v1/assets/identity", json=report, headers=reporter).json()
    asset = reported["asset"]
    assert asset["id"] == asset_id and not reported["firmware_changed"]
    assert (asset["location"], asset["owner"], asset["criticality"], asset["zone_id"]) == (
        "ICU bed 5",
        "Biomed",
        "life-sustaining",
        hospital.icu_zone,
    )
    assert (asset["firmware_version"], asset["mac"], asset["hostname"]) == (
        "4.2.0",
        "00:1a:2b:3c:4d:05",
        "p5",
    )
    # Regression: a report without a hardware revision erased the recorded one.
    assert (asset["hardware_revision"], asset["configuration"]) == ("B", "wifi")


def test_a_report_sets_the_hardware_revision_and_configuration(
    client: TestClient, hospital: Hospital, reporter: dict[str, str]
) -> None:
    report = {"serial": "P-6", "vendor": PUMP_VENDOR, "model": "LVP-3000"}
    first = client.post(
        "/api/v1/assets/identity",
        json=report | {"hardware_revision": "C", "configuration": " wifi "},
        headers=reporter,
    ).json()["asset"]
    assert (first["hardware_revision"], first["configuration"]) == ("C", "wifi")
    changed = client.post(
        "/api/v1/assets/identity", json=report | {"configuration": "ethernet"}, headers=reporter
    ).json()["asset"]
    assert (changed["hardware_revision"], changed["configuration"]) == ("C", "ethernet")


def test_a_zone_of_another_site_is_refused(
    client: TestClient, make: Any, hospital: Hospital, engineer: dict[str, str]
) -> None:
    annex = make.site(hospital.admin, "Annex", zones=("Lab",))
    body = {
        "site_id": annex.id,
        "zone_id": hospital.icu_zone,
        "serial": "Z-1",
        "vendor": "X",
        "model": "Y",
    }
    response = client.post("/api/v1/assets", json=body, headers=engineer)
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "zone_id"
