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
    #: E-mail delivery: None (not by e-mail), ``pending``, ``sent``, ``failed`` (gave up
    #: after the retries) or ``skipped`` (the user opted out or lost the address before it
    #: was sent).
    email_status: Mapped[str | None] = mapped_column(String(16), index=True)
    email_to: Mapped[str | None] = mapped_column(String(254))
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When the next attempt is due (also the claim of an attempt under way).
    email_next_at: Mapped[dt.datetime | None] = mapped_column()
    email_error: Mapped[str | None] = mapped_column(Text)
    emailed_at: Mapped[dt.datetime | None] = mapped_column()
