"""Tables of observed-flow checks run in the service: one row per check, one per violation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow


class FlowCheck(Base):
    """A log (Zeek conn.log, nfdump CSV) checked against a site's authorized flow map."""

    __tablename__ = "flow_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    #: ``zeek-tsv``, ``zeek-json``, ``nfdump-csv``.
    format: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    flows_read: Mapped[int] = mapped_column(BigInteger)
    flows_checked: Mapped[int] = mapped_column(BigInteger)
    malformed: Mapped[int] = mapped_column(BigInteger)
    violation_count: Mapped[int] = mapped_column()
    #: Uninventoried internal addresses, as the check reports them (``as_dict`` rows).
    uninventoried: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    checked_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    violations: Mapped[list[FlowViolation]] = relationship(
        order_by="FlowViolation.id", cascade="all, delete-orphan"
    )


class FlowViolation(Base):
    """Observed flows of one asset to or from one peer that the map does not authorize."""

    __tablename__ = "flow_violations"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(
        ForeignKey("flow_checks.id", ondelete="CASCADE"), index=True
    )
    asset: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(16))
    peer: Mapped[str] = mapped_column(String(64))
    peer_asset: Mapped[str | None] = mapped_column(String(64))
    peer_zone: Mapped[str | None] = mapped_column(String(64))
    protocol: Mapped[str] = mapped_column(String(16))
    port: Mapped[int | None] = mapped_column()
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The :class:`medsec.flows.results.ViolationClass` value.
    cls: Mapped[str] = mapped_column(String(32))
    flows: Mapped[int] = mapped_column(BigInteger)
    bytes: Mapped[int] = mapped_column(BigInteger)
    first_seen: Mapped[dt.datetime] = mapped_column()
    last_seen: Mapped[dt.datetime] = mapped_column()
