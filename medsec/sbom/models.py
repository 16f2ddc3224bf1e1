"""Tables of the SBOM service: one ``sboms`` row per attached SBOM, one
``sbom_components`` row per component it lists.

An SBOM belongs to exactly one owner: a profile version (manufacturer side) or an asset
(hospital side) — a check constraint holds this on every database. Components are stored
flat, one row each, in the form the vulnerability matcher reads (purl and its type,
namespace, name, version, CPE), indexed by ``(purl_type, name)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow


class StoredSbom(Base):
    """An SBOM attached to a profile version or to an asset (never both, never neither).

    ``document`` is the document as uploaded, gzip-compressed, when the compressed form is
    at most :data:`medsec.sbom.services.MAX_STORED_DOCUMENT` bytes; otherwise ``None``
    (the components are stored all the same and ``sha256`` identifies the original).
    ``ntia`` is the NTIA minimum-elements summary (see :mod:`medsec.sbom.summary`).
    ``source`` says how it came: ``upload``, ``identity-report``, ``release`` or ``feed``.
    """

    __tablename__ = "sboms"
    __table_args__ = (
        CheckConstraint("(profile_version_id IS NULL) <> (asset_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    profile_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="CASCADE"), unique=True
    )
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), unique=True
    )
    #: A :class:`medsec.sbom.model.SbomFormat` value (``cyclonedx-json``…).
    format: Mapped[str] = mapped_column(String(24))
    spec_version: Mapped[str] = mapped_column(String(16))
    serial_number: Mapped[str | None] = mapped_column(String(400))
    bom_version: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    document: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    document_stored: Mapped[bool] = mapped_column(default=False)
    product_name: Mapped[str | None] = mapped_column(String(400))
    product_version: Mapped[str | None] = mapped_column(String(200))
    #: The product's own identifiers (migration ``0021``): what identifies it across its
    #: versions (hospital triage is keyed by them, see :mod:`medsec.vulns.triage`).
    product_purl: Mapped[str | None] = mapped_column(Text)
    product_cpe: Mapped[str | None] = mapped_column(Text)
    ntia: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ntia_passed: Mapped[bool] = mapped_column(default=False)
    component_count: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(24), default="upload")
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    components: Mapped[list[SbomComponent]] = relationship(
        back_populates="sbom",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )


class SbomComponent(Base):
    """One component of a stored SBOM, as the vulnerability matcher reads it.

    ``position`` keeps the document's order (nested components after their parent);
    ``purl_type``/``namespace`` come from the purl (``namespace`` falls back to the
    CycloneDX ``group``); ``hashes`` maps algorithm to hex digest, ``licenses`` lists
    SPDX ids or expressions; ``bom_ref`` and ``parent_ref`` are the document's refs.
    """

    __tablename__ = "sbom_components"
    __table_args__ = (
        Index("ix_sbom_components_purl_type_name", "purl_type", "name"),
        Index("ix_sbom_components_sbom_id_position", "sbom_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sbom_id: Mapped[int] = mapped_column(ForeignKey("sboms.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    bom_ref: Mapped[str | None] = mapped_column(Text)
    parent_ref: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text)
    namespace: Mapped[str | None] = mapped_column(Text)
    purl: Mapped[str | None] = mapped_column(Text)
    purl_type: Mapped[str | None] = mapped_column(String(64))
    cpe: Mapped[str | None] = mapped_column(Text)
    supplier: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(String(64))
    hashes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    licenses: Mapped[list[str]] = mapped_column(JSON, default=list)

    sbom: Mapped[StoredSbom] = relationship(back_populates="components")
