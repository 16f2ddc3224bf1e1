"""Vulnerability findings in the browser: the fleet page (chart, table, filters), a
finding's evidence page with the triage form, and a version's findings with the VEX
upload."""

from __future__ import annotations

import dataclasses
import re

import pytest

from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.db.base import utcnow
from medsec.findings import vex
from medsec.findings.demo import PUMP_VEX, seed_store
from medsec.inventory import services as inventory
from medsec.inventory.models import Asset, Zone
from medsec.inventory.schemas import SiteIn
from medsec.network.models import Conduit, ZoneNetwork
from medsec.products import services as products
from medsec.sbom import services as sboms
from medsec.vulns.sources.csaf import parse_advisory
from medsec.vulns.store import import_csaf

from .conftest import EXAMPLES, Browser, Site, csrf_of, text_of

PUMP = EXAMPLES / "infusion-pump.yaml"
PUMP_SBOM = EXAMPLES / "sbom" / "infusion-pump-4.2.1.cdx.json"


@dataclasses.dataclass
class Fleet:
    site: Site
    version: int
    pump: int


def _actor(site: Site, user_id: int) -> object:
    with site.instance.db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        actor = actor_for(session, user, None, site.instance.auth, Context())
    return dataclasses.replace(actor, recently_authenticated=True)


@pytest.fixture
def fleet(site: Site) -> Fleet:
    maker = site.organization("Northwind", OrganizationKind.MANUFACTURER)
    psirt: object = _actor(site, site.user(maker, "psirt", Role.PRODUCT_SECURITY_OFFICER))
    hospital = site.organization("Clinic", OrganizationKind.HEALTHCARE_PROVIDER)
    analyst: object = _actor(site, site.user(hospital, "analyst", Role.SECURITY_ANALYST))
    with site.instance.db.session() as session:
        version = products.upload(session, psirt, PUMP.name, PUMP.read_bytes())  # type: ignore[arg-type]
        source, document = sboms.read_file(PUMP_SBOM, PUMP_SBOM.name)
        sboms.attach_to_version(session, psirt, version.id, source, document)  # type: ignore[arg-type]
        products.publish(session, psirt, version.id)  # type: ignore[arg-type]
        products.hold(session, analyst, version.product_id)  # type: ignore[arg-type]
        place = inventory.create_site(session, analyst, SiteIn(name="Main"))  # type: ignore[arg-type]
        fields = {
            "serial": "LVP3-1",
            "vendor": "Northwind Infusion Systems",
            "model": "LVP-3000",
            "firmware_version": "4.2.1",
            "criticality": "high",
        }
        pump = inventory.create_asset(session, analyst, place.id, None, fields)  # type: ignore[arg-type]
        seed_store(session)
        vex.attach(session, psirt, version.id, PUMP_VEX.read_bytes(), PUMP_VEX.name)  # type: ignore[arg-type]
        return Fleet(site, version.id, pump.id)


def signed_in(fleet: Fleet, username: str) -> Browser:
    browser = fleet.site.browser()
    assert browser.login(username).status_code == 303
    return browser


def test_the_fleet_page_shows_counts_by_priority_and_the_findings(fleet: Fleet) -> None:
    browser = signed_in(fleet, "analyst")
    page = browser.follow("/findings").text
    text = text_of(page)
    assert '<a href="/findings" aria-current="page">Vulnerabilities</a>' in page
    assert "<svg" in page and "Findings by priority, as a table" in text
    assert "1 of 1 devices have an SBOM" in text
    assert "CVE-2026-40010" in text and "not_affected" in text  # cleared by Northwind's VEX
    assert "CVE-2026-40011" in text and "Install firmware 4.2.2" in text
    affected = text_of(browser.follow("/findings?state=affected").text)
    assert "CVE-2026-40011" in affected and "CVE-2026-40010" not in affected


def test_a_finding_page_shows_the_evidence_and_records_a_triage(fleet: Fleet) -> None:
    browser = signed_in(fleet, "analyst")
    listing = browser.follow("/findings").text
    link = re.search(r'href="(/inventory/assets/\d+/findings/\d+/CVE-2026-40011)"', listing)
    assert link
    page = browser.follow(link.group(1)).text
    text = text_of(page)
    assert "low confidence" in text and "versionEndExcluding" not in text
    assert "cpe:2.3:a:zlib:zlib" in text and "with version < 1.3" in text
    assert "manufacturer: Northwind Infusion Systems PSIRT" in text
    assert "clinical criticality high: +1" in text
    action = f"{link.group(1)}/triage"
    refused = browser.post(action, {"csrf_token": csrf_of(page), "status": "not_affected"})
    assert refused.status_code == 422 and "needs a justification" in text_of(refused.text)
    done = browser.post(
        action,
        {
            "csrf_token": csrf_of(page),
            "status": "not_affected",
            "justification": "inline_mitigations_already_exist",
            "note": "pump server link filtered",
        },
    )
    assert done.status_code == 303
    after = text_of(browser.follow(done.headers["location"]).text)
    assert "The triage decision was recorded." in after
    assert "hospital: analyst" in after and "pump server link filtered" in after


def test_the_manufacturer_sees_its_versions_findings_and_attaches_vex(fleet: Fleet) -> None:
    browser = signed_in(fleet, "psirt")
    url = f"/versions/{fleet.version}/findings"
    page = browser.follow(url).text
    text = text_of(page)
    assert "2 statements about this version, 1 about other products left out" in text
    again = browser.post(
        f"/versions/{fleet.version}/vex",
        {"csrf_token": csrf_of(page)},
        files={"file": (PUMP_VEX.name, PUMP_VEX.read_bytes(), "application/json")},
    )
    assert again.status_code == 409 and "already attached" in text_of(again.text)
    version_page = text_of(browser.follow(f"/versions/{fleet.version}").text)
    assert "Vulnerability findings" in version_page


def test_a_finding_page_lists_the_zone_exposure_among_the_priority_factors(
    fleet: Fleet,
) -> None:
    with fleet.site.instance.db.session() as session:
        pump = session.get(Asset, fleet.pump)
        assert pump is not None
        internet = Zone(site_id=pump.site_id, name="Internet")
        dmz = Zone(site_id=pump.site_id, name="DMZ")
        session.add_all([internet, dmz])
        session.flush()
        session.add(ZoneNetwork(zone_id=internet.id, internet=True))
        https = [{"protocol": "tcp", "ports": [443]}]
        session.add(
            Conduit(site_id=pump.site_id, name="in", from_zone_id=internet.id, to_zone_id=dmz.id,
                    services=https)
        )  # fmt: skip
        pump.zone_id, pump.updated_at = dmz.id, utcnow()
        session.commit()
    browser = signed_in(fleet, "analyst")
    listing = browser.follow("/findings").text
    link = re.search(r'href="(/inventory/assets/\d+/findings/\d+/CVE-2026-40011)"', listing)
    assert link
    text = text_of(browser.follow(link.group(1)).text)
    assert "zone exposure internet: +1.5" in text and "clinical criticality high: +1" in text


def test_a_finding_page_names_the_manufacturers_advisory_its_priority_came_from(
    fleet: Fleet,
) -> None:
    advisory = {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "publisher": {
                "category": "vendor",
                "name": "Northwind PSIRT",
                "namespace": "https://northwind.example",
            },
            "title": "zlib in the LVP 3000",
            "tracking": {
                "id": "NW-2026-07",
                "current_release_date": "2026-11-01T00:00:00Z",
                "initial_release_date": "2026-11-01T00:00:00Z",
                "revision_history": [],
                "status": "final",
                "version": "3",
            },
        },
        "product_tree": {
            "branches": [
                {"category": "vendor", "name": "Northwind Infusion Systems", "branches": [
                    {"category": "product_name", "name": "LVP-3000", "branches": [
                        {"category": "product_version", "name": "4.2.1",
                         "product": {"name": "LVP-3000 4.2.1", "product_id": "P"}}]}]}
            ]
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2026-40011",
                "product_status": {"known_affected": ["P"]},
                "threats": [{"category": "impact", "details": "Critical", "product_ids": ["P"]}],
            }
        ],
    }  # fmt: skip
    with fleet.site.instance.db.session() as session:
        import_csaf(session, [parse_advisory(advisory, "nw-2026-07.json")])
    browser = signed_in(fleet, "analyst")
    listing = browser.follow("/findings").text
    link = re.search(r'href="(/inventory/assets/\d+/findings/\d+/CVE-2026-40011)"', listing)
    assert link
    text = text_of(browser.follow(link.group(1)).text)
    assert (
        "manufacturer priority critical (advisory NW-2026-07 version 3 of Northwind PSIRT: "
        'impact threat "Critical"): +2'
    ) in text
