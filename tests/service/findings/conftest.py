"""A pump manufacturer with a published version 4.2.1 carrying an SBOM, a hospital holding
the pump with two devices linked to it (and one with an SBOM of its own), a second
hospital, and a small vulnerability store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from medsec.accounts.actor import Actor
from medsec.accounts.roles import OrganizationKind, Role
from medsec.findings import cache
from medsec.sbom import importing
from medsec.sbom import services as sboms
from medsec.vulns.records import Record
from medsec.vulns.store import import_osv

PUMP_PURL = "pkg:generic/northwind/lvp-3000@4.2.1"


def cyclonedx(
    components: list[dict[str, Any]], product: str = "Pump firmware", purl: str = PUMP_PURL
) -> bytes:
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "metadata": {
                "component": {
                    "type": "firmware",
                    "bom-ref": "fw",
                    "name": product,
                    "version": purl.rpartition("@")[2] if "@" in purl else "4.2.1",
                    "purl": purl,
                }
            },
            "components": components,
        }
    ).encode()


def pypi(name: str, version: str | None = None, **extra: Any) -> dict[str, Any]:
    purl = f"pkg:pypi/{name}" + (f"@{version}" if version else "")
    found = {"type": "library", "bom-ref": name, "name": name, "purl": purl, **extra}
    return found | ({"version": version} if version else {})


PUMP_COMPONENTS = [pypi("jinja2", "2.10"), pypi("requests", "2.31.0"), pypi("pydicom")]


def record(
    rid: str, name: str, fixed: str, alias: str | None = None, vector: str | None = None
) -> Record:
    data: dict[str, Any] = {
        "id": rid,
        "modified": "2026-01-01T00:00:00Z",
        "aliases": [alias] if alias else [],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }
    if vector:
        data["severity"] = [{"type": "CVSS_V3", "score": vector}]
    return Record.model_validate(data)


RECORDS = [
    record(
        "PYSEC-T-1",
        "jinja2",
        "2.11",
        "CVE-2026-1001",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    ),
    record("PYSEC-T-2", "requests", "2.20"),
    record("PYSEC-T-3", "pydicom", "2.4.5", "CVE-2026-1003"),
]


@dataclass
class World:
    make: Any
    psirt: Actor
    version: int
    other_version: int
    analyst: Actor
    auditor: Actor
    engineer: Actor
    site: int
    pumps: list[int]
    own: int
    other_hospital: Actor
    other_asset: int
    rival: Actor

    def attach_version(self, version: int, data: bytes) -> None:
        with self.make.session() as session:
            source = importing.source_of_bytes(data, "bom.json")
            document = importing.document_of_bytes(data, "bom.json")
            sboms.attach_to_version(session, self.psirt, version, source, document)

    def attach_asset(self, asset: int, data: bytes) -> None:
        with self.make.session() as session:
            source = importing.source_of_bytes(data, "asset.json")
            document = importing.document_of_bytes(data, "asset.json")
            sboms.attach_to_asset(session, self.engineer, asset, source, document)

    def records(self, records: list[Record]) -> None:
        with self.make.session() as session:
            import_osv(session, records)


@pytest.fixture
def world(make: Any) -> World:
    cache.clear()
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    draft = make.upload(psirt, version="4.2.1")
    w_version = draft.id
    other = make.upload(psirt, version="4.3.0")
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    analyst = make.actor(make.user(clinic, Role.SECURITY_ANALYST))
    engineer = make.actor(make.user(clinic, Role.CLINICAL_ENGINEER))
    elsewhere = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Elsewhere")
    other_admin = make.actor(make.user(elsewhere, Role.ADMIN))
    south = make.organization(OrganizationKind.MANUFACTURER, name="South")
    w = World(
        make=make,
        psirt=psirt,
        version=w_version,
        other_version=other.id,
        analyst=analyst,
        auditor=make.actor(make.user(clinic, Role.AUDITOR)),
        engineer=engineer,
        site=0,
        pumps=[],
        own=0,
        other_hospital=other_admin,
        other_asset=0,
        rival=make.actor(make.user(south, Role.PRODUCT_SECURITY_OFFICER), recent=True),
    )
    w.attach_version(w_version, cyclonedx(PUMP_COMPONENTS))
    make.publish(psirt, draft)
    make.hold(analyst, draft.product_id)
    site = make.site(analyst, "Main campus")
    w.site = site.id
    w.pumps = [
        make.asset(analyst, site.id, f"LVP-{n}", firmware_version="4.2.1",
                   product_version_id=w_version, criticality=level).id
        for n, level in ((1, "life-sustaining"), (2, "low"))
    ]  # fmt: skip
    w.own = make.asset(analyst, site.id, "LVP-OWN", firmware_version="4.2.1",
                       product_version_id=w_version).id  # fmt: skip
    w.attach_asset(w.own, cyclonedx([pypi("jinja2", "3.0.0"), pypi("pydicom", "2.4.0")]))
    make.hold(other_admin, draft.product_id)
    other_site = make.site(other_admin, "Elsewhere")
    w.other_asset = make.asset(other_admin, other_site.id, "LVP-X", firmware_version="4.2.1",
                               product_version_id=w_version).id  # fmt: skip
    w.records(RECORDS)
    return w
