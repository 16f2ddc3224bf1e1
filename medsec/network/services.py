"""The network model of a database site: conduits, endpoint bindings, flow map, rules.

Every function checks the actor's inventory permission in a healthcare-provider
organization (:func:`medsec.inventory.services.require`) and that the site is its own.
Writes are checked by reading the site back as the site model
(:func:`medsec.network.database.site_model`), so the database never holds a site that
``medsec network site validate`` would refuse.
"""

from __future__ import annotations

from collections.abc import Sequence

import pydantic
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import Conflict as ConflictError
from medsec.errors import NotFound
from medsec.inventory import services as inventory
from medsec.inventory.fields import InvalidValue
from medsec.inventory.models import Site as SiteRow
from medsec.network import site as model
from medsec.network.database import DatabaseProfiles, export_yaml, site_model
from medsec.network.firewall.policy import build
from medsec.network.firewall.targets import Target, render
from medsec.network.flowmap import FlowMap, compute
from medsec.network.models import Conduit, EndpointBinding
from medsec.network.schemas import BindingIn, ConduitIn


def _invalid(what: str, e: pydantic.ValidationError) -> InvalidValue:
    first = e.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return InvalidValue(f"{what}: {where + ': ' if where else ''}{first['msg']}")


def flowmap(session: Session, actor: Actor, site_id: int) -> FlowMap:
    """The authorized flow map of a database site, profiles from the catalog."""
    site = inventory.get_site(session, actor, site_id)
    return compute(site_model(session, site), DatabaseProfiles(session, actor.organization_id))


def flowmap_by_name(session: Session, actor: Actor, name: str) -> FlowMap:
    return flowmap(session, actor, inventory.site_by_name(session, actor, name).id)


def firewall(session: Session, actor: Actor, site_id: int, target: Target) -> str:
    """The site's firewall rules for ``target`` (aerleon)."""
    return render(build(flowmap(session, actor, site_id)), target)


def export_site(session: Session, actor: Actor, site_id: int) -> tuple[SiteRow, str]:
    site = inventory.get_site(session, actor, site_id)
    return site, export_yaml(session, site)


def _check(session: Session, site: SiteRow) -> None:
    session.flush()
    session.expire_all()
    site_model(session, site)


# --------------------------------------------------------------------------- conduits


def list_conduits(session: Session, actor: Actor, site_id: int) -> Sequence[Conduit]:
    site = inventory.get_site(session, actor, site_id)
    return (
        session.execute(select(Conduit).where(Conduit.site_id == site.id).order_by(Conduit.name))
        .scalars()
        .all()
    )


def _zone_id(site: SiteRow, zone_id: int | None) -> int | None:
    if zone_id is not None and zone_id not in {z.id for z in site.zones}:
        raise InvalidValue(f"zone {zone_id} is not a zone of site '{site.name}'")
    return zone_id


def create_conduit(session: Session, actor: Actor, site_id: int, data: ConduitIn) -> Conduit:
    inventory.require(actor, Permission.INVENTORY_WRITE)
    site = inventory.get_site(session, actor, site_id)
    try:
        checked = model.Conduit.model_validate(
            {
                "name": data.name,
                "from_zone": "a",
                "to_zone": "b",
                "bidirectional": data.bidirectional,
                "services": [s.model_dump(exclude_defaults=True) for s in data.services],
                "description": data.description,
            }
        )
    except pydantic.ValidationError as e:
        raise _invalid("conduit", e) from e
    if data.from_zone_id == data.to_zone_id:
        raise InvalidValue("a conduit joins two different zones (traffic inside a zone needs none)")
    clash = session.execute(
        select(Conduit.id).where(Conduit.site_id == site.id, Conduit.name == data.name)
    ).scalar_one_or_none()
    if clash is not None:
        raise ConflictError(f"site '{site.name}' has a conduit named '{data.name}'")
    row = Conduit(
        site_id=site.id,
        name=data.name,
        from_zone_id=_zone_id(site, data.from_zone_id),
        to_zone_id=_zone_id(site, data.to_zone_id),
        bidirectional=data.bidirectional,
        services=[s.model_dump(mode="json", exclude_defaults=True) for s in checked.services],
        description=data.description,
    )
    session.add(row)
    _check(session, site)
    record(
        session,
        Tag.CONDUIT_CHANGED,
        actor.context,
        target=f"site:{site.id}",
        details={"conduit": row.name, "action": "created"},
    )
    return row


def delete_conduit(session: Session, actor: Actor, site_id: int, conduit_id: int) -> None:
    inventory.require(actor, Permission.INVENTORY_WRITE)
    site = inventory.get_site(session, actor, site_id)
    row = session.get(Conduit, conduit_id)
    if row is None or row.site_id != site.id:
        raise NotFound(f"no conduit {conduit_id} in site '{site.name}'")
    session.delete(row)
    session.flush()
    record(
        session,
        Tag.CONDUIT_CHANGED,
        actor.context,
        target=f"site:{site.id}",
        details={"conduit": row.name, "action": "deleted"},
    )


# --------------------------------------------------------------------------- bindings


def list_bindings(session: Session, actor: Actor, site_id: int) -> Sequence[EndpointBinding]:
    site = inventory.get_site(session, actor, site_id)
    return (
        session.execute(
            select(EndpointBinding)
            .where(EndpointBinding.site_id == site.id)
            .order_by(EndpointBinding.endpoint, EndpointBinding.id)
        )
        .scalars()
        .all()
    )


def set_binding(session: Session, actor: Actor, site_id: int, data: BindingIn) -> EndpointBinding:
    """Bind ``data.endpoint`` (site-wide, or for ``data.asset_id``), replacing a binding
    of the same endpoint and asset."""
    inventory.require(actor, Permission.INVENTORY_WRITE)
    site = inventory.get_site(session, actor, site_id)
    try:
        checked = model.Binding.model_validate(
            {
                "assets": ["x"] * len(data.asset_ids),
                "cidrs": data.cidrs,
                "dns_names": data.dns_names,
            }
        )
        model.Asset.model_validate({"name": "x", "zone": "x", "bindings": {data.endpoint: checked}})
    except pydantic.ValidationError as e:
        raise _invalid(f"binding of '{data.endpoint}'", e) from e
    for asset_id in [*data.asset_ids, *([data.asset_id] if data.asset_id else [])]:
        asset = inventory.get_asset(session, actor, asset_id)
        if asset.site_id != site.id:
            raise InvalidValue(f"asset {asset_id} is not on site '{site.name}'")
    existing = session.execute(
        select(EndpointBinding).where(
            EndpointBinding.site_id == site.id,
            EndpointBinding.endpoint == data.endpoint,
            EndpointBinding.asset_id.is_(None)
            if data.asset_id is None
            else EndpointBinding.asset_id == data.asset_id,
        )
    ).scalar_one_or_none()
    row = existing or EndpointBinding(
        site_id=site.id, asset_id=data.asset_id, endpoint=data.endpoint
    )
    row.asset_ids = list(data.asset_ids)
    row.cidrs = list(checked.cidrs)
    row.dns_names = list(checked.dns_names)
    row.zone_id = _zone_id(site, data.zone_id)
    session.add(row)
    _check(session, site)
    record(
        session,
        Tag.BINDING_CHANGED,
        actor.context,
        target=f"site:{site.id}",
        details={"endpoint": row.endpoint, "asset": row.asset_id, "action": "set"},
    )
    return row


def delete_binding(session: Session, actor: Actor, site_id: int, binding_id: int) -> None:
    inventory.require(actor, Permission.INVENTORY_WRITE)
    site = inventory.get_site(session, actor, site_id)
    row = session.get(EndpointBinding, binding_id)
    if row is None or row.site_id != site.id:
        raise NotFound(f"no binding {binding_id} in site '{site.name}'")
    session.delete(row)
    session.flush()
    record(
        session,
        Tag.BINDING_CHANGED,
        actor.context,
        target=f"site:{site.id}",
        details={"endpoint": row.endpoint, "asset": row.asset_id, "action": "deleted"},
    )
