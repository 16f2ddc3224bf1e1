"""Seed a demo instance: a manufacturer with the example profiles published, a hospital
that holds those products and keeps one vendor's MDS2 spreadsheet, and one user per role
with a one-time password.

Later capabilities extend :func:`seed` with their own demo data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from medsec.accounts import services
from medsec.accounts.actor import Actor
from medsec.accounts.authentication import actor_for
from medsec.accounts.models import Organization, User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.publishing import demo as advisories_demo
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.audit.services import Context
from medsec.escalation import demo as recovery_demo
from medsec.findings.demo import seed_findings
from medsec.inventory import services as inventory
from medsec.inventory.schemas import AssetPatch, SiteIn, ZoneIn
from medsec.mds2 import derive
from medsec.mds2 import services as mds2
from medsec.mds2.export import mds2_bytes
from medsec.monitoring.demo_events import seed_device_events
from medsec.network.demo import seed_network
from medsec.products import services as products
from medsec.profiles.loader import load_profile
from medsec.sbom import services as sboms
from medsec.service import Instance
from medsec.updates.demo import seed_updates

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

MANUFACTURER = "Northwind Medical Group"
HOSPITAL = "St. Example University Hospital"

DEMO_USERS: list[tuple[str, str, Role]] = [
    (MANUFACTURER, "mfr-admin", Role.ADMIN),
    (MANUFACTURER, "psirt", Role.PRODUCT_SECURITY_OFFICER),
    (HOSPITAL, "hospital-admin", Role.ADMIN),
    (HOSPITAL, "analyst", Role.SECURITY_ANALYST),
    (HOSPITAL, "biomed", Role.CLINICAL_ENGINEER),
    (HOSPITAL, "auditor", Role.AUDITOR),
]


@dataclass(frozen=True)
class DemoLogin:
    organization: str
    username: str
    role: Role
    password: str


def example_profiles() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))


def _seed_actor(session: Session, instance: Instance, user: User) -> Actor:
    actor = actor_for(session, user, None, instance.auth, Context.cli("demo"))
    # Seeding publishes on the operator's behalf: treat it as freshly authenticated.
    return replace(actor, recently_authenticated=True)


def seed(instance: Instance) -> list[DemoLogin]:
    context = Context.cli("demo")
    logins: list[DemoLogin] = []
    with instance.db.session() as session:
        orgs: dict[str, Organization] = {
            MANUFACTURER: services.create_organization(
                session, MANUFACTURER, OrganizationKind.MANUFACTURER, context
            ),
            HOSPITAL: services.create_organization(
                session, HOSPITAL, OrganizationKind.HEALTHCARE_PROVIDER, context
            ),
        }
        users: dict[str, User] = {}
        for org_name, username, role in DEMO_USERS:
            password = services.issue_temporary_password()
            users[username] = services.create_local_user(
                session,
                orgs[org_name],
                services.NewUser(username, role),
                password,
                context,
                temporary=True,
                hasher=instance.auth.hasher,
            )
            logins.append(DemoLogin(org_name, username, role, password))
        psirt = _seed_actor(session, instance, users["psirt"])
        analyst = _seed_actor(session, instance, users["analyst"])
        for path in example_profiles():
            version = products.upload(session, psirt, path.name, path.read_bytes())
            _attach_example_sbom(session, psirt, version.id, path)
            products.publish(session, psirt, version.id)
            products.hold(session, analyst, version.product_id)
        _seed_vendor_mds2(session, analyst)
        biomed = _seed_actor(session, instance, users["biomed"])
        seed_inventory(session, biomed)
        # findings before the update plan: each planned task lists the findings it closes
        seed_findings(session, psirt, analyst, biomed)
        seed_updates(session, psirt, biomed, DEMO_SITE)
        seed_network(session, biomed, DEMO_SITE)
        recovery_demo.seed(session, lambda name: _seed_actor(session, instance, users[name]))
        advisories_demo.seed(
            session,
            psirt,
            ProviderTarget.from_settings(instance.settings),
            f"{MANUFACTURER} PSIRT <psirt@northwind.example>",
        )
        hospital_id = orgs[HOSPITAL].id
    seed_device_events(instance.db, hospital_id)
    return logins


DEMO_SITE = "Main campus"

#: (zone, purpose, target SL, CIDR, VLAN).
DEMO_ZONES = [
    ("ICU", "Intensive care: infusion pumps, monitors", 3, "10.20.10.0/24", 110),
    ("Ward 4B", "General ward: infusion pumps", 2, "10.20.40.0/24", 140),
    ("Radiology", "Imaging modalities", 3, "10.30.0.0/24", 300),
    ("Data centre", "Clinical servers (PACS, EHR interfaces)", 3, "10.40.0.0/24", 400),
]

#: Assets of the example products; their versions match the published profiles, so the
#: links are made by matching vendor, model and firmware version.
DEMO_ASSETS: list[dict[str, str]] = [
    *(
        {
            "serial": f"LVP3-{n:05d}",
            "vendor": "Northwind Infusion Systems",
            "model": "LVP-3000",
            "firmware_version": "4.2.1",
            "hardware_revision": "B" if n % 2 else "C",
            # The profile's wlan0: the configuration releases name (a wired-only pump
            # would be "ethernet").
            "configuration": "wifi",
            "ip_addresses": f"10.20.{10 if n < 4 else 40}.{20 + n}",
            "mac": f"00:1b:7a:00:10:{n:02x}",
            "zone": "ICU" if n < 4 else "Ward 4B",
            "location": f"{'ICU' if n < 4 else 'Ward 4B'} bed {n}",
            "owner": "Biomedical engineering",
            "criticality": "life-sustaining" if n < 4 else "high",
        }
        for n in range(1, 7)
    ),
    {
        "serial": "AUR-128-0042",
        "vendor": "Fabrikam Medical Imaging",
        "model": "Aurora 128",
        "firmware_version": "7.2.1",
        "ip_addresses": "10.30.0.15",
        "mac": "00:50:56:30:00:15",
        "hostname": "ct1.radiology.example-hospital.org",
        "zone": "Radiology",
        "location": "CT room 1",
        "owner": "Radiology",
        "criticality": "high",
    },
    {
        "serial": "VISTA-ENT-7781",
        "vendor": "Contoso Health Imaging",
        "model": "Vista PACS Enterprise",
        "firmware_version": "12.4.0",
        "ip_addresses": "10.40.0.21; 10.40.0.22",
        "hostname": "pacs.example-hospital.org",
        "zone": "Data centre",
        "location": "Data centre rack B3",
        "owner": "Clinical IT",
        "criticality": "high",
    },
]


def seed_inventory(session: Session, engineer: Actor) -> None:
    """The hospital's site with zones and assets; one pump was updated from 4.2.0."""
    site = inventory.create_site(
        session,
        engineer,
        SiteIn(name=DEMO_SITE, timezone="Europe/Berlin", address="1 Example Street"),
    )
    zones = {}
    for name, purpose, level, cidr, vlan in DEMO_ZONES:
        zone = inventory.add_zone(
            session,
            engineer,
            site.id,
            ZoneIn(name=name, purpose=purpose, security_level=level, cidrs=[cidr], vlan_ids=[vlan]),
        )
        zones[name] = zone.id
    for values in DEMO_ASSETS:
        fields: dict[str, object] = {k: v for k, v in values.items() if k != "zone"}
        updated_later = values["serial"] == "LVP3-00001"
        if updated_later:
            fields["firmware_version"] = "4.2.0"
        asset = inventory.create_asset(
            session, engineer, site.id, zones[values["zone"]], fields, source="demo"
        )
        if updated_later:
            inventory.update_asset(
                session, engineer, asset.id, AssetPatch(firmware_version="4.2.1"), source="demo"
            )
        if values["serial"] == DEMO_CT_SERIAL:
            sbom = DEMO_SBOMS / "ct-scanner-7.2.1.cdx.json"
            source, document = sboms.read_file(sbom, sbom.name)
            sboms.attach_to_asset(session, engineer, asset.id, source, document)


#: Example SBOMs, one per example profile (``<profile stem>-<version>.cdx.json``).
DEMO_SBOMS = EXAMPLES / "sbom"
DEMO_CT_SERIAL = "AUR-128-0042"


def _attach_example_sbom(session: Session, psirt: Actor, version_id: int, profile: Path) -> None:
    version = products.get_version(session, psirt, version_id)
    path = DEMO_SBOMS / f"{profile.stem}-{version.version}.cdx.json"
    if path.is_file():
        source, document = sboms.read_file(path, path.name)
        sboms.attach_to_version(session, psirt, version_id, source, document)


#: A device of a manufacturer that does not use medsec: the hospital only has its MDS2
#: spreadsheet. Made here from the deliberately weak example profile.
VENDOR_MDS2_PROFILE = EXAMPLES / "weak" / "infusion-pump-weak.yaml"


def _seed_vendor_mds2(session: Session, analyst: Actor) -> None:
    sheet = mds2_bytes(derive(load_profile(VENDOR_MDS2_PROFILE)), ".xlsx")
    mds2.upload(
        session,
        analyst,
        "acme-infusion-pump-mds2.xlsx",
        sheet,
        label="Acme infusion pump (vendor MDS2)",
    )
