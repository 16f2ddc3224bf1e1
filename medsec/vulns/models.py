"""Tables of the vulnerability store (migration ``0002_vulns``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow


class VulnRecord(Base):
    """One vulnerability record as imported (OSV JSON, or an NVD CVE), kept whole."""

    __tablename__ = "vuln_records"
    __table_args__ = (UniqueConstraint("source", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``osv`` or ``nvd``.
    source: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(200), index=True)
    modified: Mapped[dt.datetime] = mapped_column()
    withdrawn: Mapped[dt.datetime | None] = mapped_column()
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    affected: Mapped[list[VulnAffected]] = relationship(
        back_populates="record", cascade="all, delete-orphan", passive_deletes=True
    )


class VulnAffected(Base):
    """One ``affected[]`` package of an OSV record, for looking records up by package."""

    __tablename__ = "vuln_affected"
    __table_args__ = (Index("ix_vuln_affected_package", "ecosystem", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_pk: Mapped[int] = mapped_column(
        ForeignKey("vuln_records.id", ondelete="CASCADE"), index=True
    )
    #: The base ecosystem, case-folded (``debian`` for ``Debian:12``).
    ecosystem: Mapped[str] = mapped_column(String(80))
    #: The name normalised per ecosystem (PEP 503 for PyPI…).
    name_key: Mapped[str] = mapped_column(String(400))
    affected_index: Mapped[int] = mapped_column()

    record: Mapped[VulnRecord] = relationship(back_populates="affected")


class KevEntryRow(Base):
    """One CISA KEV catalog entry."""

    __tablename__ = "kev_entries"

    cve_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    vendor_project: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(200))
    vulnerability_name: Mapped[str] = mapped_column(String(400))
    date_added: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    required_action: Mapped[str] = mapped_column(String(2000))
    known_ransomware_campaign_use: Mapped[str | None] = mapped_column(String(40))
    catalog_version: Mapped[str] = mapped_column(String(40))
