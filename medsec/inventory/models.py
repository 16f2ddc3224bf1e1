"""Tables of the inventory domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow
from medsec.products.models import ProfileVersion


class Site(Base):
    """A place a healthcare provider runs devices in (a hospital, a clinic building)."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: IANA time zone name (``Europe/Berlin``), for local times in reports.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    address: Mapped[str | None] = mapped_column(String(400))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    zones: Mapped[list[Zone]] = relationship(
        back_populates="site", order_by="Zone.name", cascade="all, delete-orphan"
    )


class Zone(Base):
    """An IEC 62443 zone of a site: a group of assets with one target security level."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str | None] = mapped_column(String(400))
    #: Target security level SL-T, 1–4 (IEC 62443-3-2).
    security_level: Mapped[int] = mapped_column(default=2)
    cidrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    vlan_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    site: Mapped[Site] = relationship(back_populates="zones")


class Asset(Base):
    """One device (or server) of a healthcare provider, identified by its serial."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("organization_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    vendor: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    serial: Mapped[str] = mapped_column(String(120))
    firmware_version: Mapped[str | None] = mapped_column(String(120))
    #: The hardware revision (``B``, ``rev. C``); compared, trimmed and case-blind, with an
    #: update release's hardware revisions.
    hardware_revision: Mapped[str | None] = mapped_column(String(40))
    #: The configuration the device runs (``wifi``, ``ICU``), named as the manufacturer's
    #: update releases name theirs; compared like the hardware revision.
    configuration: Mapped[str | None] = mapped_column(String(80))
    profile_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("profile_versions.id"), index=True
    )
    #: How the profile version was linked: ``manual`` or ``matched`` (vendor+model+version).
    profile_link: Mapped[str | None] = mapped_column(String(16))
    ip_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Lower-case, colon-separated (``00:1a:2b:3c:4d:5e``).
    mac: Mapped[str | None] = mapped_column(String(17))
    hostname: Mapped[str | None] = mapped_column(String(253))
    location: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(200))
    #: ``life-sustaining``, ``high``, ``medium`` or ``low`` (see docs/inventory.md).
    criticality: Mapped[str] = mapped_column(String(24), default="medium")
    #: The SBOM last reported with the identity: the raw document, as sent.
    sbom: Mapped[str | None] = mapped_column(Text)
    sbom_media_type: Mapped[str | None] = mapped_column(String(120))
    sbom_sha256: Mapped[str | None] = mapped_column(String(64))
    sbom_reported_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()
    zone: Mapped[Zone | None] = relationship()
    profile_version: Mapped[ProfileVersion | None] = relationship()
    events: Mapped[list[AssetEvent]] = relationship(
        back_populates="asset", order_by="AssetEvent.id", cascade="all, delete-orphan"
    )


class AssetEvent(Base):
    """Something that happened to an asset: created, imported, firmware changed, …"""

    __tablename__ = "asset_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: An :class:`medsec.inventory.fields.EventKind` value.
    kind: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(400))
    new_value: Mapped[str | None] = mapped_column(String(400))
    #: ``ui``, ``api``, ``import:<file>``, ``identity`` …
    source: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str | None] = mapped_column(String(200))

    asset: Mapped[Asset] = relationship(back_populates="events")
