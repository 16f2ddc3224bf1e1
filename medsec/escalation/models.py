"""Tables of the escalation domain: incident cases, their messages and attachments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow
from medsec.inventory.models import Asset
from medsec.products.models import Product, ProfileVersion


class Case(Base):
    """An incident case a hospital opens with the manufacturer of a product it holds.

    Exactly two organizations see it: ``hospital_id`` and ``manufacturer_id`` (the
    product's owner, copied here so the queue is one indexed query).
    """

    __tablename__ = "escalation_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    manufacturer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    profile_version_id: Mapped[int] = mapped_column(ForeignKey("profile_versions.id"))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    symptoms: Mapped[str] = mapped_column(Text)
    #: A :class:`medsec.escalation.kinds.Severity` value.
    severity: Mapped[str] = mapped_column(String(16))
    patient_safety: Mapped[str] = mapped_column(String(16))
    patient_safety_detail: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(24), default="open", index=True)
    #: The profile's SLA text and the clock read from it, as they were when the case opened.
    sla_text: Mapped[str | None] = mapped_column(Text)
    sla_calendar: Mapped[str] = mapped_column(String(120), default="24×7")
    response_due_at: Mapped[dt.datetime | None] = mapped_column()
    resolution_due_at: Mapped[dt.datetime | None] = mapped_column()
    responded_at: Mapped[dt.datetime | None] = mapped_column()
    resolved_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    #: Timers already reported overdue (``response``, ``resolution``), so each is once.
    overdue_reported: Mapped[str] = mapped_column(String(40), default="")
    after_action: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship()
    profile_version: Mapped[ProfileVersion] = relationship()
    asset: Mapped[Asset | None] = relationship()
    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="case", order_by="CaseMessage.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[CaseAttachment]] = relationship(
        back_populates="case", order_by="CaseAttachment.id", cascade="all, delete-orphan"
    )


class CaseMessage(Base):
    """One message of a case, from either side; state changes are messages too."""

    __tablename__ = "escalation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_cases.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    #: ``hospital`` or ``manufacturer``.
    side: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    #: ``message``, or ``state`` for a recorded state change (body says from → to).
    kind: Mapped[str] = mapped_column(String(16), default="message")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="messages")


class CaseAttachment(Base):
    """A file sent with a case, optionally naming the "what to send" item it answers."""

    __tablename__ = "escalation_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_cases.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: Index into the profile's ``recovery.incident_information`` list, or None.
    item: Mapped[int | None] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")
