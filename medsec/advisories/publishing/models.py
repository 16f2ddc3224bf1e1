"""Tables of advisories kept in the service: the advisory (its draft input), its published
revisions (CSAF JSON kept byte for byte, never changed) and who was told about each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow


class Advisory(Base):
    """One advisory of a manufacturer organization, by CSAF ``tracking.id``.

    ``draft`` is the input being edited (the authoring input model as JSON); ``state`` is
    ``draft`` until the first revision is published, then ``published``."""

    __tablename__ = "advisories"
    __table_args__ = (UniqueConstraint("organization_id", "tracking_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    tracking_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    revisions: Mapped[list[AdvisoryRevision]] = relationship(
        back_populates="advisory", order_by="AdvisoryRevision.id"
    )


class AdvisoryRevision(Base):
    """A published revision: the signed CSAF document as published, and its pages."""

    __tablename__ = "advisory_revisions"
    __table_args__ = (UniqueConstraint("advisory_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id"), index=True)
    #: ``document.tracking.version`` (semantic versioning, CSAF 2.0 §3.1.11.2).
    version: Mapped[str] = mapped_column(String(40))
    #: ``document.tracking.status``: ``interim`` or ``final``.
    status: Mapped[str] = mapped_column(String(16))
    tlp: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    #: The CSAF JSON exactly as written to the provider (and signed there).
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    html: Mapped[str] = mapped_column(Text)
    fsn_html: Mapped[str] = mapped_column(Text)
    published_by: Mapped[str | None] = mapped_column(String(120))
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    advisory: Mapped[Advisory] = relationship(back_populates="revisions")
    recipients: Mapped[list[AdvisoryRecipient]] = relationship(
        back_populates="revision", order_by="AdvisoryRecipient.id"
    )


class AdvisoryRecipient(Base):
    """A hospital organization told about a published revision, and why; its
    acknowledgement."""

    __tablename__ = "advisory_recipients"
    __table_args__ = (UniqueConstraint("revision_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("advisory_revisions.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    #: It holds one of the advisory's products.
    holds: Mapped[bool] = mapped_column(default=False)
    #: How many of its assets are linked to a profile version the advisory names.
    assets: Mapped[int] = mapped_column(Integer, default=0)
    #: How many of its users were sent a notification.
    users_notified: Mapped[int] = mapped_column(Integer, default=0)
    notified_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))

    revision: Mapped[AdvisoryRevision] = relationship(back_populates="recipients")
