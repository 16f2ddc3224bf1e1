"""Sites, zones and assets in the service.

Every function takes an :class:`Actor` and checks, here and not only in routes, that it
holds the permission, that its organization is a healthcare provider (a manufacturer-only
organization has no inventory) and that the object is its own: another organization's
site, zone or asset answers :class:`NotFound`, as an id never used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Conflict, NotFound, PermissionDenied
from medsec.inventory import fields as f
from medsec.inventory import matching
from medsec.inventory.drafts import AssetDraft, AssetInvalid, FieldIssue, require_draft
from medsec.inventory.fields import EventKind
from medsec.inventory.models import Asset, AssetEvent, Site, Zone
from medsec.inventory.schemas import AssetPatch, SiteIn, SitePatch, ZoneIn


def require(actor: Actor, permission: Permission) -> None:
    """The permission, in a healthcare-provider organization."""
    actor.require(permission)
    if not actor.organization_kind.is_provider:
        raise PermissionDenied(
            "only healthcare-provider organizations keep a device inventory",
            hint="your organization is a manufacturer; hospitals record the devices they run",
        )


# --------------------------------------------------------------------------- sites


def list_sites(session: Session, actor: Actor) -> Sequence[Site]:
    require(actor, Permission.INVENTORY_READ)
    stmt = select(Site).where(Site.organization_id == actor.organization_id).order_by(Site.name)
    return session.execute(stmt).scalars().all()


def get_site(session: Session, actor: Actor, site_id: int) -> Site:
    require(actor, Permission.INVENTORY_READ)
    site = session.get(Site, site_id)
    if site is None or site.organization_id != actor.organization_id:
        raise NotFound(f"no site {site_id}")
    return site


def site_by_name(session: Session, actor: Actor, name: str) -> Site:
    require(actor, Permission.INVENTORY_READ)
    site = session.execute(
        select(Site).where(Site.organization_id == actor.organization_id, Site.name == name)
    ).scalar_one_or_none()
    if site is None:
        known = ", ".join(s.name for s in list_sites(session, actor)) or "none yet"
        raise NotFound(f"no site '{name}'", hint=f"sites of your organization: {known}")
    return site


def _unique_site_name(session: Session, actor: Actor, name: str, but: int | None = None) -> None:
    clash = session.execute(
        select(Site.id).where(Site.organization_id == actor.organization_id, Site.name == name)
    ).scalar_one_or_none()
    if clash is not None and clash != but:
        raise Conflict(f"a site named '{name}' exists", hint="choose another name")


def create_site(session: Session, actor: Actor, data: SiteIn) -> Site:
    require(actor, Permission.INVENTORY_WRITE)
    name = f.text(data.name, "site name", 200, required=True) or ""
    _unique_site_name(session, actor, name)
    site = Site(
        organization_id=actor.organization_id,
        name=name,
        timezone=f.normalise_timezone(data.timezone),
        address=f.text(data.address or "", "address", 400),
        notes=(data.notes or "").strip() or None,
    )
    session.add(site)
    session.flush()
    record(
        session,
        Tag.SITE_CREATED,
        actor.context,
        target=f"site:{site.id}",
        details={"name": site.name},
    )
    return site


def update_site(session: Session, actor: Actor, site_id: int, data: SitePatch) -> Site:
    require(actor, Permission.INVENTORY_WRITE)
    site = get_site(session, actor, site_id)
    if data.name is not None:
        name = f.text(data.name, "site name", 200, required=True) or ""
        _unique_site_name(session, actor, name, but=site.id)
        site.name = name
    if data.timezone is not None:
        site.timezone = f.normalise_timezone(data.timezone)
    if data.address is not None:
        site.address = f.text(data.address, "address", 400)
    if data.notes is not None:
        site.notes = data.notes.strip() or None
    session.flush()
    record(
        session,
        Tag.SITE_UPDATED,
        actor.context,
        target=f"site:{site.id}",
        details={"name": site.name},
    )
    return site


def delete_site(session: Session, actor: Actor, site_id: int) -> None:
    require(actor, Permission.INVENTORY_WRITE)
    site = get_site(session, actor, site_id)
    count = session.execute(
        select(func.count()).select_from(Asset).where(Asset.site_id == site.id)
    ).scalar_one()
    if count:
        raise Conflict(f"site '{site.name}' has {count} asset(s)", hint="delete or move them first")
    session.delete(site)
    session.flush()
    record(
        session,
        Tag.SITE_DELETED,
        actor.context,
        target=f"site:{site_id}",
        details={"name": site.name},
    )


# --------------------------------------------------------------------------- zones


def add_zone(session: Session, actor: Actor, site_id: int, data: ZoneIn) -> Zone:
    require(actor, Permission.INVENTORY_WRITE)
    site = get_site(session, actor, site_id)
    name = f.text(data.name, "zone name", 120, required=True) or ""
    if any(z.name == name for z in site.zones):
        raise Conflict(f"site '{site.name}' has a zone named '{name}'")
    zone = Zone(
        site_id=site.id,
        name=name,
        purpose=f.text(data.purpose or "", "purpose", 400),
        security_level=f.check_security_level(data.security_level),
        cidrs=f.normalise_cidrs(data.cidrs),
        vlan_ids=f.check_vlans(data.vlan_ids),
    )
    session.add(zone)
    session.flush()
    session.refresh(site)
    record(
        session,
        Tag.ZONE_CREATED,
        actor.context,
        target=f"zone:{zone.id}",
        details={"site": site.name, "name": zone.name},
    )
    return zone


def get_zone(session: Session, actor: Actor, zone_id: int) -> Zone:
    require(actor, Permission.INVENTORY_READ)
    zone = session.get(Zone, zone_id)
    if zone is None or zone.site.organization_id != actor.organization_id:
        raise NotFound(f"no zone {zone_id}")
    return zone


def delete_zone(session: Session, actor: Actor, zone_id: int) -> None:
    """Delete a zone; its assets stay on the site without a zone."""
    require(actor, Permission.INVENTORY_WRITE)
    zone = get_zone(session, actor, zone_id)
    for asset in session.execute(select(Asset).where(Asset.zone_id == zone.id)).scalars():
        asset.zone_id = None
    session.flush()
    name, site = zone.name, zone.site
    site.zones.remove(zone)
    session.flush()
    record(
        session,
        Tag.ZONE_DELETED,
        actor.context,
        target=f"zone:{zone_id}",
        details={"site": site.name, "name": name},
    )


# --------------------------------------------------------------------------- assets


@dataclass(frozen=True)
class AssetFilter:
    site_id: int | None = None
    zone_id: int | None = None
    criticality: str | None = None
    vendor: str | None = None
    #: Matches serial, model, hostname, location, owner or IP (substring, any case).
    q: str | None = None


def list_assets(
    session: Session, actor: Actor, where: AssetFilter, offset: int = 0, limit: int = 50
) -> tuple[Sequence[Asset], int]:
    require(actor, Permission.INVENTORY_READ)
    stmt = select(Asset).where(Asset.organization_id == actor.organization_id)
    if where.site_id is not None:
        stmt = stmt.where(Asset.site_id == where.site_id)
    if where.zone_id is not None:
        stmt = stmt.where(Asset.zone_id == where.zone_id)
    if where.criticality:
        stmt = stmt.where(Asset.criticality == where.criticality)
    if where.vendor:
        stmt = stmt.where(func.lower(Asset.vendor) == where.vendor.strip().lower())
    if where.q and where.q.strip():
        needle = "%" + where.q.strip().lower().replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).like(needle)
                    for column in (
                        Asset.serial,
                        Asset.model,
                        Asset.vendor,
                        Asset.hostname,
                        Asset.location,
                        Asset.owner,
                        Asset.mac,
                    )
                )
            )
        )
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = (
        session.execute(
            stmt.order_by(Asset.vendor, Asset.model, Asset.serial).offset(offset).limit(limit)
        )
        .scalars()
        .all()
    )
    return rows, total


def vendors(session: Session, actor: Actor) -> list[str]:
    require(actor, Permission.INVENTORY_READ)
    found = session.execute(
        select(Asset.vendor).where(Asset.organization_id == actor.organization_id).distinct()
    ).scalars()
    return sorted(found)


def get_asset(session: Session, actor: Actor, asset_id: int) -> Asset:
    require(actor, Permission.INVENTORY_READ)
    asset = session.get(Asset, asset_id)
    if asset is None or asset.organization_id != actor.organization_id:
        raise NotFound(f"no asset {asset_id}")
    return asset


def asset_by_serial(session: Session, organization_id: int, serial: str) -> Asset | None:
    return session.execute(
        select(Asset).where(Asset.organization_id == organization_id, Asset.serial == serial)
    ).scalar_one_or_none()


def events(session: Session, actor: Actor, asset_id: int) -> Sequence[AssetEvent]:
    asset = get_asset(session, actor, asset_id)
    stmt = select(AssetEvent).where(AssetEvent.asset_id == asset.id).order_by(AssetEvent.id)
    return session.execute(stmt).scalars().all()


def _zone_of(session: Session, site: Site, zone_id: int | None) -> Zone | None:
    if zone_id is None:
        return None
    zone = session.get(Zone, zone_id)
    if zone is None or zone.site_id != site.id:
        raise AssetInvalid(
            [FieldIssue("zone_id", str(zone_id), f"site '{site.name}' has no zone {zone_id}")]
        )
    return zone


def resolve_link(
    found: list[matching.Candidate], draft: AssetDraft
) -> tuple[int | None, str | None]:
    """The profile version to link and how (``manual``/``matched``), or no link."""
    if draft.product_version_id is not None:
        return matching.check_link(found, draft.product_version_id), "manual"
    hit = matching.match(found, draft.vendor, draft.model, draft.firmware_version)
    return (hit, "matched") if hit is not None else (None, None)


def _link(session: Session, actor: Actor, draft: AssetDraft) -> tuple[int | None, str | None]:
    try:
        return resolve_link(matching.candidates(session, actor.organization_id), draft)
    except f.InvalidValue as e:
        issue = FieldIssue("product_version_id", str(draft.product_version_id), e.message, e.hint)
        raise AssetInvalid([issue]) from e


#: Asset attributes a draft sets (``zone`` is resolved to ``zone_id`` separately).
_DRAFT_COLUMNS = tuple(
    x.name for x in fields(AssetDraft) if x.name not in {"zone", "product_version_id"}
)


def draft_of(asset: Asset) -> AssetDraft:
    """The asset as a draft (for merging a patch into it, and for comparing)."""
    return AssetDraft(
        serial=asset.serial,
        vendor=asset.vendor,
        model=asset.model,
        firmware_version=asset.firmware_version,
        hardware_revision=asset.hardware_revision,
        configuration=asset.configuration,
        ip_addresses=tuple(asset.ip_addresses or ()),
        mac=asset.mac,
        hostname=asset.hostname,
        zone=asset.zone.name if asset.zone else None,
        location=asset.location,
        owner=asset.owner,
        criticality=f.Criticality(asset.criticality),
        product_version_id=asset.profile_version_id if asset.profile_link == "manual" else None,
    )


def apply_draft(
    session: Session,
    asset: Asset,
    draft: AssetDraft,
    link: tuple[int | None, str | None],
    *,
    source: str,
    actor_name: str | None,
) -> list[str]:
    """Write ``draft`` into ``asset``; the names of the fields that changed. A changed
    firmware version is recorded as an event."""
    changed: list[str] = []
    old_firmware = asset.firmware_version
    for name in _DRAFT_COLUMNS:
        new: Any = draft.__getattribute__(name)
        if name == "ip_addresses":
            new = list(new)
        elif name == "criticality":
            new = str(new)
        if getattr(asset, name) != new:
            setattr(asset, name, new)
            changed.append(name)
    if (asset.profile_version_id, asset.profile_link) != link:
        asset.profile_version_id, asset.profile_link = link
        changed.append("profile_version_id")
    if changed and asset.id is not None:
        asset.updated_at = utcnow()
    if "firmware_version" in changed and asset.id is not None:
        session.add(
            AssetEvent(
                asset=asset,
                kind=EventKind.FIRMWARE_CHANGED,
                old_value=old_firmware,
                new_value=asset.firmware_version,
                source=source,
                actor=actor_name,
            )
        )
    return changed


def firmware_audit(session: Session, actor: Actor, asset: Asset, old: str | None) -> None:
    record(
        session,
        Tag.ASSET_FIRMWARE_CHANGED,
        actor.context,
        target=f"asset:{asset.id}",
        details={"serial": asset.serial, "old": old, "new": asset.firmware_version},
    )


def _check_serial_free(session: Session, actor: Actor, serial: str, but: int | None) -> None:
    existing = asset_by_serial(session, actor.organization_id, serial)
    if existing is not None and existing.id != but:
        raise Conflict(
            f"an asset with serial '{serial}' exists (asset {existing.id})",
            hint="change that asset, or re-import: imports update assets by serial",
        )


def create_asset(
    session: Session,
    actor: Actor,
    site_id: int,
    zone_id: int | None,
    values: dict[str, object],
    *,
    source: str = "api",
) -> Asset:
    require(actor, Permission.INVENTORY_WRITE)
    site = get_site(session, actor, site_id)
    zone = _zone_of(session, site, zone_id)
    draft = require_draft(values)
    _check_serial_free(session, actor, draft.serial, None)
    link = _link(session, actor, draft)
    asset = Asset(organization_id=actor.organization_id, site_id=site.id, zone=zone)
    apply_draft(session, asset, draft, link, source=source, actor_name=actor.username)
    asset.zone_id = zone.id if zone else None
    session.add(asset)
    session.flush()
    session.add(
        AssetEvent(
            asset_id=asset.id,
            kind=EventKind.CREATED,
            new_value=asset.firmware_version,
            source=source,
            actor=actor.username,
        )
    )
    session.flush()
    record(
        session,
        Tag.ASSET_CREATED,
        actor.context,
        target=f"asset:{asset.id}",
        details={"serial": asset.serial, "site": site.name, "link": asset.profile_link},
    )
    return asset


def update_asset(
    session: Session, actor: Actor, asset_id: int, patch: AssetPatch, *, source: str = "api"
) -> Asset:
    require(actor, Permission.INVENTORY_WRITE)
    asset = get_asset(session, actor, asset_id)
    given = patch.model_dump(exclude_unset=True)
    site = get_site(session, actor, given["site_id"]) if given.get("site_id") else asset.site
    zone_id = given["zone_id"] if "zone_id" in given else asset.zone_id
    if site.id != asset.site_id and "zone_id" not in given:
        zone_id = None
    zone = _zone_of(session, site, zone_id)
    current = draft_of(asset)
    merged: dict[str, object] = {x.name: getattr(current, x.name) for x in fields(AssetDraft)}
    merged["criticality"] = str(current.criticality)
    merged.update({k: v for k, v in given.items() if k not in {"site_id", "zone_id"}})
    draft = replace(require_draft(merged), zone=zone.name if zone else None)
    _check_serial_free(session, actor, draft.serial, asset.id)
    link = _link(session, actor, draft)
    old_firmware = asset.firmware_version
    changed = apply_draft(session, asset, draft, link, source=source, actor_name=actor.username)
    if asset.site_id != site.id:
        asset.site_id, asset.site = site.id, site
        changed.append("site_id")
    if asset.zone_id != (zone.id if zone else None):
        asset.zone_id, asset.zone = (zone.id if zone else None), zone
        changed.append("zone_id")
    if changed:
        asset.updated_at = utcnow()
        session.flush()
        record(
            session,
            Tag.ASSET_UPDATED,
            actor.context,
            target=f"asset:{asset.id}",
            details={"serial": asset.serial, "changed": changed},
        )
    if "firmware_version" in changed:
        firmware_audit(session, actor, asset, old_firmware)
    return asset


def delete_asset(session: Session, actor: Actor, asset_id: int) -> None:
    require(actor, Permission.INVENTORY_WRITE)
    asset = get_asset(session, actor, asset_id)
    serial = asset.serial
    session.delete(asset)
    session.flush()
    record(
        session,
        Tag.ASSET_DELETED,
        actor.context,
        target=f"asset:{asset_id}",
        details={"serial": serial},
    )
