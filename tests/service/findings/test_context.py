"""The asset's context in a finding's priority: the zone exposure from the site model's
zones and conduits, and the manufacturer's priority from the product's published update
releases (docs/findings.md, "Priority: the device's context")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.models import User
from medsec.findings import services
from medsec.findings.services import FindingFilter
from medsec.inventory import services as inventory
from medsec.inventory.schemas import ZoneIn
from medsec.network import services as network
from medsec.network.models import ZoneNetwork
from medsec.network.schemas import ConduitIn, ConduitServiceIn
from medsec.products.models import ProfileVersion
from medsec.updates import services as updates
from medsec.updates.schemas import ReleaseIn
from medsec.vulns.priority import Level

from .conftest import World


@dataclass
class Zones:
    internet: int
    dmz: int
    pumps: int
    lab: int


def add_zones(world: World) -> Zones:
    """Internet → DMZ (inbound), DMZ ↔ Pumps, Lab joined to nothing."""
    with world.make.session() as session:
        ids = {
            name: inventory.add_zone(session, world.analyst, world.site, ZoneIn(name=name)).id
            for name in ("Internet", "DMZ", "Pumps", "Lab")
        }
        session.add(ZoneNetwork(zone_id=ids["Internet"], internet=True))
    zones = Zones(ids["Internet"], ids["DMZ"], ids["Pumps"], ids["Lab"])
    conduit(world, "web-in", zones.internet, zones.dmz)
    conduit(world, "hl7", zones.dmz, zones.pumps, bidirectional=True)
    return zones


def conduit(world: World, name: str, source: int, target: int, bidirectional: bool = False) -> None:
    service = ConduitServiceIn(protocol="tcp", ports=[443])
    data = ConduitIn(
        name=name,
        from_zone_id=source,
        to_zone_id=target,
        bidirectional=bidirectional,
        services=[service],
    )
    with world.make.session() as session:
        network.create_conduit(session, world.analyst, world.site, data)


def pump(world: World, serial: str, zone: int | None) -> int:
    values: dict[str, object] = {
        "vendor": "Northwind",
        "model": "LVP-3000",
        "serial": serial,
        "firmware_version": "4.2.1",
        "product_version_id": world.version,
        "criticality": "medium",
    }
    with world.make.session() as session:
        return inventory.create_asset(session, world.analyst, world.site, zone, values).id


def release(world: World, version: str, priority: str | None, publish: bool = True) -> None:
    manifest = ReleaseIn.model_validate(
        {
            "version": version,
            "released_on": dt.date(2026, 2, 1),
            "kind": "security-patch",
            "fixes": ["CVE-2026-1003"],
            "priority": priority,
            "apply_mode": "planned-downtime",
        }
    )
    with world.make.session() as session:
        product = session.scalar(
            select(ProfileVersion.product_id).where(ProfileVersion.id == world.version)
        )
        assert product is not None
        made = updates.create_release(session, world.psirt, product, manifest)
        if publish:
            updates.publish_release(session, world.psirt, made.id)


def finding_of(world: World, asset: int, vulnerability: str) -> services.AssetFinding:
    with world.make.session() as session:
        found = services.asset_findings(session, world.analyst, asset)
    return next(i for i in found.items if i.finding.vulnerability == vulnerability)


def factors(item: services.AssetFinding) -> dict[str, str]:
    return {x.name: x.describe() for x in item.finding.priority.factors}


# PYSEC-T-1 is CVSS 9.8 (jinja2 2.10); the pumps are of medium criticality (+0).
@pytest.mark.parametrize(
    ("zone", "exposure", "level", "score"),
    [
        ("internet", "zone exposure internet: +1.5", Level.CRITICAL, 11.3),
        ("dmz", "zone exposure internet: +1.5", Level.CRITICAL, 11.3),
        ("pumps", "zone exposure enterprise: +0", Level.CRITICAL, 9.8),
        ("lab", "zone exposure isolated: −1", Level.HIGH, 8.8),
        (None, None, Level.CRITICAL, 9.8),
    ],
)
def test_the_same_finding_is_weighed_by_the_exposure_of_the_assets_zone(
    world: World, zone: str | None, exposure: str | None, level: Level, score: float
) -> None:
    zones = add_zones(world)
    asset = pump(world, "LVP-Z", getattr(zones, zone) if zone else None)

    item = finding_of(world, asset, "PYSEC-T-1")

    assert factors(item).get("zone exposure") == exposure
    assert (item.finding.priority.level, item.finding.priority.score) == (level, score)


def test_the_finding_shows_the_zone_exposure_among_its_factors(
    world: World, client: TestClient, auth_header: Any
) -> None:
    zones = add_zones(world)
    asset = pump(world, "LVP-NET", zones.dmz)
    item = finding_of(world, asset, "PYSEC-T-1")
    with world.make.session() as session:
        user = session.scalars(select(User).where(User.username == world.analyst.username)).one()
    _, token = world.make.token(user)

    url = f"/api/v1/assets/{asset}/findings/{item.path}"
    one = client.get(url, headers=auth_header(token)).json()

    zone = {"name": "zone exposure", "value": "internet", "contribution": 1.5, "source": None}
    assert zone in one["factors"]


def test_a_new_conduit_changes_the_exposure_on_the_next_request(world: World) -> None:
    zones = add_zones(world)
    asset = pump(world, "LVP-LAB", zones.lab)
    assert "isolated" in factors(finding_of(world, asset, "PYSEC-T-1"))["zone exposure"]

    conduit(world, "lab-out", zones.lab, zones.internet)

    # Outbound to the internet only: reachable by the answers, not from the internet.
    assert "enterprise" in factors(finding_of(world, asset, "PYSEC-T-1"))["zone exposure"]


def test_assets_of_one_context_share_one_scan_and_zones_apart_do_not(world: World) -> None:
    zones = add_zones(world)
    first, second = pump(world, "LVP-A", zones.pumps), pump(world, "LVP-B", zones.pumps)
    apart = pump(world, "LVP-C", zones.lab)
    with world.make.session() as session:
        _, assessment = services.cache.assessment(session, world.analyst.organization_id)

    assert assessment.by_asset[first] is assessment.by_asset[second]
    assert assessment.by_asset[first] is not assessment.by_asset[apart]


# PYSEC-T-3 (alias CVE-2026-1003) has no vector: CVSS assumed 5.0, so 6.5 on LVP-1.
@pytest.mark.parametrize(
    ("priority", "publish", "factor", "level"),
    [
        ("Critical", True, "manufacturer priority critical (update release 4.2.2): +2", Level.HIGH),
        ("high", True, "manufacturer priority high (update release 4.2.2): +1", Level.HIGH),
        ("Moderate", True, "manufacturer priority medium (update release 4.2.2): +0", Level.MEDIUM),
        ("Low", True, "manufacturer priority low (update release 4.2.2): −1", Level.MEDIUM),
        ("Routine", True, None, Level.MEDIUM),  # not a level of the formula
        ("Critical", False, None, Level.MEDIUM),  # a draft says nothing yet
        (None, True, None, Level.MEDIUM),
    ],
)
def test_a_release_fixing_the_vulnerability_gives_the_manufacturers_priority(
    world: World, priority: str | None, publish: bool, factor: str | None, level: Level
) -> None:
    release(world, "4.2.2", priority, publish)

    item = finding_of(world, world.pumps[0], "PYSEC-T-3")  # life-sustaining: +1.5

    assert factors(item).get("manufacturer priority") == factor
    assert item.finding.priority.level is level


def test_the_highest_priority_of_the_releases_fixing_it_counts(world: World) -> None:
    release(world, "4.2.2", "Low")
    release(world, "4.2.3", "Critical")

    item = finding_of(world, world.pumps[1], "PYSEC-T-3")

    assert factors(item)["manufacturer priority"] == (
        "manufacturer priority critical (update release 4.2.3): +2"
    )


def test_the_product_versions_own_findings_carry_the_manufacturers_priority(
    world: World,
) -> None:
    release(world, "4.2.2", "Critical")
    with world.make.session() as session:
        found = services.version_findings(
            session, world.psirt, world.version, FindingFilter(text="PYSEC-T-3")
        )

    [(_, f)] = found.items
    assert [x.name for x in f.priority.factors] == ["CVSS", "manufacturer priority"]
