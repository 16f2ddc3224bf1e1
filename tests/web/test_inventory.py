"""The inventory in the browser: sites and zones, adding and editing assets (errors at
their fields), the asset page (profile link, events), filters, and the import form with
its per-row report. Plain form posts: no JavaScript needed."""

from __future__ import annotations

import re

import pytest

from medsec.accounts.roles import OrganizationKind, Role

from .conftest import Browser, Site, text_of

CSV = (
    "Serial Number;Manufacturer;Model;Firmware;IP Address;Zone;Criticality\n"
    "P-1;Northwind;LVP-3000;4.2.0;10.1.0.11;ICU;life-sustaining\n"
    "P-2;Northwind;LVP-3000;4.2.0;10.1.0.12;ICU;high\n"
)


@pytest.fixture
def biomed(site: Site) -> Browser:
    return site.signed_in("biomed", Role.CLINICAL_ENGINEER, OrganizationKind.HEALTHCARE_PROVIDER)


def add_site(browser: Browser, name: str = "Main campus") -> int:
    response = browser.submit(
        "/inventory/sites", "/inventory/sites", {"name": name, "timezone": "Europe/Berlin"}
    )
    assert response.headers["location"] == "/inventory/sites?done=site-created"
    page = browser.follow("/inventory/sites").text
    found = re.search(r'action="/inventory/sites/(\d+)/zones"', page)
    assert found
    site_id = int(found.group(1))
    added = browser.submit(
        "/inventory/sites",
        f"/inventory/sites/{site_id}/zones",
        {"name": "ICU", "security_level": "3", "cidrs": "10.1.0.0/24", "vlan_ids": "110"},
    )
    assert added.status_code == 303
    return site_id


def import_csv(browser: Browser, site_id: int, text: str, **extra: str) -> tuple[int, str]:
    page = browser.follow("/inventory/import").text
    token = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert token
    response = browser.post(
        "/inventory/import",
        {"csrf_token": token.group(1), "site_id": str(site_id), **extra},
        files={"file": ("pumps.csv", text.encode(), "text/csv")},
    )
    return response.status_code, response.text


def test_the_home_page_and_navigation_lead_to_the_inventory(biomed: Browser) -> None:
    home = biomed.follow("/").text
    assert 'href="/inventory"' in home.split('<nav aria-label="Main">', 1)[1]
    assert "Device inventory" in text_of(home)


def test_sites_show_their_zones(biomed: Browser) -> None:
    add_site(biomed)
    text = text_of(biomed.follow("/inventory/sites").text)
    assert "Main campus" in text and "Time zone Europe/Berlin" in text
    assert "ICU — SL 3 10.1.0.0/24 110" in text


def test_a_bad_time_zone_is_shown_at_its_field(biomed: Browser) -> None:
    response = biomed.submit(
        "/inventory/sites", "/inventory/sites", {"name": "X", "timezone": "Mars/Base"}
    )
    assert response.status_code == 422
    assert 'id="field-timezone-error"' in response.text
    assert "not an IANA time zone" in text_of(response.text)


def test_an_import_shows_the_row_report_and_a_reimport_changes_nothing(
    biomed: Browser,
) -> None:
    site_id = add_site(biomed)
    status, page = import_csv(biomed, site_id, CSV)
    assert status == 200
    assert "Imported into Main campus: 2 new, 0 updated, 0 unchanged." in text_of(page)
    status, page = import_csv(biomed, site_id, CSV)
    assert "0 new, 0 updated, 2 unchanged" in text_of(page)
    listing = text_of(biomed.follow("/inventory?criticality=life-sustaining").text)
    assert "1 asset." in listing and "P-1" in listing and "P-2" not in listing


def test_an_import_with_a_bad_row_imports_nothing_and_says_how_to_fix_it(
    biomed: Browser,
) -> None:
    site_id = add_site(biomed)
    bad = CSV + "P-3;Northwind;LVP-3000;4.2.0;10.1.0.300;ICU;high\n"
    status, page = import_csv(biomed, site_id, bad)
    assert status == 422
    text = text_of(page)
    assert "Nothing was imported: 1 problem(s) in 1 row(s)" in text
    assert "3 4 IP Address 10.1.0.300 '10.1.0.300' is not an IP address" in text
    assert "0 assets." in text_of(biomed.follow("/inventory").text)


def test_a_dry_run_writes_nothing(biomed: Browser) -> None:
    site_id = add_site(biomed)
    status, page = import_csv(biomed, site_id, CSV, dry_run="1")
    assert status == 200 and "Checked (dry run, nothing written)" in text_of(page)
    assert "0 assets." in text_of(biomed.follow("/inventory").text)


def test_add_edit_and_delete_an_asset(biomed: Browser) -> None:
    site_id = add_site(biomed)
    form = {
        "site_id": str(site_id),
        "zone_id": "",
        "serial": "CT-1",
        "vendor": "Fabrikam",
        "model": "Aurora 64",
        "firmware_version": "7.2.0",
        "configuration": "dual-source",
        "mac": "00:11:22:33:44:ZZ",
        "criticality": "high",
    }
    form_page = biomed.get("/inventory/assets/new").text
    assert '<label for="field-configuration">Configuration</label>' in form_page
    refused = biomed.submit("/inventory/assets/new", "/inventory/assets/new", form)
    assert refused.status_code == 422
    assert 'id="field-mac-error"' in refused.text and "not a MAC address" in refused.text
    form["mac"] = "0011.2233.4455"
    created = biomed.submit("/inventory/assets/new", "/inventory/assets/new", form)
    assert created.status_code == 303, created.text
    url = created.headers["location"].split("?")[0]
    page = text_of(biomed.follow(url).text)
    assert "MAC address 00:11:22:33:44:55" in page
    assert "Configuration dual-source" in page
    assert "Not linked" in page
    saved = biomed.submit(f"{url}/edit", f"{url}/edit", form | {"firmware_version": "7.2.1"})
    assert saved.status_code == 303
    events = text_of(biomed.follow(url).text)
    assert "firmware-changed 7.2.0 7.2.1 ui biomed" in events
    deleted = biomed.submit(url, f"{url}/delete", {})
    assert deleted.headers["location"] == "/inventory?done=asset-deleted"
    assert biomed.get(url).status_code == 404


def test_a_manufacturer_has_no_inventory_pages(site: Site) -> None:
    maker = site.signed_in("maker", Role.ADMIN, OrganizationKind.MANUFACTURER)
    response = maker.get("/inventory")
    assert response.status_code == 403
    assert "only healthcare-provider organizations keep a device inventory" in text_of(
        response.text
    )
    assert 'href="/inventory"' not in maker.follow("/").text


def test_another_hospitals_asset_is_not_found(site: Site, biomed: Browser) -> None:
    site_id = add_site(biomed)
    import_csv(biomed, site_id, CSV)
    found = re.search(r'href="/inventory/assets/(\d+)"', biomed.follow("/inventory").text)
    assert found
    other = site.signed_in("other", Role.ADMIN, OrganizationKind.HEALTHCARE_PROVIDER)
    assert other.get(f"/inventory/assets/{found.group(1)}").status_code == 404
