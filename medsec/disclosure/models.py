"""Tables of the disclosure domain.

Everything a reporter wrote (the report, their contact, their OpenPGP key, messages,
attachments and their names) is stored sealed (:mod:`medsec.disclosure.encryption`);
the columns in clear are what triage needs to sort and count: state, dates, flags.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow


class Program(Base):
    """An organization's intake: the public slug reports are addressed to, and its
    default acknowledgement time (used when a product's profile names none)."""

    __tablename__ = "disclosure_programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    acknowledge_days: Mapped[int] = mapped_column(default=5)
    accepting: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DisclosureCase(Base):
    __tablename__ = "disclosure_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    #: SHA-256 (hex) of the reporter's tracking token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="received")
    #: Sealed JSON: title, description, affected, impact, reproduction.
    sealed_report: Mapped[str] = mapped_column(Text)
    sealed_contact: Mapped[str | None] = mapped_column(Text)
    sealed_reporter_key: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    embargo_until: Mapped[dt.date | None] = mapped_column()
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledge_by: Mapped[dt.datetime] = mapped_column()
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    messages: Mapped[list[Message]] = relationship(order_by="Message.id")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id")
    advisories: Mapped[list[AdvisoryLink]] = relationship(order_by="AdvisoryLink.id")


class Message(Base):
    __tablename__ = "disclosure_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disclosure_cases.id"), index=True)
    #: ``reporter`` or ``team``.
    author: Mapped[str] = mapped_column(String(16))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sealed_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    __tablename__ = "disclosure_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disclosure_cases.id"), index=True)
    sealed_filename: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column()
    sealed_content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AdvisoryLink(Base):
    """A case's advisory, by CSAF ``document.tracking.id`` (free text until the CSAF
    provider can resolve it)."""

    __tablename__ = "disclosure_advisory_links"
    __table_args__ = (UniqueConstraint("case_id", "tracking_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disclosure_cases.id"), index=True)
    tracking_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
