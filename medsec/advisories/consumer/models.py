"""Tables of the CSAF consumer (migration ``0016``): subscriptions, the documents received
with their download state, the quarantine, and the advisories matched to the inventory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow


class CsafSubscription(Base):
    """A hospital's subscription to one CSAF provider, with the OpenPGP key it pinned."""

    __tablename__ = "csaf_subscriptions"
    __table_args__ = (UniqueConstraint("organization_id", "metadata_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    #: What the person typed (a domain or a URL) and how the metadata was found from it.
    requested: Mapped[str] = mapped_column(String(500))
    discovered_via: Mapped[str] = mapped_column(String(40))
    #: The provider-metadata.json this subscription reads.
    metadata_url: Mapped[str] = mapped_column(String(500))
    publisher: Mapped[str] = mapped_column(String(300))
    #: Upper-case hex fingerprint of the pinned key, and the key (armoured certificate).
    key_fingerprint: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    last_fetch_at: Mapped[dt.datetime | None] = mapped_column()
    #: ``ok`` or ``failed`` (with ``last_error``).
    last_fetch_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)

    documents: Mapped[list[CsafReceived]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan", passive_deletes=True
    )


class CsafReceived(Base):
    """One document URL of a subscription: its HTTP validators (ETag, Last-Modified), what
    the last download found, and the outcome (``imported``, ``quarantined``, ``released``)."""

    __tablename__ = "csaf_received"
    __table_args__ = (UniqueConstraint("subscription_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("csaf_subscriptions.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(1000))
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))
    tracking_id: Mapped[str | None] = mapped_column(String(200))
    document_version: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    subscription: Mapped[CsafSubscription] = relationship(back_populates="documents")


class CsafQuarantine(Base):
    """A downloaded document that was not imported, with the reason and the findings.

    Tampered documents (``hash-mismatch``, ``signature-invalid``, ``signature-missing``) and
    unreadable ones can never be released; a document that fails a mandatory test
    (``mandatory-tests``) can be, by an explicit, audited decision. Once a newer version of
    the same URL is imported, the entry is ``superseded`` and leaves the list."""

    __tablename__ = "csaf_quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("csaf_subscriptions.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(1000))
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    #: Validation findings (test id, JSON pointer, engine message, plain explanation).
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sha256: Mapped[str] = mapped_column(String(64))
    #: The bytes as received (UTF-8 text; kept so a release imports exactly what was seen).
    content: Mapped[str | None] = mapped_column(Text)
    tracking_id: Mapped[str | None] = mapped_column(String(200))
    quarantined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    released_at: Mapped[dt.datetime | None] = mapped_column()
    #: When a newer, authentic and valid version of the same URL was imported.
    superseded_at: Mapped[dt.datetime | None] = mapped_column()
    released_by: Mapped[str | None] = mapped_column(String(200))
    release_note: Mapped[str | None] = mapped_column(Text)


class AdvisoryMatch(Base):
    """An advisory's product found in the inventory: one asset, one vulnerability."""

    __tablename__ = "csaf_matches"
    __table_args__ = (UniqueConstraint("asset_id", "record_id", "vulnerability", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    #: ``vuln_records.record_id`` of the advisory (``namespace#tracking-id``).
    record_id: Mapped[str] = mapped_column(String(200), index=True)
    tracking_id: Mapped[str] = mapped_column(String(200))
    vulnerability: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[str] = mapped_column(String(200))
    product_name: Mapped[str] = mapped_column(String(400))
    #: ``affected`` or ``under_investigation``.
    status: Mapped[str] = mapped_column(String(24))
    #: ``identifier`` (purl or CPE of the device's profile) or ``name`` (vendor/model/firmware).
    confidence: Mapped[str] = mapped_column(String(16))
    matched_on: Mapped[str] = mapped_column(String(400))
    base_score: Mapped[float | None] = mapped_column()
    remediation: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
