"""The MDS2 page: query the fleet, upload a vendor spreadsheet, compare two MDS2s."""

from __future__ import annotations

import re

import pytest

from medsec.accounts.roles import OrganizationKind, Role
from medsec.mds2.answers import Answer, Choice, Mds2Document, Origin
from medsec.mds2.export import mds2_bytes

from .conftest import EXAMPLES, Browser, Site, csrf_of, text_of

PUMP = (EXAMPLES / "infusion-pump.yaml").read_text()


def vendor_sheet(**answers: str) -> bytes:
    """A vendor MDS2 as an .xlsx workbook; ``RMOT_1="Yes"`` answers RMOT-1."""
    ids = {k: k.replace("_", "-", 1).replace("_", ".") for k in answers}
    document = Mds2Document(
        product="Acme Bedside Monitor 2.0",
        answers={
            ids[k]: Answer(question=ids[k], choice=Choice(c), origin=Origin.IMPORTED)
            for k, c in answers.items()
        },
    )
    return mds2_bytes(document, ".xlsx")


@pytest.fixture
def hospital(site: Site) -> Browser:
    """A hospital analyst whose organization holds a published pump."""
    psirt = site.signed_in("psirt", Role.PRODUCT_SECURITY_OFFICER, OrganizationKind.MANUFACTURER)
    page = psirt.follow("/products/upload").text
    uploaded = psirt.post(
        "/products/upload", {"csrf_token": csrf_of(page)}, files={"file": ("p.yaml", PUMP)}
    )
    version = re.search(r"/versions/(\d+)", uploaded.headers["location"])
    assert version
    psirt.submit(f"/versions/{version.group(1)}", f"/versions/{version.group(1)}/publish", {})
    analyst = site.signed_in("analyst", Role.SECURITY_ANALYST, OrganizationKind.HEALTHCARE_PROVIDER)
    catalog = analyst.follow("/catalog").text
    product = re.search(r'action="/catalog/(\d+)/hold"', catalog)
    assert product
    analyst.submit("/catalog", f"/catalog/{product.group(1)}/hold", {})
    return analyst


def upload(browser: Browser, content: bytes, name: str = "acme.xlsx", label: str = "") -> str:
    page = browser.follow("/mds2").text
    response = browser.post(
        "/mds2/upload",
        {"csrf_token": csrf_of(page), "label": label, "product_id": ""},
        files={"file": (name, content)},
    )
    if response.status_code == 303:
        return browser.follow(response.headers["location"]).text
    return response.text


def test_a_vendor_spreadsheet_joins_the_fleet_and_answers_a_preset(hospital: Browser) -> None:
    page = upload(hospital, vendor_sheet(RMOT_1="Yes"), label="Bedside monitor")
    assert "The MDS2 was read and added." in text_of(page)
    result = hospital.follow("/mds2?preset=remote-service").text
    table = text_of(result.split('id="matches"', 1)[1].split("</table>", 1)[0])
    assert "Bedside monitor" in table and "RMOT-1 Yes" in table
    assert "of 2 MDS2s match" in text_of(result)


def test_conditions_typed_one_per_line(hospital: Browser) -> None:
    upload(hospital, vendor_sheet(MPII_2_2="Yes", STCF_1="No"), label="Old monitor")
    result = hospital.follow("/mds2?conditions=MPII-2.2%3DYes%0ASTCF-1%3DNo").text
    assert "Old monitor" in text_of(result.split('id="matches"', 1)[1])


def test_a_bad_condition_is_shown_at_the_field(hospital: Browser) -> None:
    response = hospital.get("/mds2?conditions=STCF-1%3Dperhaps")
    assert response.status_code == 422
    assert "'perhaps' is not an answer" in text_of(response.text)
    assert 'aria-invalid="true"' in response.text


def test_a_broken_file_is_refused_with_the_reason(hospital: Browser) -> None:
    page = upload(hospital, b"not a workbook", name="broken.xlsx")
    assert "There is a problem" in text_of(page)
    assert "broken.xlsx" in text_of(page)
    assert 'id="documents"' not in page


def test_compare_the_derived_mds2_with_a_vendor_sheet(hospital: Browser) -> None:
    upload(hospital, vendor_sheet(STCF_1="No"), label="Acme")
    page = hospital.follow("/mds2").text
    references = re.findall(r'<option value="((?:version|document):\d+)"', page)
    version = next(r for r in references if r.startswith("version:"))
    document = next(r for r in references if r.startswith("document:"))
    result = hospital.follow(f"/mds2/compare?before={version}&after={document}").text
    rows = text_of(result.split('id="differences"', 1)[1].split("</table>", 1)[0])
    assert "STCF-1" in rows


def test_deleting_a_document(hospital: Browser) -> None:
    page = upload(hospital, vendor_sheet(RMOT_1="Yes"), label="Gone soon")
    action = re.search(r'action="(/mds2/documents/\d+/delete)"', page)
    assert action
    response = hospital.submit("/mds2", action.group(1), {})
    assert response.headers["location"] == "/mds2?done=mds2-deleted"
    assert "Gone soon" not in hospital.follow("/mds2").text


def test_an_auditor_reads_but_cannot_upload(site: Site) -> None:
    auditor = site.signed_in("auditor", Role.AUDITOR, OrganizationKind.HEALTHCARE_PROVIDER)
    page = auditor.follow("/mds2").text
    assert 'action="/mds2/upload"' not in page
    response = auditor.post("/mds2/upload", {"csrf_token": csrf_of(page)})
    assert response.status_code == 403
