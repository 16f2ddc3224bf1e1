"""Tables of the monitoring domain: device events as received and enriched, alert rules
and the alerts they raised."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from medsec.db.base import Base, utcnow


class DeviceEvent(Base):
    """One syslog message from a device and what the catalog of its product says of it.

    ``message_id`` is given at receipt; the insert is idempotent on it, so a batch
    written again after a lost acknowledgement (or replayed from the spool) is stored once.
    """

    __tablename__ = "device_events"
    __table_args__ = (
        UniqueConstraint("message_id"),
        Index("ix_device_events_asset_received", "asset_id", "received_at"),
        Index("ix_device_events_org_received", "organization_id", "received_at"),
        Index("ix_device_events_org_event", "organization_id", "event_id"),
        Index("ix_device_events_org_status", "organization_id", "status", "product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    received_at: Mapped[dt.datetime] = mapped_column()
    #: The device's timestamp (``None`` when the message carried none).
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    source_address: Mapped[str | None] = mapped_column(String(64))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    attributed_by: Mapped[str | None] = mapped_column(String(16))
    profile_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="SET NULL"), index=True
    )
    #: "Manufacturer Product Version" of the catalog used, or ``(unattributed)``.
    product: Mapped[str] = mapped_column(String(400))
    format: Mapped[str] = mapped_column(String(8))
    facility: Mapped[int | None] = mapped_column()
    #: The device's own severity (RFC 5424 0–7).
    message_severity: Mapped[int | None] = mapped_column()
    hostname: Mapped[str | None] = mapped_column(String(255))
    app_name: Mapped[str | None] = mapped_column(String(48))
    procid: Mapped[str | None] = mapped_column(String(128))
    msgid: Mapped[str | None] = mapped_column(String(32))
    structured_data: Mapped[list[Any]] = mapped_column(JSON, default=list)
    msg: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[str] = mapped_column(Text)
    parse_error: Mapped[str | None] = mapped_column(String(400))
    truncated_from: Mapped[int | None] = mapped_column()
    #: ``catalogued`` or ``uncatalogued``.
    status: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str | None] = mapped_column(String(32))
    #: The catalog's severity.
    severity: Mapped[int | None] = mapped_column(index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    meaning: Mapped[str | None] = mapped_column(Text)
    recommended_action: Mapped[str | None] = mapped_column(Text)
    matched_by: Mapped[str | None] = mapped_column(String(16))
    captures: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: An :class:`medsec.monitoring.enrich.Uncatalogued` value.
    uncatalogued_reason: Mapped[str | None] = mapped_column(String(16))
    reason_text: Mapped[str | None] = mapped_column(Text)
    stored_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AlertRule(Base):
    """When to raise an alert and whom to tell (see docs/monitoring.md, "Alerts")."""

    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: ``severity``, ``event``, ``rate`` or ``silence``.
    kind: Mapped[str] = mapped_column(String(16))
    #: severity: catalog severity at most this (0 emergency … 7 debug; lower is worse).
    max_severity: Mapped[int | None] = mapped_column()
    event_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: rate: at least ``threshold`` matching events within ``window_minutes``.
    threshold: Mapped[int | None] = mapped_column()
    window_minutes: Mapped[int | None] = mapped_column()
    #: silence: no message from the asset for ``window_minutes``.
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    email_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(400))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    syslog_forward: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


#: The predicate of the partial unique index: at most one *open* alert per key (as SQL
#: text: PostgreSQL infers the index of ``ON CONFLICT … WHERE`` from a literal, not a
#: parameter; see :mod:`medsec.monitoring.dedup`).
OPEN = text("status = 'open'")


class Alert(Base):
    """An alert raised by a rule. While it is open, further matches with the same
    ``dedup_key`` count into it instead of raising (and notifying) again; the database
    holds at most one open alert per (organization, ``dedup_key``)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_org_status", "organization_id", "status", "dedup_key"),
        Index("uq_alerts_open_dedup_key", "organization_id", "dedup_key", unique=True,
              postgresql_where=OPEN, sqlite_where=OPEN),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    #: ``None`` for the listener's own alerts (UDP datagrams dropped).
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(200))
    #: ``open`` or ``acknowledged``.
    status: Mapped[str] = mapped_column(String(16), default="open")
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    device_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("device_events.id", ondelete="SET NULL")
    )
    event_id: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[int | None] = mapped_column()
    summary: Mapped[str] = mapped_column(Text)
    recommended_action: Mapped[str | None] = mapped_column(Text)
    count: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()


class AlertDelivery(Base):
    """One notification of one alert on one channel, and how its delivery went.

    Written with the alert (an outbox): the listener tries it at once, after the commit;
    a failure is retried by the worker (``monitoring.alert-deliveries``) with exponential
    backoff until ``max_attempts`` (see :mod:`medsec.monitoring.delivery`).
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    #: ``email``, ``webhook`` or ``syslog``.
    channel: Mapped[str] = mapped_column(String(16))
    #: The recipients, the URL or ``collector``: where it goes (never a secret).
    target: Mapped[str] = mapped_column(String(1000))
    #: ``pending`` (not yet delivered, attempts left), ``delivered`` or ``failed`` (given up).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: When the next attempt is due; also the lease of an attempt in progress.
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    delivered_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
