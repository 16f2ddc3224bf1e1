"""MDS2s in the service: each published version carries its derived MDS2, a hospital
uploads the spreadsheets it receives, queries its fleet by answers, and compares two."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.models import AuditEvent
from medsec.mds2.answers import Answer, Choice, Mds2Document, Origin
from medsec.mds2.export import mds2_bytes

Y, N = Choice.YES, Choice.NO


def vendor_mds2(**answers: Choice) -> bytes:
    """A vendor's MDS2 in medsec's JSON layout; ``RMOT_1=Y`` answers RMOT-1 Yes."""
    ids = {k: k.replace("_", "-", 1).replace("_", ".") for k in answers}
    document = Mds2Document(
        product="Acme Bedside Monitor 2.0",
        answers={
            ids[k]: Answer(question=ids[k], choice=c, origin=Origin.IMPORTED)
            for k, c in answers.items()
        },
    )
    return mds2_bytes(document, ".json")


@pytest.fixture
def world(make: Any) -> dict[str, Any]:
    north = make.organization(OrganizationKind.MANUFACTURER, name="North")
    psirt = make.actor(make.user(north, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    pump = make.publish(psirt, make.upload(psirt, name="North pump", version="1.0"))
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    analyst = make.user(clinic, Role.SECURITY_ANALYST)
    make.hold(make.actor(analyst), pump.product_id)
    _, token = make.token(analyst)
    other = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Elsewhere")
    _, other_token = make.token(make.user(other, Role.SECURITY_ANALYST))
    return {
        "pump": pump,
        "analyst": analyst,
        "token": token,
        "other_token": other_token,
        "make": make,
    }


def upload(
    client: TestClient, token: str, content: bytes, name: str = "acme.json", **form: Any
) -> Any:
    return client.post(
        "/api/v1/mds2/documents",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (name, content)},
        data=form,
    )


def get(client: TestClient, token: str, url: str, **params: Any) -> Any:
    return client.get(url, headers={"Authorization": f"Bearer {token}"}, params=params)


def test_a_published_version_carries_its_mds2(client: TestClient, world: dict[str, Any]) -> None:
    base = f"/api/v1/profile-versions/{world['pump'].id}/artifacts"
    sheet = get(client, world["token"], f"{base}/mds2.xlsx")
    assert sheet.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(sheet.content))
    assert workbook.sheetnames == ["MDS2"]
    derived = get(client, world["token"], f"{base}/mds2.json").json()
    assert derived["coverage"]["total"] == 240
    assert derived["coverage"]["derived_percent"] >= 70


def test_the_fleet_query_covers_held_versions_and_uploads_of_the_organization_only(
    client: TestClient, world: dict[str, Any]
) -> None:
    mine = upload(client, world["token"], vendor_mds2(RMOT_1=Y), label="Bedside monitor")
    assert mine.status_code == 201, mine.text
    upload(client, world["other_token"], vendor_mds2(RMOT_1=Y), label="Not mine")
    result = get(client, world["token"], "/api/v1/mds2/fleet", preset="remote-service").json()
    assert result["searched"] == 2  # the held pump's version and the upload
    labels = [m["label"] for m in result["matches"]]
    assert "Bedside monitor" in labels and "Not mine" not in labels
    [evidence] = next(m for m in result["matches"] if m["kind"] == "document")["evidence"]
    assert (evidence["question"], evidence["answer"]) == ("RMOT-1", "Yes")


def test_a_custom_query_combines_conditions(client: TestClient, world: dict[str, Any]) -> None:
    upload(client, world["token"], vendor_mds2(MPII_2_2=Y, STCF_1=N), label="Old monitor")
    upload(client, world["token"], vendor_mds2(MPII_2_2=Y, STCF_1=Y), label="New monitor")
    upload(client, world["token"], vendor_mds2(MPII_2_2=Y), label="Unclear monitor")
    result = get(
        client, world["token"], "/api/v1/mds2/fleet", condition=["MPII-2.2=Yes", "STCF-1=No"]
    ).json()
    assert [m["label"] for m in result["matches"] if m["kind"] == "document"] == ["Old monitor"]
    unknown = {u["label"]: u["unanswered"] for u in result["unknown"]}
    assert unknown["Unclear monitor"] == ["STCF-1"]


def test_a_bad_query_is_a_422_that_says_how_to_write_one(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = get(client, world["token"], "/api/v1/mds2/fleet", condition=["STCF-1=perhaps"])
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "https://medsec.dev/problems/invalid-mds2-query"
    assert "Yes, No, N/A or See note" in problem["hint"]


def test_an_unreadable_spreadsheet_is_refused_and_nothing_is_stored(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = upload(client, world["token"], b"PK\x03\x04 not really a workbook", "x.xlsx")
    assert response.status_code == 422
    assert "x.xlsx" in response.json()["detail"]
    assert get(client, world["token"], "/api/v1/mds2/documents").json() == []


def test_an_upload_may_only_name_a_product_the_organization_sees(
    client: TestClient, world: dict[str, Any]
) -> None:
    make = world["make"]
    south = make.organization(OrganizationKind.MANUFACTURER, name="South")
    psirt = make.actor(make.user(south, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    unheld = make.publish(psirt, make.upload(psirt, name="South CT", version="1"))
    refused = upload(client, world["token"], vendor_mds2(), product_id=unheld.product_id)
    assert refused.status_code == 404
    held = upload(client, world["token"], vendor_mds2(), product_id=world["pump"].product_id)
    assert held.status_code == 201
    assert held.json()["label"].endswith("North pump")


def test_compare_a_vendor_spreadsheet_with_the_derived_mds2(
    client: TestClient, world: dict[str, Any]
) -> None:
    document = upload(client, world["token"], vendor_mds2(STCF_1=N)).json()
    response = get(
        client,
        world["token"],
        "/api/v1/mds2/compare",
        before=f"version:{world['pump'].id}",
        after=f"document:{document['id']}",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["after"]["label"] == "Acme Bedside Monitor 2.0"
    assert body["differences"], "a sparse vendor sheet differs from a derived MDS2"
    severities = [d["severity"] for d in body["differences"]]
    order = ["high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)


def test_a_reference_must_say_what_it_names(client: TestClient, world: dict[str, Any]) -> None:
    response = get(client, world["token"], "/api/v1/mds2/compare", before="pump", after="x:1")
    assert response.status_code == 422
    assert "version:ID" in response.json()["hint"]


def test_uploads_and_deletions_are_audited(
    client: TestClient, world: dict[str, Any], instance: Any
) -> None:
    document = upload(client, world["token"], vendor_mds2(RMOT_1=Y)).json()
    shown = get(client, world["token"], f"/api/v1/mds2/documents/{document['id']}").json()
    assert shown["label"] == "Acme Bedside Monitor 2.0"
    assert [a["id"] for a in shown["answers"]] == ["RMOT-1"]
    deleted = client.delete(
        f"/api/v1/mds2/documents/{document['id']}",
        headers={"Authorization": f"Bearer {world['token']}"},
    )
    assert deleted.status_code == 204
    assert (
        get(client, world["token"], f"/api/v1/mds2/documents/{document['id']}").status_code == 404
    )
    with instance.db.session() as session:
        tags = [
            e.tag
            for e in session.execute(
                select(AuditEvent).where(AuditEvent.tag.like("mds2:%")).order_by(AuditEvent.seq)
            ).scalars()
        ]
    assert tags == ["mds2:document:uploaded", "mds2:document:deleted"]
    assert json.loads(json.dumps(shown))  # plain JSON all the way down


@pytest.fixture
def device(world: dict[str, Any], make: Any) -> int:
    """A pump of the hospital's inventory, linked to the held published version."""
    actor = make.actor(world["analyst"])
    site = make.site(actor, "Main campus")
    asset = make.asset(
        actor, site.id, "LVP3-00001", product_version_id=world["pump"].id, firmware_version="1.0"
    )
    return int(asset.id)


def test_devices_answer_with_the_mds2_of_their_product_version(
    client: TestClient, world: dict[str, Any], device: int
) -> None:
    result = get(client, world["token"], "/api/v1/mds2/fleet", condition=["DOC-8=Yes|No"]).json()
    kinds = {m["kind"]: m for m in result["matches"]}
    assert result["searched"] == 2  # the device and the held version
    assert kinds["asset"]["id"] == device
    assert kinds["asset"]["label"].endswith("S/N LVP3-00001")


def test_an_mds2_attached_to_a_device_answers_for_it(
    client: TestClient, world: dict[str, Any], device: int
) -> None:
    attached = upload(client, world["token"], vendor_mds2(RMOT_1=Y), asset_id=device)
    assert attached.status_code == 201, attached.text
    assert attached.json()["asset_id"] == device
    result = get(client, world["token"], "/api/v1/mds2/fleet", preset="remote-service").json()
    assert [(m["kind"], m["id"]) for m in result["matches"] if m["kind"] != "version"] == [
        ("asset", device)
    ], "the attached document answers as the device, not as a document besides it"
    compared = get(
        client,
        world["token"],
        "/api/v1/mds2/compare",
        before=f"version:{world['pump'].id}",
        after=f"asset:{device}",
    ).json()
    assert any(d["question"] == "RMOT-1" for d in compared["differences"])


def test_a_device_of_another_hospital_cannot_be_named(
    client: TestClient, world: dict[str, Any], device: int
) -> None:
    refused = upload(client, world["other_token"], vendor_mds2(), asset_id=device)
    assert refused.status_code == 404
    hidden = get(
        client, world["other_token"], "/api/v1/mds2/compare", before=f"asset:{device}", after="x:1"
    )
    assert hidden.status_code == 404


def test_deleting_the_device_keeps_its_mds2_as_a_document(
    client: TestClient, world: dict[str, Any], device: int
) -> None:
    attached = upload(
        client, world["token"], vendor_mds2(RMOT_1=Y), label="Pump 1 MDS2", asset_id=device
    )
    deleted = client.delete(
        f"/api/v1/assets/{device}", headers={"Authorization": f"Bearer {world['token']}"}
    )
    assert deleted.status_code == 204, deleted.text
    [document] = get(client, world["token"], "/api/v1/mds2/documents").json()
    assert (document["id"], document["asset_id"]) == (attached.json()["id"], None)
    result = get(client, world["token"], "/api/v1/mds2/fleet", preset="remote-service").json()
    assert "Pump 1 MDS2" in [m["label"] for m in result["matches"]]
