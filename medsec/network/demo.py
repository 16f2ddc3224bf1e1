"""The network part of ``medsec demo``: conduits and endpoint bindings for the demo site
(in the spirit of ``examples/site/st-example.yaml``: the Radiology → Data centre conduit
leaves out DICOM port 11112, so the CT's image sends are a conflict), and one stored
check of a small generated conn.log with a few violations, so the site's network page
shows a diagram, to-dos, conflicts and violations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.errors import NotFound
from medsec.flows import services as flow_checks
from medsec.flows.sample import Connection, conn_log
from medsec.inventory import services as inventory
from medsec.network import services
from medsec.network.schemas import BindingIn, ConduitIn, ConduitServiceIn

PUMPLINK = ConduitServiceIn(name="northwind-pumplink", protocol="tcp", ports=[8443])
NTP = ConduitServiceIn(name="ntp", protocol="udp", ports=[123])

#: (name, from zone, to zone, services, description).
CONDUITS = [
    ("icu-to-datacentre", "ICU", "Data centre", [PUMPLINK, NTP], None),
    ("ward-to-datacentre", "Ward 4B", "Data centre", [PUMPLINK, NTP], None),
    (
        "radiology-to-datacentre",
        "Radiology",
        "Data centre",
        [ConduitServiceIn(protocol="tcp", ports=[104, 2762]), NTP],
        "DICOM storage and worklist. DICOM on 11112 is deliberately missing.",
    ),
    (
        "datacentre-to-radiology",
        "Data centre",
        "Radiology",
        [ConduitServiceIn(protocol="tcp", ports=[104, 11112, 2762])],
        None,
    ),
]

#: Servers the profiles talk to, as addresses in the Data centre (site-wide bindings).
SERVERS = {
    "pump-server": "10.40.0.10/32",
    "ntp": "10.40.0.5/32",
    "audit-repository": "10.40.0.6/32",
    "idp": "10.40.0.7/32",
    "os-mirror": "10.40.0.9/32",
    "ris": "10.40.0.30/32",
    "ehr": "10.40.0.40/32",
    "dose-registry": "10.40.0.50/32",
    "backup-store": "10.40.0.60/32",
    "postproc": "10.30.0.20/32",
}

BASE = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC).timestamp()

#: What the sensor saw: authorized pump traffic, and three things the map does not allow.
OBSERVED = [
    *(Connection(BASE + i * 60, "10.20.10.22", "10.40.0.10", 8443) for i in range(5)),
    Connection(BASE + 400, "10.20.10.22", "10.40.0.5", 123, proto="udp"),
    Connection(BASE + 500, "10.30.0.15", "10.40.0.21", 11112, orig_bytes=52_000_000),
    Connection(BASE + 600, "10.20.10.23", "203.0.113.50", 443, orig_bytes=4_200),
    Connection(BASE + 700, "10.20.40.25", "10.40.0.22", 22),
]


def seed_network(session: Session, engineer: Actor, site_name: str) -> None:
    site = inventory.site_by_name(session, engineer, site_name)
    zones = {z.name: z.id for z in site.zones}
    for name, start, end, allowed, description in CONDUITS:
        services.create_conduit(
            session,
            engineer,
            site.id,
            ConduitIn(
                name=name,
                from_zone_id=zones[start],
                to_zone_id=zones[end],
                services=allowed,
                description=description,
            ),
        )
    pacs = inventory.asset_by_serial(session, engineer.organization_id, "VISTA-ENT-7781")
    ct = inventory.asset_by_serial(session, engineer.organization_id, "AUR-128-0042")
    if pacs is None or ct is None:
        raise NotFound("the demo inventory has no PACS or CT", hint="seed the inventory first")
    for endpoint, cidr in SERVERS.items():
        services.set_binding(session, engineer, site.id, BindingIn(endpoint=endpoint, cidrs=[cidr]))
    services.set_binding(
        session, engineer, site.id, BindingIn(endpoint="pacs", asset_ids=[pacs.id])
    )
    services.set_binding(
        session, engineer, site.id, BindingIn(endpoint="modalities", asset_ids=[ct.id])
    )
    services.set_binding(
        session,
        engineer,
        site.id,
        BindingIn(endpoint="gantry", asset_id=ct.id, cidrs=["10.30.0.11/32"]),
    )
    log = conn_log(OBSERVED).encode()
    flow_checks.check_upload(session, engineer, site.id, "demo-conn.log", log)
