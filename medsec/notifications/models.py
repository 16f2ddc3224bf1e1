"""The notifications table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medsec.db.base import Base, utcnow


class Notification(Base):
    """One notification for one user. ``delivered_at`` is set by the worker."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: ``case-opened``, ``case-message``, ``case-overdue``, ``training-due`` …
    topic: Mapped[str] = mapped_column(String(40))
    #: What it is about, as audit targets name it (``case:12``).
    target: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(index=True)
