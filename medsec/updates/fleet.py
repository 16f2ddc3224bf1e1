"""Which published releases apply to the hospital's assets, and why.

For each asset linked to a profile version, the published releases of that version's
product are run through :func:`medsec.updates.applicability.applicable` with the asset's
installed version (its firmware/software version, else the linked version) and its open
findings (from an :class:`~medsec.updates.findings.OpenFindings` port). An asset is **out
of date** when a release applies that no later cumulative release supersedes.

The same computation at an earlier instant (releases published by then, the version the
asset ran then, read from its firmware events) gives the compliance history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.errors import Error
from medsec.inventory import services as inventory
from medsec.inventory.fields import EventKind
from medsec.inventory.models import Asset, AssetEvent
from medsec.products.models import Holding, Product
from medsec.updates.applicability import (
    REVISION,
    AssetFacts,
    ReleaseFacts,
    Undecided,
    applicable,
    undecided,
)
from medsec.updates.findings import NoFindings, OpenFindings
from medsec.updates.kinds import Status
from medsec.updates.models import UpdateRelease
from medsec.updates.services import facts

NO_FINDINGS = NoFindings()
NOT_HELD = "its product is no longer held: its releases are not shown"


@dataclass(frozen=True)
class AssetUpdate:
    """One release that applies to an asset."""

    release_id: int
    version: str
    kind: str
    title: str | None
    released_on: dt.date
    priority: str | None
    fixes: tuple[str, ...]
    superseded_by: int | None
    #: The asset's open findings this release closes.
    closes: tuple[str, ...]
    expected_minutes: int | None
    apply_mode: str

    @property
    def why(self) -> str:
        """One line a person reads: what it fixes and closes, its priority."""
        parts = []
        if self.closes:
            parts.append("closes " + ", ".join(self.closes))
        if self.fixes:
            parts.append("fixes " + ", ".join(self.fixes))
        if self.priority:
            parts.append(f"priority {self.priority}")
        if self.superseded_by is not None:
            parts.append(f"superseded by release {self.superseded_by}")
        return "; ".join(parts) or self.kind


@dataclass(frozen=True)
class AssetStatus:
    asset_id: int
    serial: str
    model: str
    site_id: int
    zone_id: int | None
    zone: str | None
    criticality: str
    installed: str | None
    product_id: int | None
    product: str | None
    updates: tuple[AssetUpdate, ...]
    open_findings: tuple[str, ...] = ()
    #: Why applicability could not be computed (no product link, a bad range…).
    problem: str | None = None

    @property
    def needed(self) -> tuple[AssetUpdate, ...]:
        """The applicable releases not superseded by a later one: what to install."""
        return tuple(u for u in self.updates if u.superseded_by is None)

    @property
    def out_of_date(self) -> bool:
        return bool(self.needed)


def visible(session: Session, organization_id: int, product_ids: Iterable[int]) -> set[int]:
    """The products among ``product_ids`` the organization holds or makes: an asset
    still linked to a product no longer held shows none of its releases."""
    wanted = set(product_ids)
    if not wanted:
        return wanted
    held = select(Holding.product_id).where(
        Holding.organization_id == organization_id, Holding.product_id.in_(wanted)
    )
    own = select(Product.id).where(
        Product.organization_id == organization_id, Product.id.in_(wanted)
    )
    return set(session.execute(held.union(own)).scalars())


def published_releases(
    session: Session,
    organization_id: int,
    product_ids: Iterable[int],
    *,
    at: dt.datetime | None = None,
) -> dict[int, list[UpdateRelease]]:
    """Published releases by product (those published by ``at`` when given), for the
    products the organization may see (the others map to no release)."""
    found: dict[int, list[UpdateRelease]] = {p: [] for p in product_ids}
    wanted = visible(session, organization_id, found)
    if not wanted:
        return found
    stmt = select(UpdateRelease).where(
        UpdateRelease.product_id.in_(wanted), UpdateRelease.status == Status.PUBLISHED.value
    )
    for release in session.execute(stmt.order_by(UpdateRelease.id)).scalars():
        if at is None or (release.published_at is not None and release.published_at <= at):
            found[release.product_id].append(release)
    return found


def installed_version(asset: Asset) -> str | None:
    if asset.firmware_version:
        return asset.firmware_version
    return asset.profile_version.version if asset.profile_version else None


def undecided_problem(found: Sequence[Undecided]) -> str:
    """Why a release that may apply is not listed: the asset's hardware revision or
    configuration is not recorded."""

    def limits(u: Undecided) -> str:
        return " and ".join(
            f"revision {', '.join(u.release.hardware_revisions)}"
            if what == REVISION
            else f"configuration {', '.join(u.release.configurations)}"
            for what in u.missing
        )

    missing = list(dict.fromkeys(m for u in found for m in u.missing))
    named = "; ".join(f"{u.release.version} is for {limits(u)}" for u in found)
    them = "them" if len(missing) > 1 else "it"
    apply = "they apply" if len(found) > 1 else "it applies"
    return f"{' and '.join(missing)} not recorded ({named}): record {them} to see whether {apply}"


def status_of(
    asset: Asset,
    releases: Sequence[UpdateRelease],
    open_findings: frozenset[str] = frozenset(),
    *,
    version: str | None = None,
) -> AssetStatus:
    """The asset's applicable releases (``version``: the installed one, if not the
    asset's current)."""
    installed = version if version is not None else installed_version(asset)
    linked = asset.profile_version
    head = AssetStatus(
        asset.id,
        asset.serial,
        asset.model,
        asset.site_id,
        asset.zone_id,
        asset.zone.name if asset.zone else None,
        asset.criticality,
        installed,
        linked.product_id if linked else None,
        linked.product.name if linked else None,
        (),
        tuple(sorted(open_findings)),
    )
    if linked is None:
        return replace(head, problem="not linked to a product version")
    if not installed:
        return replace(head, problem="no installed version recorded")
    by_id: dict[int, ReleaseFacts] = {r.id: facts(r) for r in releases}
    rows = {r.id: r for r in releases}
    asset_facts = AssetFacts(
        installed, asset.hardware_revision, asset.configuration, open_findings=open_findings
    )
    try:
        found = applicable(asset_facts, by_id.values())
        unknown = undecided(asset_facts, by_id.values())
    except Error as e:
        return replace(head, problem=e.message)
    if unknown:
        head = replace(head, problem=undecided_problem(unknown))
    updates = tuple(
        AssetUpdate(
            a.release.id,
            a.release.version,
            a.release.kind.value,
            rows[a.release.id].title,
            a.release.released_on,
            rows[a.release.id].priority,
            a.release.fixes,
            a.superseded_by,
            a.closes,
            a.release.expected_minutes,
            a.release.apply_mode.value,
        )
        for a in found
    )
    return replace(head, updates=updates)


def statuses(
    session: Session,
    organization_id: int,
    assets: Sequence[Asset],
    findings: OpenFindings = NO_FINDINGS,
) -> list[AssetStatus]:
    product_ids = {a.profile_version.product_id for a in assets if a.profile_version}
    seen = visible(session, organization_id, product_ids)
    releases = published_releases(session, organization_id, product_ids)
    open_by_asset: Mapping[int, frozenset[str]] = findings.open_for([a.id for a in assets])
    found = []
    for a in assets:
        product = a.profile_version.product_id if a.profile_version else None
        status = status_of(
            a, releases.get(product, []) if product else [], open_by_asset.get(a.id, frozenset())
        )
        if product is not None and product not in seen:
            status = replace(status, problem=NOT_HELD)
        found.append(status)
    return found


def site_assets(session: Session, site_id: int) -> list[Asset]:
    stmt = select(Asset).where(Asset.site_id == site_id).order_by(Asset.zone_id, Asset.serial)
    return list(session.execute(stmt).scalars())


def asset_updates(
    session: Session, actor: Actor, asset_id: int, findings: OpenFindings = NO_FINDINGS
) -> AssetStatus:
    """The releases that apply to one asset of the actor's organization."""
    asset = inventory.get_asset(session, actor, asset_id)
    return statuses(session, actor.organization_id, [asset], findings)[0]


def site_updates(
    session: Session, actor: Actor, site_id: int, findings: OpenFindings = NO_FINDINGS
) -> list[AssetStatus]:
    """Every asset of a site with its applicable releases (zone, then serial order)."""
    inventory.require(actor, Permission.INVENTORY_READ)
    site = inventory.get_site(session, actor, site_id)
    return statuses(session, actor.organization_id, site_assets(session, site.id), findings)


def version_at(session: Session, asset: Asset, at: dt.datetime) -> str | None:
    """The version ``asset`` ran at ``at``, from its created/firmware-changed events;
    None when it was not in the inventory yet."""
    kinds = (EventKind.CREATED.value, EventKind.FIRMWARE_CHANGED.value)
    event = session.execute(
        select(AssetEvent)
        .where(AssetEvent.asset_id == asset.id, AssetEvent.kind.in_(kinds), AssetEvent.at <= at)
        .order_by(AssetEvent.at.desc(), AssetEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if event is None:
        return None
    return event.new_value or (asset.profile_version.version if asset.profile_version else None)
