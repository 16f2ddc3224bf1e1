"""Device events, the uncatalogued report, alerts and alert rules in the service.

Reading needs ``inventory:read``, acknowledging alerts and writing rules
``inventory:write``, in a healthcare-provider organization (the checks of
:func:`medsec.inventory.services.require`); another organization's alert or asset
answers :class:`NotFound`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.errors import Conflict, NotFound
from medsec.inventory import services as inventory
from medsec.inventory.services import require
from medsec.monitoring import alerts
from medsec.monitoring.models import Alert, AlertRule, DeviceEvent
from medsec.monitoring.schemas import AlertRuleIn, UncataloguedOut


@dataclass(frozen=True)
class EventFilter:
    asset_id: int | None = None
    #: Catalog severity at most this (0 is the worst).
    max_severity: int | None = None
    event_id: str | None = None
    uncatalogued: bool | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def list_events(
    session: Session, actor: Actor, where: EventFilter, offset: int = 0, limit: int = 50
) -> tuple[Sequence[DeviceEvent], int]:
    require(actor, Permission.INVENTORY_READ)
    if where.asset_id is not None:
        inventory.get_asset(session, actor, where.asset_id)  # NotFound for another's
    stmt = select(DeviceEvent).where(DeviceEvent.organization_id == actor.organization_id)
    if where.asset_id is not None:
        stmt = stmt.where(DeviceEvent.asset_id == where.asset_id)
    if where.max_severity is not None:
        stmt = stmt.where(DeviceEvent.severity <= where.max_severity)
    if where.event_id is not None:
        stmt = stmt.where(DeviceEvent.event_id == where.event_id)
    if where.uncatalogued is not None:
        status = "uncatalogued" if where.uncatalogued else "catalogued"
        stmt = stmt.where(DeviceEvent.status == status)
    if where.since is not None:
        stmt = stmt.where(DeviceEvent.received_at >= where.since)
    if where.until is not None:
        stmt = stmt.where(DeviceEvent.received_at < where.until)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(DeviceEvent.received_at.desc(), DeviceEvent.id.desc())
        .offset(offset).limit(limit)
    ).scalars().all()  # fmt: skip
    return rows, total


def latest_for_asset(
    session: Session, actor: Actor, asset_id: int, limit: int = 20
) -> Sequence[DeviceEvent]:
    rows, _ = list_events(session, actor, EventFilter(asset_id=asset_id), 0, limit)
    return rows


def uncatalogued(session: Session, actor: Actor) -> list[UncataloguedOut]:
    """Uncatalogued messages per product and (APP-NAME, MSGID, reason), with an example."""
    require(actor, Permission.INVENTORY_READ)
    key = (DeviceEvent.product, DeviceEvent.app_name, DeviceEvent.msgid,
           DeviceEvent.uncatalogued_reason)  # fmt: skip
    rows = session.execute(
        select(*key, func.count(DeviceEvent.id), func.min(DeviceEvent.id))
        .where(DeviceEvent.organization_id == actor.organization_id,
               DeviceEvent.status == "uncatalogued")
        .group_by(*key)
    ).all()  # fmt: skip
    examples = dict(session.execute(
        select(DeviceEvent.id, DeviceEvent.raw).where(DeviceEvent.id.in_([r[5] for r in rows]))
    ).tuples().all()) if rows else {}  # fmt: skip
    report = [
        UncataloguedOut(product=p, app_name=a, msgid=m, reason=r or "", count=c,
                        example=examples.get(first, ""))
        for p, a, m, r, c, first in rows
    ]  # fmt: skip
    return sorted(report, key=lambda u: (u.product, -u.count, u.app_name or "", u.msgid or ""))


def list_alerts(session: Session, actor: Actor, status: str | None = None) -> Sequence[Alert]:
    require(actor, Permission.INVENTORY_READ)
    stmt = select(Alert).where(Alert.organization_id == actor.organization_id)
    if status is not None:
        stmt = stmt.where(Alert.status == status)
    return session.execute(
        stmt.order_by(Alert.status.desc(), Alert.last_at.desc(), Alert.id.desc()).limit(500)
    ).scalars().all()  # fmt: skip


def get_alert(session: Session, actor: Actor, alert_id: int) -> Alert:
    require(actor, Permission.INVENTORY_READ)
    alert = session.get(Alert, alert_id)
    if alert is None or alert.organization_id != actor.organization_id:
        raise NotFound(f"no alert {alert_id}")
    return alert


def acknowledge(session: Session, actor: Actor, alert_id: int) -> Alert:
    require(actor, Permission.INVENTORY_WRITE)
    alert = get_alert(session, actor, alert_id)
    alerts.acknowledge(session, alert, actor.username)
    session.flush()
    return alert


def list_rules(session: Session, actor: Actor) -> Sequence[AlertRule]:
    require(actor, Permission.INVENTORY_READ)
    stmt = select(AlertRule).where(AlertRule.organization_id == actor.organization_id)
    return session.execute(stmt.order_by(AlertRule.name)).scalars().all()


def create_rule(session: Session, actor: Actor, data: AlertRuleIn) -> AlertRule:
    require(actor, Permission.INVENTORY_WRITE)
    if data.asset_id is not None:
        inventory.get_asset(session, actor, data.asset_id)
    clash = session.execute(
        select(AlertRule.id).where(AlertRule.organization_id == actor.organization_id,
                                   AlertRule.name == data.name)
    ).first()  # fmt: skip
    if clash is not None:
        raise Conflict(f"an alert rule named '{data.name}' exists", hint="choose another name")
    values = data.model_dump()
    values["webhook_url"] = str(data.webhook_url) if data.webhook_url else None
    rule = AlertRule(organization_id=actor.organization_id, **values)
    session.add(rule)
    session.flush()
    return rule
