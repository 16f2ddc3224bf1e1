"""Tables of the updates domain (manufacturer side)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow
from medsec.products.models import Product, ProfileVersion


class UpdateRelease(Base):
    """One update release of a product. ``draft`` until published, then immutable."""

    __tablename__ = "update_releases"
    __table_args__ = (UniqueConstraint("product_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    version: Mapped[str] = mapped_column(String(80))
    released_on: Mapped[dt.date] = mapped_column()
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(200))
    fixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[str | None] = mapped_column(String(80))
    priority_context: Mapped[str | None] = mapped_column(Text)
    applies_to: Mapped[str | None] = mapped_column(String(400))
    hardware_revisions: Mapped[list[str]] = mapped_column(JSON, default=list)
    configurations: Mapped[list[str]] = mapped_column(JSON, default=list)
    cumulative: Mapped[bool] = mapped_column(Boolean, default=True)
    apply_mode: Mapped[str] = mapped_column(String(24))
    expected_minutes: Mapped[int | None] = mapped_column(Integer)
    reboot: Mapped[bool | None] = mapped_column(Boolean)
    installers: Mapped[list[str]] = mapped_column(JSON, default=list)
    preparation: Mapped[str | None] = mapped_column(Text)
    rollback: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    sbom: Mapped[str | None] = mapped_column(Text)
    sbom_media_type: Mapped[str | None] = mapped_column(String(120))
    sbom_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column()

    product: Mapped[Product] = relationship()


class ThirdPartyPatch(Base):
    """One entry of a profile version's validated third-party patch list."""

    __tablename__ = "third_party_patches"
    __table_args__ = (UniqueConstraint("profile_version_id", "kind", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_version_id: Mapped[int] = mapped_column(ForeignKey("profile_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    identifier: Mapped[str] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    released_on: Mapped[dt.date | None] = mapped_column()
    checked_on: Mapped[dt.date | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    profile_version: Mapped[ProfileVersion] = relationship()


class LifecycleNotice(Base):
    """End of sale/support/security updates of one product version, and the plan.

    ``publish_on`` is the earliest of the dates less ``lead_months``; holders see the
    notice once ``published_at`` is set (by the manufacturer, or by the worker on that day).
    """

    __tablename__ = "lifecycle_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_version_id: Mapped[int] = mapped_column(ForeignKey("profile_versions.id"), unique=True)
    end_of_sale: Mapped[dt.date | None] = mapped_column()
    end_of_support: Mapped[dt.date | None] = mapped_column()
    end_of_security_updates: Mapped[dt.date | None] = mapped_column()
    plan: Mapped[str | None] = mapped_column(Text)
    risks: Mapped[str | None] = mapped_column(Text)
    compensating_controls: Mapped[str | None] = mapped_column(Text)
    lead_months: Mapped[int] = mapped_column(Integer)
    publish_on: Mapped[dt.date] = mapped_column()
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column()

    profile_version: Mapped[ProfileVersion] = relationship()


class UpdateSettings(Base):
    """Per-organization settings of the updates domain."""

    __tablename__ = "update_settings"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    notice_lead_months: Mapped[int] = mapped_column(Integer, default=12)
