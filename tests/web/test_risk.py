"""Risk worksheets in the browser: create one, sign it off right after logging in, and a
change to the signed-off worksheet makes revision 2."""

from __future__ import annotations

import re

from medsec.accounts.roles import OrganizationKind, Role

from .conftest import Site, text_of

FORM = {
    "title": "Pump ↔ pump server", "asset_id": "", "counterpart_asset_id": "",
    "counterpart": "pump server", "framework": "tara",
    "threats": "tampered drug library\ncredential theft", "safety_impact": "wrong limits",
    "controls": "Signed libraries only", "likelihood": "4", "impact": "5",
    "residual_likelihood": "2", "residual_impact": "5", "residual_note": "accepted",
}  # fmt: skip


def test_create_sign_off_and_revise(site: Site) -> None:
    analyst = site.signed_in("ana", Role.SECURITY_ANALYST, OrganizationKind.HEALTHCARE_PROVIDER)
    refused = analyst.submit("/risk/new", "/risk/new", FORM)  # no device named
    assert refused.status_code == 422
    assert "needs a device" in text_of(refused.text)
    site_made = analyst.submit(
        "/inventory/sites", "/inventory/sites", {"name": "Main", "timezone": "UTC"}
    )
    assert site_made.status_code == 303
    page = analyst.follow("/inventory/assets/new").text
    site_id = re.search(r'name="site_id"[^>]*>\s*<option value="(\d+)"', page)
    assert site_id, page[:2000]
    added = analyst.submit(
        "/inventory/assets/new", "/inventory/assets/new",
        {"site_id": site_id.group(1), "serial": "P-1", "vendor": "Northwind", "model": "LVP"},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    asset_id = added.headers["location"].rsplit("/", 1)[-1].split("?")[0]
    created = analyst.submit("/risk/new", "/risk/new", FORM | {"asset_id": asset_id})
    assert created.status_code == 303, created.text
    path = created.headers["location"]
    sheet = text_of(analyst.follow(path).text)
    assert "likelihood 4 × impact 5: critical" in sheet and "Status draft" in sheet
    signed = analyst.submit(path, f"{path}/sign-off", {})
    assert signed.status_code == 303, signed.text
    assert "Status signed-off by ana" in text_of(analyst.follow(path).text)
    revised = analyst.submit(
        f"{path}/edit", f"{path}/edit", FORM | {"asset_id": asset_id, "residual_impact": "3"}
    )
    assert revised.status_code == 303
    assert revised.headers["location"] != path
    again = text_of(analyst.follow(revised.headers["location"]).text)
    assert "revision 2" in again and "Status draft" in again
    assert "Status signed-off" in text_of(analyst.follow(path).text)  # the signed one stays
