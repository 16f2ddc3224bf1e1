"""Tables of the network model in the service: what the inventory lacks for a site model.

The inventory keeps sites, zones (purpose, SL-T, CIDRs, VLANs) and assets (addresses,
profile version link). The network model adds, per site:

* :class:`Conduit` — a permitted path between two zones, with the services it lets through;
* :class:`EndpointBinding` — what a profile's abstract endpoint ("pacs", "ntp") is at the
  site, site-wide or for one asset: assets, CIDRs or DNS names;
* :class:`ZoneNetwork` — whether a zone stands for the internet;
* :class:`AssetNetwork` — an asset's network settings from the site file: services turned
  on or off, configured ports, isolation.

:mod:`medsec.network.database` turns these plus the inventory into exactly
:class:`medsec.network.site.Site`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from medsec.db.base import Base, utcnow


class Conduit(Base):
    """A conduit (IEC 62443-3-2) from one zone of a site to another."""

    __tablename__ = "conduits"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    from_zone_id: Mapped[int] = mapped_column(
        ForeignKey("zones.id", ondelete="CASCADE"), index=True
    )
    to_zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    bidirectional: Mapped[bool] = mapped_column(default=False)
    #: ``[{"name": "dicom"|None, "protocol": "tcp", "ports": [104, "1024-2048"]}]``, the
    #: site file's form (validated by :class:`medsec.network.site.ConduitService`).
    services: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EndpointBinding(Base):
    """A profile endpoint bound at a site: site-wide (``asset_id`` empty) or for one asset."""

    __tablename__ = "endpoint_bindings"
    __table_args__ = (UniqueConstraint("site_id", "asset_id", "endpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), index=True
    )
    #: The profile's endpoint id (``pacs``, ``remote-service``).
    endpoint: Mapped[str] = mapped_column(String(64))
    #: Ids of the site's assets the endpoint is.
    asset_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    cidrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    dns_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AssetNetwork(Base):
    """An asset's settings in the site model (absent: the profile's defaults)."""

    __tablename__ = "asset_network"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    enable: Mapped[list[str]] = mapped_column(JSON, default=list)
    disable: Mapped[list[str]] = mapped_column(JSON, default=list)
    ports: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    isolated: Mapped[bool] = mapped_column(default=False)


class ZoneNetwork(Base):
    """A zone's settings in the site model beyond the inventory's (absent: defaults)."""

    __tablename__ = "zone_network"

    zone_id: Mapped[int] = mapped_column(
        ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True
    )
    #: The zone stands for the internet (site file ``internet: true``).
    internet: Mapped[bool] = mapped_column(default=False)
