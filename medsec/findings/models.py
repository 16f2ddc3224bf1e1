"""Tables of the findings domain (migration ``0015``): manufacturer VEX attached to
product versions, and the hospital's triage decisions.

A manufacturer's VEX document is kept as a ``vex_documents`` row (who, when, the file's
digest and bytes: the newest one of a version is what its feed serves, migration ``0024``)
and one ``vex_statements`` row per statement that is about the product version it was
attached to. A statement names a vulnerability (with its aliases) and, unless it
is about the whole product, a component (the subject as the document named it, JSON);
it never applies by a bare CVE id.

A ``finding_triage`` row is one analyst decision of a hospital about one vulnerability in
one component of one product (the keys of :mod:`medsec.vulns.triage`); recording again
replaces it (the audit log keeps the history).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow


class VexDocumentRow(Base):
    """One VEX document a manufacturer attached to one of its product versions (or a
    subscriber received from its feed: ``uploaded_by`` is then ``feed:<subscription id>``).

    ``document`` holds the exact bytes (``None`` only for a document attached before
    migration ``0024`` whose bytes were not kept); the newest document of a version with
    bytes is the one the version's feed carries.
    """

    __tablename__ = "vex_documents"
    __table_args__ = (UniqueConstraint("profile_version_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    profile_version_id: Mapped[int] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="CASCADE"), index=True
    )
    #: ``cyclonedx``, ``openvex`` or ``csaf``.
    format: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    document: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    statement_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Statements of the document about other products (not stored).
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    statements: Mapped[list[VexStatementRow]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="VexStatementRow.id",
    )


class VexStatementRow(Base):
    """One statement of a manufacturer VEX document about its product version."""

    __tablename__ = "vex_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("vex_documents.id", ondelete="CASCADE"), index=True
    )
    profile_version_id: Mapped[int] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="CASCADE"), index=True
    )
    vulnerability: Mapped[str] = mapped_column(String(200), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: A :class:`medsec.vulns.vex.model.VexStatus` value.
    status: Mapped[str] = mapped_column(String(24))
    justification: Mapped[str | None] = mapped_column(String(64))
    impact_statement: Mapped[str | None] = mapped_column(Text)
    action_statement: Mapped[str | None] = mapped_column(Text)
    timestamp: Mapped[dt.datetime | None] = mapped_column()
    original_status: Mapped[str | None] = mapped_column(String(64))
    original_justification: Mapped[str | None] = mapped_column(String(64))
    #: Who made the statement (the document's author).
    source: Mapped[str] = mapped_column(String(400))
    #: The component the statement is about, as the document named it (``None``: the
    #: whole product): ``purl``, ``cpe``, ``ref``, ``name``, ``version``, ``document``,
    #: ``hashes``.
    component: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The product as the document named it (for the finding page).
    product: Mapped[str | None] = mapped_column(Text)
    pointer: Mapped[str] = mapped_column(String(400), default="")

    document: Mapped[VexDocumentRow] = relationship(back_populates="statements")


class TriageRow(Base):
    """A hospital analyst's decision on one vulnerability of one component of a product."""

    __tablename__ = "finding_triage"
    __table_args__ = (
        UniqueConstraint("organization_id", "product_key", "component_key", "vulnerability"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    product_key: Mapped[str] = mapped_column(String(400))
    component_key: Mapped[str] = mapped_column(String(400))
    vulnerability: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(24))
    justification: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    analyst: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The component as it was when the decision was made (the carry-over rule).
    component_version: Mapped[str | None] = mapped_column(String(200))
    component_hashes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
