"""Import a site file into a database site, all or nothing.

The file is validated with the site-file loader first (every problem with its line);
then, in the caller's transaction, zones are matched by name and assets by serial (the
site model's asset name), created or updated; the site's conduits and bindings become
the file's. The result is read back as the site model and checked again (an address
outside its zone, say), so a failure raises before anything is committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import Error
from medsec.inventory import services as inventory
from medsec.inventory.models import Asset as AssetRow
from medsec.inventory.schemas import AssetPatch, ZoneIn
from medsec.network.database import DatabaseProfiles, Names, site_assets, site_model
from medsec.network.models import AssetNetwork, Conduit, EndpointBinding, ZoneNetwork
from medsec.network.site import Asset, Binding, Site
from medsec.network.site_yaml import load_site_text

#: Vendor and model of an asset the file creates without a profile (a server, say).
UNKNOWN = "unknown"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: Zones and assets of the database site that the file does not mention (kept).
    not_in_file: list[str] = field(default_factory=list)
    conduits: int = 0
    bindings: int = 0


def _zones(
    session: Session, actor: Actor, site_id: int, model: Site, report: ImportReport
) -> dict[str, int]:
    site = inventory.get_site(session, actor, site_id)
    rows = list(site.zones)
    names = Names.of(rows, [])
    by_name = {names.zones[z.id]: z for z in rows} | {z.name: z for z in rows}
    ids: dict[str, int] = {}
    for zone in model.zones:
        row = by_name.get(zone.name)
        values = (zone.purpose, zone.security_level, list(zone.cidrs), list(zone.vlans))
        if row is None:
            row = inventory.add_zone(
                session,
                actor,
                site_id,
                ZoneIn(
                    name=zone.name,
                    purpose=zone.purpose,
                    security_level=zone.security_level,
                    cidrs=list(zone.cidrs),
                    vlan_ids=list(zone.vlans),
                ),
            )
            report.created.append(f"zone {zone.name}")
        elif (row.purpose, row.security_level, list(row.cidrs), list(row.vlan_ids)) != values:
            row.purpose, row.security_level, row.cidrs, row.vlan_ids = values
            report.updated.append(f"zone {zone.name}")
        else:
            report.unchanged.append(f"zone {zone.name}")
        ids[zone.name] = row.id
        setting = session.get(ZoneNetwork, row.id)
        if zone.internet and setting is None:
            session.add(ZoneNetwork(zone_id=row.id, internet=True))
        elif setting is not None:
            setting.internet = zone.internet
    report.not_in_file += [f"zone {names.zones[z.id]}" for z in rows if z.id not in ids.values()]
    session.flush()
    return ids


def _asset_values(asset: Asset, zone_id: int, profiles: DatabaseProfiles) -> dict[str, object]:
    values: dict[str, object] = {"zone_id": zone_id, "ip_addresses": list(asset.addresses)}
    if asset.profile is None:
        return values
    if asset.profile.product is None or asset.profile.version is None:
        raise Error(
            f"asset {asset.name}: profile {asset.profile}: in the service a profile is named "
            "by product and version",
            hint="write profile: {product: NAME, version: VERSION}",
        )
    row = profiles.version_row(asset.profile.product, asset.profile.version)
    if row is None:
        raise Error(
            f"asset {asset.name}: no published profile of {asset.profile} among the products "
            "your organization holds",
            hint="hold the product in the catalog first, or correct the product and version",
        )
    return values | {
        "product_version_id": row.id,
        "vendor": row.product.manufacturer,
        "model": row.product.name,
        "firmware_version": row.version,
    }


def _assets(
    session: Session,
    actor: Actor,
    site_id: int,
    model: Site,
    zones: dict[str, int],
    report: ImportReport,
) -> dict[str, int]:
    rows = site_assets(session, inventory.get_site(session, actor, site_id))
    names = Names.of([], rows)
    by_name = {names.assets[a.id]: a for a in rows}
    profiles = DatabaseProfiles(session, actor.organization_id)
    ids: dict[str, int] = {}
    for asset in model.assets:
        values = _asset_values(asset, zones[asset.zone], profiles)
        row: AssetRow | None = by_name.get(asset.name) or inventory.asset_by_serial(
            session, actor.organization_id, asset.name
        )
        if row is None:
            fields = {"serial": asset.name, "vendor": UNKNOWN, "model": UNKNOWN, **values}
            zone_id = fields.pop("zone_id")
            row = inventory.create_asset(
                session, actor, site_id, int(str(zone_id)), fields, source="site-file"
            )
            report.created.append(f"asset {asset.name}")
        else:
            before = (row.site_id, row.zone_id, list(row.ip_addresses), row.profile_version_id)
            patch = AssetPatch.model_validate({"site_id": site_id, **values})
            inventory.update_asset(session, actor, row.id, patch, source="site-file")
            after = (row.site_id, row.zone_id, list(row.ip_addresses), row.profile_version_id)
            (report.updated if after != before else report.unchanged).append(f"asset {asset.name}")
        ids[asset.name] = row.id
        setting = session.get(AssetNetwork, row.id) or AssetNetwork(asset_id=row.id)
        setting.enable, setting.disable = list(asset.enable), list(asset.disable)
        setting.ports, setting.isolated = dict(asset.ports), asset.isolated
        session.add(setting)
    report.not_in_file += [f"asset {names.assets[a.id]}" for a in rows if a.id not in ids.values()]
    session.flush()
    return ids


def _binding_row(
    site_id: int,
    asset_id: int | None,
    endpoint: str,
    binding: Binding,
    zones: dict[str, int],
    assets: dict[str, int],
) -> EndpointBinding:
    return EndpointBinding(
        site_id=site_id,
        asset_id=asset_id,
        endpoint=endpoint,
        asset_ids=[assets[name] for name in binding.assets],
        cidrs=list(binding.cidrs),
        dns_names=list(binding.dns_names),
        zone_id=zones[binding.zone] if binding.zone else None,
    )


def import_site(
    session: Session, actor: Actor, site_id: int, text: str, filename: str
) -> ImportReport:
    """Write the site file ``text`` into database site ``site_id`` (raises on any problem;
    the caller's transaction is then rolled back, leaving nothing half-written)."""
    inventory.require(actor, Permission.INVENTORY_WRITE)
    model = load_site_text(text, filename)
    site = inventory.get_site(session, actor, site_id)
    report = ImportReport()
    zones = _zones(session, actor, site_id, model, report)
    assets = _assets(session, actor, site_id, model, zones, report)
    session.execute(delete(Conduit).where(Conduit.site_id == site_id))
    session.execute(delete(EndpointBinding).where(EndpointBinding.site_id == site_id))
    for conduit in model.conduits:
        session.add(
            Conduit(
                site_id=site_id,
                name=conduit.name,
                from_zone_id=zones[conduit.from_zone],
                to_zone_id=zones[conduit.to_zone],
                bidirectional=conduit.bidirectional,
                services=[
                    s.model_dump(mode="json", exclude_defaults=True) for s in conduit.services
                ],
                description=conduit.description,
            )
        )
    rows = [_binding_row(site_id, None, e, b, zones, assets) for e, b in model.bindings.items()]
    for asset in model.assets:
        rows += [
            _binding_row(site_id, assets[asset.name], e, b, zones, assets)
            for e, b in asset.bindings.items()
        ]
    session.add_all(rows)
    session.flush()
    report.conduits, report.bindings = len(model.conduits), len(rows)
    session.expire_all()
    site_model(session, inventory.get_site(session, actor, site_id))  # checks the result
    record(
        session,
        Tag.SITE_FILE_IMPORTED,
        actor.context,
        target=f"site:{site.id}",
        details={
            "file": filename,
            "created": len(report.created),
            "updated": len(report.updated),
            "conduits": report.conduits,
            "bindings": report.bindings,
        },
    )
    return report
