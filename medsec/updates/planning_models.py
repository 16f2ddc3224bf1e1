"""Tables of the hospital side of the updates domain: maintenance windows, update groups
(concurrency limits), update plans and their tasks with the history of each task.

Instants are UTC (:class:`medsec.db.base.UtcDateTime`); window rules keep local wall
times (``start_time``/``end_time``) and an IANA zone, so an occurrence is computed by
:mod:`medsec.updates.windows` for the date it falls on, daylight saving included.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow
from medsec.inventory.models import Asset, Site
from medsec.updates.models import UpdateRelease


class MaintenanceWindow(Base):
    """A recurring window on a site, one of its zones or one asset."""

    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: ``site``, ``zone`` or ``asset`` (:class:`medsec.updates.planner.Scope`).
    scope: Mapped[str] = mapped_column(String(8))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    #: Weekday numbers of the start, 0 = Monday … 6 = Sunday.
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    #: IANA zone; None: the site's zone at the time the window is used.
    timezone: Mapped[str | None] = mapped_column(String(64))
    downtime: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()


class UpdateGroup(Base):
    """A concurrency group: the assets of a site (optionally of one zone and/or one
    product) of which at most ``max_concurrent`` are updated at once."""

    __tablename__ = "update_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    max_concurrent: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UpdatePlan(Base):
    """One run of the planner over a site's windows and groups, for a horizon."""

    __tablename__ = "update_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    horizon_start: Mapped[dt.datetime] = mapped_column()
    horizon_end: Mapped[dt.datetime] = mapped_column()
    #: ``[{"asset_id", "release_id", "reason"}]``: what the planner could not place.
    unplaced: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    #: ``{"group:<id>": limit}`` as the planner kept them.
    limits: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()
    tasks: Mapped[list[UpdateTaskRow]] = relationship(
        back_populates="plan", order_by="UpdateTaskRow.start", cascade="all, delete-orphan"
    )


class UpdateTaskRow(Base):
    """Updating one asset with one release in one window occurrence."""

    __tablename__ = "update_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("update_plans.id", ondelete="CASCADE"), index=True
    )
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("update_releases.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_windows.id", ondelete="SET NULL")
    )
    start: Mapped[dt.datetime] = mapped_column()
    end: Mapped[dt.datetime] = mapped_column()
    occurrence_start: Mapped[dt.datetime] = mapped_column()
    occurrence_end: Mapped[dt.datetime] = mapped_column()
    #: The local date (site zone) the window occurrence starts on.
    local_date: Mapped[dt.date] = mapped_column()
    assignee: Mapped[str | None] = mapped_column(String(200))
    #: A :class:`medsec.updates.tasks.TaskState` value.
    state: Mapped[str] = mapped_column(String(16), default="planned")
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    #: Where the evidence file is kept (a document id, a ticket, a path on a share).
    evidence_ref: Mapped[str | None] = mapped_column(String(400))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    plan: Mapped[UpdatePlan] = relationship(back_populates="tasks")
    asset: Mapped[Asset] = relationship()
    release: Mapped[UpdateRelease] = relationship()
    history: Mapped[list[UpdateTaskEvent]] = relationship(
        back_populates="task", order_by="UpdateTaskEvent.id", cascade="all, delete-orphan"
    )


class UpdateTaskEvent(Base):
    """One transition of a task: who, when (UTC), from and to which state, and why."""

    __tablename__ = "update_task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("update_tasks.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column()
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str | None] = mapped_column(String(120))

    task: Mapped[UpdateTaskRow] = relationship(back_populates="history")
