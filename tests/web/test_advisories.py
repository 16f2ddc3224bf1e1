"""Advisories in the browser: a manufacturer writes one in a form (products from its
profiles), checks it — readability of each note against the target grade, long sentences
and jargon, CSAF validation — saves, publishes with a recent login; a hospital holding the
product sees it among its received advisories and acknowledges it; the manufacturer sees
who was notified and who acknowledged."""

from __future__ import annotations

import re

import pytest

from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.signing.openpgp import KeyStore

from .conftest import EXAMPLES, Browser, Site, csrf_of, later, text_of

PUMP = (EXAMPLES / "infusion-pump.yaml").read_text()
LONG = (
    "The pump accepts a malformed status request from any computer on the hospital network "
    "that can reach it and the request makes the link service restart again and again "
    "until someone notices it."
)


@pytest.fixture
def psirt(site: Site) -> Browser:
    site.instance.settings.base_url = "https://psirt.example.com"
    store = KeyStore(site.instance.settings.data_dir, site.instance.settings.resolved_secret_key())
    store.create("Northwind PSIRT <psirt@northwind.example>")
    return site.signed_in("psirt", Role.PRODUCT_SECURITY_OFFICER, OrganizationKind.MANUFACTURER)


@pytest.fixture
def hospital(site: Site) -> Browser:
    return site.signed_in("analyst", Role.SECURITY_ANALYST, OrganizationKind.HEALTHCARE_PROVIDER)


def published_pump(psirt: Browser) -> int:
    """Upload and publish the pump profile (4.2.1); the product id."""
    page = psirt.follow("/products/upload")
    response = psirt.post(
        "/products/upload",
        {"csrf_token": csrf_of(page.text)},
        files={"file": ("pump.yaml", PUMP.encode(), "application/yaml")},
    )
    version = int(response.headers["location"].split("/")[2].split("?")[0])
    psirt.submit(f"/versions/{version}", f"/versions/{version}/publish", {})
    found = re.search(r'href="/products/(\d+)/updates"', psirt.follow(f"/versions/{version}").text)
    assert found
    return int(found.group(1))


def fields(product: int, **extra: str) -> dict[str, object]:
    return {
        "tracking_id": "NWIS-2026-004",
        "title": "The pump can be stopped over the hospital network",
        "status": "final",
        "tlp": "WHITE",
        "publisher_name": "Northwind Infusion Systems",
        "publisher_namespace": "https://www.northwind-infusion.example",
        "version": [f"{product}|4.2.1"],
        "extra_" + str(product): "4.2.2",
        "note_summary": "Someone on the hospital network can stop the pump's network link. "
        "Install 4.2.2.",
        "note_details": LONG + " It is a denial of service.",
        "vulnerability_rows": "1",
        "v0_title": "Link service stops on a malformed status request",
        "v0_cve": "CVE-2026-31337",
        "v0_description": "A status request with a wrong length makes the link service restart.",
        "v0_cvss_v3": "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "v0_remediation_rows": "1",
        "v0_r0_category": "vendor_fix",
        "v0_r0_details": "Install version 4.2.2 from the pump server's update page.",
        "v0_r0_url": "https://psirt.northwind-infusion.example/updates/4.2.2",
        "revision_summary": "First release.",
        "target_grade": "9",
        **extra,
    }


def test_check_shows_readability_per_note_and_saves_nothing(psirt: Browser) -> None:
    product = published_pump(psirt)
    form = psirt.follow("/advisories/new").text
    assert f'value="{product}|4.2.1"' in form
    response = psirt.post(
        "/advisories/new", {"csrf_token": csrf_of(form), "action": "check", **fields(product)}
    )
    assert response.status_code == 200, text_of(response.text)
    text = text_of(response.text)
    # The details note: one long sentence, flagged, and the jargon with its plain words.
    details = re.search(r'id="readability-notes-details".*?</div>', response.text, re.S)
    assert details
    box = text_of(details.group(0))
    assert "above the target 9" in box
    assert f"({len(LONG.split())} words) {LONG}" in box
    assert "“denial of service” — say “stopping the device or service from working”" in box
    summary = re.search(r'id="readability-notes-summary".*?</div>', response.text, re.S)
    assert summary and "at or below the target 9" in text_of(summary.group(0))
    # Statuses were not chosen yet: the check says so, in CSAF's words.
    assert "Nothing was saved" in text
    assert "give at least one product a status" in text
    assert "No advisories yet" in text_of(psirt.follow("/advisories").text)


def test_a_manufacturer_writes_checks_publishes_and_sees_the_acknowledgement(
    site: Site, psirt: Browser, hospital: Browser
) -> None:
    product = published_pump(psirt)
    hospital.submit("/catalog", f"/catalog/{product}/hold", {})
    form = psirt.follow("/advisories/new").text
    saved = psirt.post(
        "/advisories/new", {"csrf_token": csrf_of(form), "action": "save", **fields(product)}
    )
    assert saved.status_code == 303, text_of(saved.text)
    advisory = int(saved.headers["location"].split("/")[2].split("?")[0])

    # The saved draft's status table lists the chosen versions; set them and check.
    edit = psirt.follow(f"/advisories/{advisory}/edit").text
    assert 'name="v0_status__northwind-lvp-3000@4.2.1"' in edit
    statuses = {
        "v0_status__northwind-lvp-3000@4.2.1": "known_affected",
        "v0_status__northwind-lvp-3000@4.2.2": "fixed",
    }
    checked = psirt.post(
        f"/advisories/{advisory}/edit",
        {"csrf_token": csrf_of(edit), "action": "check", **fields(product, **statuses)},
    )
    assert "publishing it now gives version 1.0.0" in text_of(checked.text)
    psirt.submit(
        f"/advisories/{advisory}/edit",
        f"/advisories/{advisory}/edit",
        {"action": "save", **fields(product, **statuses)},
    )

    # Publishing needs a recent login.
    with later(site.instance.settings.reauth_minutes + 1):
        stale = psirt.submit(f"/advisories/{advisory}", f"/advisories/{advisory}/publish", {})
        assert stale.status_code == 401
    published = psirt.submit(f"/advisories/{advisory}", f"/advisories/{advisory}/publish", {})
    assert published.status_code == 303, text_of(published.text)
    page = text_of(psirt.follow(published.headers["location"]).text)
    assert "The advisory was published and its customers were notified." in page
    assert "analyst org 1.0.0 holds the product 1" in page
    assert "not yet" in page

    # It is in the provider for every downloader.
    index = psirt.follow("/.well-known/csaf/white/index.txt").text
    assert re.fullmatch(r"\d{4}/nwis-2026-004\.json\n", index), index

    # The hospital reads it and acknowledges it.
    received = text_of(hospital.follow("/advisories/received").text)
    assert "NWIS-2026-004 : The pump can be stopped over the hospital network" in received
    assert "you hold the product" in received
    done = hospital.submit(
        f"/advisories/received/{advisory}", f"/advisories/received/{advisory}/acknowledge", {}
    )
    assert done.status_code == 303
    after = text_of(hospital.follow(f"/advisories/received/{advisory}").text)
    assert "Acknowledged" in after and "by analyst" in after
    assert "Acknowledge NWIS-2026-004" not in after
    assert "by analyst" in text_of(psirt.follow(f"/advisories/{advisory}").text)


def test_the_navigation_offers_advisories_by_kind_of_organization(
    psirt: Browser, hospital: Browser
) -> None:
    assert 'href="/advisories"' in psirt.follow("/").text
    assert 'href="/advisories/received"' in hospital.follow("/").text
    assert hospital.get("/advisories").headers["location"] == "/advisories/received"
    assert hospital.get("/advisories/new").status_code == 403
