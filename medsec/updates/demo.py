"""Demo data of update planning (called by :func:`medsec.demo.seed`): the manufacturer
publishes the pump's 4.2.2 security patch and an end-of-support notice for the CT, the
hospital has windows per ward, group limits for the pumps, and a plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.db.base import utcnow
from medsec.findings.open_findings import ServiceFindings
from medsec.inventory import services as inventory
from medsec.products.models import Product, ProfileVersion
from medsec.updates import planning
from medsec.updates import services as updates
from medsec.updates.manifest import load_release
from medsec.updates.planning_schemas import GroupIn, PlanIn, WindowIn
from medsec.updates.schemas import NoticeIn
from medsec.updates.services import months_before

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PUMP_RELEASE = EXAMPLES / "updates" / "lvp-3000-4.2.2.yaml"
PUMP = "Northwind LVP 3000"
CT = "Fabrikam Aurora CT"

#: (name, zone or None for the whole site, days, start, end).
WINDOWS = [
    ("ICU night", "ICU", "tue", dt.time(1), dt.time(5)),
    ("Ward 4B night", "Ward 4B", "wed", dt.time(1), dt.time(5)),
    ("Weekend service", None, "sun", dt.time(2), dt.time(6)),
]
#: (name, zone, limit): the pumps of one ward updated at most this many at once.
PUMP_LIMITS = [("ICU pumps", "ICU", 1), ("Ward 4B pumps", "Ward 4B", 2)]


def _version(session: Session, product: str) -> ProfileVersion:
    return session.execute(
        select(ProfileVersion)
        .join(Product, Product.id == ProfileVersion.product_id)
        .where(Product.name == product)
        .order_by(ProfileVersion.id.desc())
    ).scalars().first() or _missing(product)


def _missing(product: str) -> ProfileVersion:
    raise LookupError(f"the demo has no published profile of {product}")


def seed_updates(session: Session, psirt: Actor, engineer: Actor, site_name: str) -> None:
    pump = _version(session, PUMP)
    # For hardware revisions B and C: the demo pumps are B or C (see medsec.demo).
    release = updates.create_release(session, psirt, pump.product_id, load_release(PUMP_RELEASE))
    updates.publish_release(session, psirt, release.id)
    ct = _version(session, CT)
    today = utcnow().date()
    notice = NoticeIn(
        end_of_security_updates=months_before(today, -7),
        end_of_support=months_before(today, -9),
        plan="Upgrade to Aurora software 8.x on Windows IoT Enterprise LTSC 2024 "
        "(a service visit of one day), or trade in towards the Aurora 256.",
        risks="After the end of security updates, new Windows vulnerabilities stay open.",
        compensating_controls="Keep the CT in the radiology zone; no internet access.",
    )
    updates.set_notice(session, psirt, ct.id, notice)
    updates.publish_notice(session, psirt, ct.id)

    site = inventory.site_by_name(session, engineer, site_name)
    zones = {z.name: z.id for z in site.zones}
    for name, zone, days, start, end in WINDOWS:
        data = WindowIn(
            name=name, days=days, start=start, end=end, zone_id=zones[zone] if zone else None
        )
        planning.add_window(session, engineer, site.id, data)
    for name, zone, limit in PUMP_LIMITS:
        data_group = GroupIn(
            name=name, zone_id=zones[zone], product_id=pump.product_id, max_concurrent=limit
        )
        planning.add_group(session, engineer, site.id, data_group)
    planning.make_plan(
        session, engineer, site.id, PlanIn(days=28), findings=ServiceFindings(session, engineer)
    )
