"""A site's network page: the zone diagram as inline SVG with its text alternative, the
flow map, rule downloads, and the conn.log upload with the violations table."""

from __future__ import annotations

import re

from defusedxml import ElementTree

from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.flows.sample import Connection, conn_log
from medsec.inventory import services as inventory
from medsec.inventory.schemas import SiteIn
from medsec.network.site_import import import_site

from .conftest import Browser, Site, text_of

SITE_FILE = """
site: Clinic
zones:
  - {name: wards, security_level: 2, cidrs: [10.1.0.0/16]}
  - {name: servers, security_level: 3, cidrs: [10.2.0.0/16]}
conduits:
  - name: wards-to-servers
    from_zone: wards
    to_zone: servers
    services: [{name: https, protocol: tcp, ports: [443]}]
assets:
  - {name: SN-1, zone: wards, addresses: [10.1.0.5]}
  - {name: SRV-1, zone: servers, addresses: [10.2.0.9]}
"""


def networked(site: Site) -> tuple[Browser, int]:
    browser = site.signed_in("biomed", Role.CLINICAL_ENGINEER, OrganizationKind.HEALTHCARE_PROVIDER)
    with site.instance.db.session() as session:
        user = session.query(User).filter_by(username="biomed").one()
        actor = actor_for(session, user, None, site.instance.auth, Context())
        row = inventory.create_site(session, actor, SiteIn(name="Clinic"))
        import_site(session, actor, row.id, SITE_FILE, "clinic.yaml")
        return browser, row.id


def test_the_page_shows_the_diagram_conduits_and_downloads(site: Site) -> None:
    browser, site_id = networked(site)
    page = browser.get(f"/inventory/sites/{site_id}/network")
    assert page.status_code == 200
    svg = re.search(r"<svg.*?</svg>", page.text, re.S)
    assert svg
    root = ElementTree.fromstring(svg.group(0))  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.find(f"{ns}title") is not None
    labels = [t.text for t in root.iter(f"{ns}text")]
    assert {"wards", "servers", "SL 3", "https (tcp 443)"} <= set(labels)
    text = text_of(page.text)
    assert "wards-to-servers" in text and "No log checked yet." in text
    rules = browser.get(f"/inventory/sites/{site_id}/network/rules/nftables")
    assert rules.status_code == 200 and "table inet" in rules.text
    yaml = browser.get(f"/inventory/sites/{site_id}/network/site.yaml")
    assert "wards-to-servers" in yaml.text


def test_an_uploaded_log_fills_the_violations_table(site: Site) -> None:
    browser, site_id = networked(site)
    page = f"/inventory/sites/{site_id}/network"
    log = conn_log([Connection(1700000000.0, "10.1.0.5", "10.2.0.9", 22)])
    token = re.search(r'name="csrf_token" value="([^"]*)"', browser.get(page).text)
    assert token
    answer = browser.post(
        f"{page}/flow-checks",
        {"csrf_token": token.group(1)},
        files={"file": ("conn.log", log.encode())},
    )
    assert answer.status_code == 303, answer.text
    shown = text_of(browser.follow(answer.headers["location"]).text)
    assert "1 flows read, 2 violations" in shown
    assert "SN-1 outbound 10.2.0.9 (SRV-1) tcp 22 unexpected-peer" in shown
    bad = browser.post(
        f"{page}/flow-checks",
        {"csrf_token": token.group(1)},
        files={"file": ("conn.log", b"\x00garbage")},
    )
    assert bad.status_code == 422 and "Error:" in bad.text


def test_a_site_file_is_imported_from_the_page(site: Site) -> None:
    browser, site_id = networked(site)
    page = f"/inventory/sites/{site_id}/network"
    token = re.search(r'name="csrf_token" value="([^"]*)"', browser.get(page).text)
    assert token
    changed = SITE_FILE.replace("ports: [443]", "ports: [443, 8443]")
    answer = browser.post(
        f"{page}/site-file",
        {"csrf_token": token.group(1)},
        files={"file": ("clinic.yaml", changed.encode())},
    )
    assert answer.status_code == 303, answer.text
    assert "https (tcp 443,8443)" in browser.follow(answer.headers["location"]).text
    bad = browser.post(
        f"{page}/site-file",
        {"csrf_token": token.group(1)},
        files={"file": ("bad.yaml", SITE_FILE.replace("10.1.0.5", "10.9.0.5").encode())},
    )
    assert bad.status_code == 422
    assert "bad.yaml:" in bad.text and "is not inside zone" in bad.text
