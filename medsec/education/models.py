"""Tables of the education domain: training objectives, attestations, risk worksheets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow


class TrainingObjective(Base):
    """Something staff must be trained in, renewed every ``renew_days``."""

    __tablename__ = "training_objectives"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    renew_days: Mapped[int] = mapped_column(Integer, default=365)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Attestation(Base):
    """A user completed an objective's training on ``completed_on``; valid until
    ``expires_on`` (completed_on + the objective's renew_days at the time)."""

    __tablename__ = "training_attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("training_objectives.id", ondelete="CASCADE"), index=True
    )
    completed_on: Mapped[dt.date] = mapped_column()
    expires_on: Mapped[dt.date] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(400))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The last reminder sent for this attestation's renewal (once per attestation).
    reminded_at: Mapped[dt.datetime | None] = mapped_column()

    objective: Mapped[TrainingObjective] = relationship()


class TrainingReminder(Base):
    """A reminder sent to a user who never attested an objective (once per pair)."""

    __tablename__ = "training_reminders"
    __table_args__ = (UniqueConstraint("user_id", "objective_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("training_objectives.id", ondelete="CASCADE")
    )
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RiskWorksheet(Base):
    """One revision of the risk assessment of an integration point.

    ``series`` groups the revisions of one worksheet (the first revision's id); a
    signed-off revision is read-only, and changing it makes revision + 1 (a draft).
    """

    __tablename__ = "risk_worksheets"
    __table_args__ = (UniqueConstraint("series", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    series: Mapped[int | None] = mapped_column(Integer, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    profile_version_id: Mapped[int | None] = mapped_column(ForeignKey("profile_versions.id"))
    counterpart_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    counterpart: Mapped[str | None] = mapped_column(String(200))
    framework: Mapped[str] = mapped_column(String(16))
    threats: Mapped[list[str]] = mapped_column(JSON, default=list)
    safety_impact: Mapped[str | None] = mapped_column(Text)
    #: ``[{"text": …, "measure": <profile hardening measure id or null>}]``
    controls: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    residual_likelihood: Mapped[int] = mapped_column(Integer)
    residual_impact: Mapped[int] = mapped_column(Integer)
    residual_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    signed_by: Mapped[str | None] = mapped_column(String(120))
    signed_at: Mapped[dt.datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
