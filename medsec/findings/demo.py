"""Findings in the demo: a small vulnerability store, the pump manufacturer's VEX, the
PACS server's installed-software SBOM and one triage decision.

What the fleet page then shows (all records are demo records, ``DEMO-…``/``CVE-2026-4…``):

- the six pumps (product version 4.2.1's SBOM): zlib affected (CPE match, low
  confidence) with the manufacturer's action statement; OpenSSL *not affected* per
  Northwind's VEX (vulnerable code not in execute path);
- the CT scanner (its own SBOM): Newtonsoft.Json affected and known exploited (KEV),
  OpenSSL affected (no VEX from its maker);
- the PACS server (its own SBOM): pydicom *unknown version*, Jinja2 triaged by the
  analyst as not affected (inline mitigations).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.findings import decisions, services, vex
from medsec.inventory import services as inventory
from medsec.products import services as products
from medsec.sbom import services as sboms
from medsec.vulns.sources.kev import read_kev
from medsec.vulns.sources.nvd import read_nvd
from medsec.vulns.sources.osv import read_records
from medsec.vulns.store import import_kev, import_nvd, import_osv
from medsec.vulns.vex.model import Justification, VexStatus

DATA = Path(__file__).resolve().parents[2] / "examples" / "findings"
PUMP_VEX = DATA / "lvp-3000-4.2.1.openvex.json"
PACS_SBOM = DATA / "pacs-server-installed.cdx.json"
PACS_SERIAL = "VISTA-ENT-7781"


def seed_store(session: Session) -> None:
    """The demo vulnerability store: OSV records, NVD CVEs (CPE matching) and KEV."""
    import_osv(session, list(read_records(DATA / "osv")))
    import_nvd(session, list(read_nvd(DATA / "nvd-cves.json")))
    import_kev(session, read_kev(DATA / "kev.json"))


def seed_findings(session: Session, psirt: Actor, analyst: Actor, engineer: Actor) -> None:
    seed_store(session)
    pump = next(
        v
        for p in products.list_products(session, psirt)
        for v in p.versions
        if p.name == "Northwind LVP 3000" and v.version == "4.2.1"
    )
    vex.attach(session, psirt, pump.id, PUMP_VEX.read_bytes(), PUMP_VEX.name)
    pacs = inventory.asset_by_serial(session, engineer.organization_id, PACS_SERIAL)
    if pacs is None:
        return
    source, document = sboms.read_file(PACS_SBOM, PACS_SBOM.name)
    sboms.attach_to_asset(session, engineer, pacs.id, source, document)
    session.flush()
    found = services.asset_findings(session, analyst, pacs.id)
    jinja = next(i for i in found.items if i.finding.component.name == "Jinja2")
    decisions.record_triage(
        session,
        analyst,
        pacs.id,
        jinja.component_id,
        jinja.finding.vulnerability,
        decisions.TriageDecision(
            VexStatus.NOT_AFFECTED,
            Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
            "Report templates are shipped read-only with the server; no user-supplied "
            "templates are rendered (checked with Contoso support, case 88213).",
        ),
    )
