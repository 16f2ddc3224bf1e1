"""The update dashboards' figures: end-of-support exposure and compliance over time.

**End-of-support exposure**: each linked asset whose product version reaches end of
support or end of security updates before ``today`` + ``months`` (or already has). The
dates come from the manufacturer's published lifecycle notice of that version, else from
the profile's ``updates.lifecycle``; the asset's open findings come from the findings port.

**Compliance**: at the end of each of the last ``weeks`` weeks (Monday 00:00 UTC), the
share of the site's linked assets that were up to date — no release published by then
applied to the version they ran then (read from their firmware events, which a task
marked done writes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.errors import Error
from medsec.inventory import services as inventory
from medsec.products.models import ProfileVersion
from medsec.profiles.loader import load_profile_text
from medsec.updates import fleet
from medsec.updates.findings import OpenFindings
from medsec.updates.models import LifecycleNotice
from medsec.updates.services import months_before


@dataclass(frozen=True)
class Milestones:
    end_of_support: dt.date | None
    end_of_security_updates: dt.date | None
    plan: str | None
    #: ``notice`` (the manufacturer's published notice) or ``profile``.
    source: str


@dataclass(frozen=True)
class Exposure:
    asset_id: int
    serial: str
    model: str
    zone: str | None
    product: str
    version: str
    #: ``end of support`` or ``end of security updates``: the first to come.
    milestone: str
    date: dt.date
    past: bool
    source: str
    plan: str | None
    open_findings: tuple[str, ...]


def milestones(session: Session, version: ProfileVersion) -> Milestones | None:
    notice = session.execute(
        select(LifecycleNotice).where(
            LifecycleNotice.profile_version_id == version.id,
            LifecycleNotice.published_at.is_not(None),
        )
    ).scalar_one_or_none()
    if notice is not None:
        return Milestones(
            notice.end_of_support, notice.end_of_security_updates, notice.plan, "notice"
        )
    try:
        lifecycle = load_profile_text(version.source).updates.lifecycle
    except Error:
        return None
    if lifecycle is None:
        return None
    return Milestones(
        lifecycle.end_of_support, lifecycle.end_of_security_updates, lifecycle.plan, "profile"
    )


def end_of_support(
    session: Session,
    actor: Actor,
    site_id: int,
    *,
    months: int,
    today: dt.date,
    findings: OpenFindings = fleet.NO_FINDINGS,
) -> list[Exposure]:
    """Assets past or within ``months`` of end of support, soonest first."""
    inventory.require(actor, Permission.INVENTORY_READ)
    site = inventory.get_site(session, actor, site_id)
    horizon = months_before(today, -months)
    assets = [a for a in fleet.site_assets(session, site.id) if a.profile_version]
    open_by_asset = findings.open_for([a.id for a in assets])
    cache: dict[int, Milestones | None] = {}
    found: list[Exposure] = []
    for asset in assets:
        version = asset.profile_version
        if version is None:
            continue
        if version.id not in cache:
            cache[version.id] = milestones(session, version)
        known = cache[version.id]
        if known is None:
            continue
        dates = [
            (d, name)
            for d, name in (
                (known.end_of_security_updates, "end of security updates"),
                (known.end_of_support, "end of support"),
            )
            if d is not None
        ]
        if not dates:
            continue
        date, name = min(dates)
        if date > horizon:
            continue
        found.append(
            Exposure(
                asset.id,
                asset.serial,
                asset.model,
                asset.zone.name if asset.zone else None,
                version.product.name,
                version.version,
                name,
                date,
                date <= today,
                known.source,
                known.plan,
                tuple(sorted(open_by_asset.get(asset.id, frozenset()))),
            )
        )
    return sorted(found, key=lambda e: (e.date, e.serial))


@dataclass(frozen=True)
class CompliancePoint:
    #: The instant measured: Monday 00:00 UTC ending the week.
    at: dt.datetime
    up_to_date: int
    total: int

    @property
    def share(self) -> float:
        return self.up_to_date / self.total if self.total else 1.0


def week_ends(today: dt.date, weeks: int) -> list[dt.datetime]:
    """The last ``weeks`` Mondays 00:00 UTC up to ``today``, oldest first, then the
    instant at the end of ``today``."""
    monday = today - dt.timedelta(days=today.weekday())
    start = dt.datetime.combine(monday, dt.time(), dt.UTC)
    points = [start - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    end_of_today = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    return [*points, end_of_today] if end_of_today > start else points


def compliance(
    session: Session, actor: Actor, site_id: int, *, weeks: int, today: dt.date
) -> list[CompliancePoint]:
    """Share of the site's linked assets up to date at each week end (see module)."""
    inventory.require(actor, Permission.INVENTORY_READ)
    site = inventory.get_site(session, actor, site_id)
    assets = [a for a in fleet.site_assets(session, site.id) if a.profile_version]
    products = {a.profile_version.product_id for a in assets if a.profile_version}
    points: list[CompliancePoint] = []
    for at in week_ends(today, weeks):
        releases = fleet.published_releases(session, actor.organization_id, products, at=at)
        up = total = 0
        for asset in assets:
            version = fleet.version_at(session, asset, at)
            if version is None or asset.profile_version is None:
                continue
            total += 1
            status = fleet.status_of(
                asset, releases[asset.profile_version.product_id], version=version
            )
            up += status.problem is None and not status.out_of_date
        points.append(CompliancePoint(at, up, total))
    return points
