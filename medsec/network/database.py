"""The site model of a database site, and the profiles of its assets from the catalog.

:func:`site_model` reads an inventory site (zones, assets with their linked profile
versions) and the network tables (conduits, endpoint bindings, asset and zone settings)
into exactly :class:`medsec.network.site.Site`, the model the site file holds, so
:func:`medsec.network.flowmap.compute` and the firewall renderers run on it unchanged.
:class:`DatabaseProfiles` is the database adapter of the
:class:`medsec.network.profiles.ProfileSource` port: ``{product, version}`` references
resolve to the published profile versions of the products the organization holds.

Names in the site model are letters, digits, ``.``, ``_`` and ``-``: a zone is named
after its inventory name (``Ward 4B`` → ``Ward-4B``), an asset after its serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.errors import Error, NotFound
from medsec.inventory.models import Asset as AssetRow
from medsec.inventory.models import Site as SiteRow
from medsec.inventory.models import Zone as ZoneRow
from medsec.network.models import AssetNetwork, Conduit, EndpointBinding, ZoneNetwork
from medsec.network.site import Asset, Binding, ProfileRef, Site
from medsec.network.site_yaml import dump_site, load_site_text
from medsec.products.models import Holding, Product, ProfileVersion
from medsec.profiles.loader import build_profile, parse_document
from medsec.profiles.psp import ProductSecurityProfile

_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def model_name(text: str) -> str:
    """``text`` as a site-model name: other characters become ``-``, at most 64.

    >>> model_name("Ward 4B"), model_name("SN 12/34"), model_name("-x-")
    ('Ward-4B', 'SN-12-34', 'x-')
    """
    name = _BAD.sub("-", text.strip()).lstrip("._-")[:64]
    return name or "unnamed"


@dataclass
class Names:
    """Site-model names of a site's zones and assets, unique (``-ID`` added on a clash)."""

    zones: dict[int, str] = field(default_factory=dict)
    assets: dict[int, str] = field(default_factory=dict)

    @staticmethod
    def _unique(rows: list[tuple[int, str]]) -> dict[int, str]:
        out: dict[int, str] = {}
        taken: set[str] = set()
        for row_id, text in sorted(rows):
            name = model_name(text)
            if name in taken:
                name = f"{name[:50]}-{row_id}"
            taken.add(name)
            out[row_id] = name
        return out

    @classmethod
    def of(cls, zones: list[ZoneRow], assets: list[AssetRow]) -> Names:
        return cls(
            cls._unique([(z.id, z.name) for z in zones]),
            cls._unique([(a.id, a.serial) for a in assets]),
        )


def site_assets(session: Session, site: SiteRow) -> list[AssetRow]:
    return list(
        session.execute(select(AssetRow).where(AssetRow.site_id == site.id).order_by(AssetRow.id))
        .scalars()
        .all()
    )


def _binding(row: EndpointBinding, names: Names) -> Binding:
    return Binding(
        assets=[names.assets[i] for i in row.asset_ids if i in names.assets],
        cidrs=list(row.cidrs),
        dns_names=list(row.dns_names),
        zone=names.zones.get(row.zone_id) if row.zone_id is not None else None,
    )


def _profile_ref(asset: AssetRow) -> ProfileRef | None:
    version = asset.profile_version
    if version is None or version.status != "published":
        return None
    return ProfileRef(product=version.product.name, version=version.version)


def site_model(session: Session, site: SiteRow) -> Site:
    """The database site as the site model, checked as a site file is.

    Assets without a zone are left out (the site model places every asset in a zone).
    A problem (an address outside its zone, overlapping zones) raises
    :class:`medsec.errors.DocumentError` whose lines are those of :func:`export_yaml`.
    """
    zones = list(site.zones)
    assets = site_assets(session, site)
    names = Names.of(zones, assets)
    internet = {
        r.zone_id: r.internet
        for r in session.execute(
            select(ZoneNetwork).where(ZoneNetwork.zone_id.in_([z.id for z in zones]))
        ).scalars()
    }
    settings = {
        r.asset_id: r
        for r in session.execute(
            select(AssetNetwork).where(AssetNetwork.asset_id.in_([a.id for a in assets]))
        ).scalars()
    }
    bindings = session.execute(
        select(EndpointBinding)
        .where(EndpointBinding.site_id == site.id)
        .order_by(EndpointBinding.endpoint, EndpointBinding.id)
    ).scalars()
    site_wide: dict[str, Binding] = {}
    per_asset: dict[int, dict[str, Binding]] = {}
    for row in bindings:
        if not (row.cidrs or row.dns_names or any(i in names.assets for i in row.asset_ids)):
            continue  # its assets were deleted: the endpoint is unbound again (a to-do)
        target = site_wide if row.asset_id is None else per_asset.setdefault(row.asset_id, {})
        target[row.endpoint] = _binding(row, names)
    conduits = session.execute(
        select(Conduit).where(Conduit.site_id == site.id).order_by(Conduit.name)
    ).scalars()
    data = {
        "site": site.name,
        "zones": [
            {
                "name": names.zones[z.id],
                "purpose": z.purpose,
                "security_level": z.security_level,
                "cidrs": list(z.cidrs),
                "vlans": list(z.vlan_ids),
                "internet": internet.get(z.id, False),
            }
            for z in zones
        ],
        "conduits": [
            {
                "name": c.name,
                "from_zone": names.zones[c.from_zone_id],
                "to_zone": names.zones[c.to_zone_id],
                "bidirectional": c.bidirectional,
                "services": c.services,
                "description": c.description,
            }
            for c in conduits
            if c.from_zone_id in names.zones and c.to_zone_id in names.zones
        ],
        "bindings": site_wide,
    }
    placed: list[Asset] = []
    for a in assets:
        if a.zone_id is None:
            continue
        extra = settings.get(a.id)
        placed.append(
            Asset(
                name=names.assets[a.id],
                zone=names.zones[a.zone_id],
                addresses=list(a.ip_addresses),
                profile=_profile_ref(a),
                enable=list(extra.enable) if extra else [],
                disable=list(extra.disable) if extra else [],
                ports=dict(extra.ports) if extra else {},
                bindings=per_asset.get(a.id, {}),
                isolated=extra.isolated if extra else False,
            )
        )
    model = Site.model_validate({**data, "assets": placed})
    # The checks of a site file (references, addresses in zones, overlaps), with places.
    return load_site_text(dump_site(model), f"site '{site.name}' (as exported)")


def export_yaml(session: Session, site: SiteRow) -> str:
    """The database site as a site file (``medsec network site format`` normal form)."""
    return dump_site(site_model(session, site))


@dataclass
class DatabaseProfiles:
    """``{product, version}`` refs resolved among the published versions of the products
    ``organization_id`` holds (or makes)."""

    session: Session
    organization_id: int
    _cache: dict[tuple[str, str], ProductSecurityProfile] = field(default_factory=dict)

    def version_row(self, product: str, version: str) -> ProfileVersion | None:
        held = select(Holding.product_id).where(Holding.organization_id == self.organization_id)
        return self.session.execute(
            select(ProfileVersion)
            .join(Product, Product.id == ProfileVersion.product_id)
            .where(
                Product.name == product,
                ProfileVersion.version == version,
                ProfileVersion.status == "published",
                (Product.id.in_(held)) | (Product.organization_id == self.organization_id),
            )
            .order_by(ProfileVersion.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def resolve(self, ref: ProfileRef) -> ProductSecurityProfile:
        if ref.path is not None or ref.product is None or ref.version is None:
            raise Error(
                f"profile {ref}: in the service a profile is named by product and version",
                hint="write profile: {product: NAME, version: VERSION} of a published version",
            )
        key = (ref.product, ref.version)
        if key not in self._cache:
            row = self.version_row(*key)
            if row is None:
                raise NotFound(
                    f"no published profile of {ref.product} {ref.version} among the products "
                    "your organization holds",
                    hint="hold the product in the catalog, or correct the product and version",
                )
            self._cache[key] = build_profile(parse_document(row.source, row.filename))
        return self._cache[key]
