"""Device events, the uncatalogued report, alerts and alert rules in the service.

Reading needs ``inventory:read``, acknowledging alerts and writing rules
``inventory:write``, in a healthcare-provider organization (the checks of
:func:`medsec.inventory.services.require`); another organization's alert, rule or asset
answers :class:`NotFound`. Rule changes and acknowledgements are audit events
(``monitoring:alert-rule:created|updated|deleted``, ``monitoring:alert:acknowledged``).
A rule's webhook URL is checked against the :class:`~medsec.monitoring.webhooks.WebhookPolicy`
of the instance when it is saved (and again at each delivery).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import Conflict, NotFound
from medsec.inventory import services as inventory
from medsec.inventory.fields import InvalidValue
from medsec.inventory.models import Asset
from medsec.inventory.services import require
from medsec.monitoring import alerts
from medsec.monitoring.models import Alert, AlertDelivery, AlertRule, DeviceEvent
from medsec.monitoring.schemas import AlertRuleIn, UncataloguedOut
from medsec.monitoring.webhooks import WebhookPolicy


@dataclass(frozen=True)
class EventFilter:
    asset_id: int | None = None
    #: Catalog severity at most this (0 is the worst).
    max_severity: int | None = None
    event_id: str | None = None
    uncatalogued: bool | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    #: The serial of the asset (exact).
    serial: str | None = None


@dataclass(frozen=True)
class AssetLabel:
    serial: str
    #: The host name, else vendor and model.
    name: str


def asset_labels(session: Session, actor: Actor, asset_ids: set[int]) -> dict[int, AssetLabel]:
    """Serial and name of these assets (of the actor's organization)."""
    ids = sorted(i for i in asset_ids if i is not None)
    if not ids:
        return {}
    rows = session.execute(
        select(Asset.id, Asset.serial, Asset.hostname, Asset.vendor, Asset.model).where(
            Asset.organization_id == actor.organization_id, Asset.id.in_(ids))
    ).all()  # fmt: skip
    return {i: AssetLabel(serial, host or f"{vendor} {model}".strip())
            for i, serial, host, vendor, model in rows}  # fmt: skip


def list_events(
    session: Session, actor: Actor, where: EventFilter, offset: int = 0, limit: int = 50
) -> tuple[Sequence[DeviceEvent], int]:
    require(actor, Permission.INVENTORY_READ)
    if where.asset_id is not None:
        inventory.get_asset(session, actor, where.asset_id)  # NotFound for another's
    stmt = select(DeviceEvent).where(DeviceEvent.organization_id == actor.organization_id)
    if where.asset_id is not None:
        stmt = stmt.where(DeviceEvent.asset_id == where.asset_id)
    if where.serial is not None:
        stmt = stmt.where(DeviceEvent.asset_id.in_(
            select(Asset.id).where(Asset.organization_id == actor.organization_id,
                                   Asset.serial == where.serial)
        ))  # fmt: skip
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
    ).all()) if rows else {}  # fmt: skip
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
    if alert.status == "open":
        alerts.acknowledge(session, alert, actor.username)
        session.flush()
        record(session, Tag.ALERT_ACKNOWLEDGED, actor.context, target=f"alert:{alert.id}",
               organization_id=actor.organization_id,
               details={"summary": alert.summary[:200]})  # fmt: skip
    return alert


def deliveries(session: Session, alert_ids: Sequence[int]) -> dict[int, list[AlertDelivery]]:
    from medsec.monitoring.delivery import of_alerts

    return of_alerts(session, alert_ids)


def list_rules(session: Session, actor: Actor) -> Sequence[AlertRule]:
    require(actor, Permission.INVENTORY_READ)
    stmt = select(AlertRule).where(AlertRule.organization_id == actor.organization_id)
    return session.execute(stmt.order_by(AlertRule.name)).scalars().all()


def get_rule(session: Session, actor: Actor, rule_id: int) -> AlertRule:
    require(actor, Permission.INVENTORY_READ)
    rule = session.get(AlertRule, rule_id)
    if rule is None or rule.organization_id != actor.organization_id:
        raise NotFound(f"no alert rule {rule_id}")
    return rule


def _check(
    session: Session, actor: Actor, data: AlertRuleIn, policy: WebhookPolicy,
    rule: AlertRule | None = None,
) -> str | None:  # fmt: skip
    """Check references, name and webhook; the webhook secret to store."""
    if data.asset_id is not None:
        inventory.get_asset(session, actor, data.asset_id)
    clash = session.execute(
        select(AlertRule.id).where(AlertRule.organization_id == actor.organization_id,
                                   AlertRule.name == data.name)
    ).scalar()  # fmt: skip
    if clash is not None and (rule is None or clash != rule.id):
        raise Conflict(f"an alert rule named '{data.name}' exists", hint="choose another name")
    if data.webhook_url is None:
        return None
    policy.target(data.webhook_url)  # WebhookRefused (422) for a URL it may not reach
    if data.webhook_secret:
        return data.webhook_secret
    if rule is not None and rule.webhook_url == data.webhook_url and rule.webhook_secret:
        return rule.webhook_secret
    raise InvalidValue(
        "a webhook needs webhook_secret (the HMAC key, 16+ characters)",
        hint="the receiver checks X-Medsec-Signature with it",
    )


def _values(data: AlertRuleIn, secret: str | None) -> dict[str, object]:
    values = data.model_dump()
    values["webhook_secret"] = secret
    return values


def _summary(rule: AlertRule) -> dict[str, object]:
    return {"name": rule.name, "kind": rule.kind, "enabled": rule.enabled,
            "email_to": list(rule.email_to), "webhook": rule.webhook_url,
            "syslog": rule.syslog_forward}  # fmt: skip


def create_rule(
    session: Session, actor: Actor, data: AlertRuleIn, policy: WebhookPolicy | None = None
) -> AlertRule:
    require(actor, Permission.INVENTORY_WRITE)
    secret = _check(session, actor, data, policy or WebhookPolicy())
    rule = AlertRule(organization_id=actor.organization_id, **_values(data, secret))
    session.add(rule)
    session.flush()
    record(session, Tag.ALERT_RULE_CREATED, actor.context, target=f"alert-rule:{rule.id}",
           organization_id=actor.organization_id, details=_summary(rule))  # fmt: skip
    return rule


def update_rule(
    session: Session, actor: Actor, rule_id: int, data: AlertRuleIn,
    policy: WebhookPolicy | None = None,
) -> AlertRule:  # fmt: skip
    """Replace the rule's settings (a webhook secret left out is kept for the same URL)."""
    require(actor, Permission.INVENTORY_WRITE)
    rule = get_rule(session, actor, rule_id)
    secret = _check(session, actor, data, policy or WebhookPolicy(), rule)
    for name, value in _values(data, secret).items():
        setattr(rule, name, value)
    session.flush()
    record(session, Tag.ALERT_RULE_UPDATED, actor.context, target=f"alert-rule:{rule.id}",
           organization_id=actor.organization_id, details=_summary(rule))  # fmt: skip
    return rule


def set_rule_enabled(session: Session, actor: Actor, rule_id: int, enabled: bool) -> AlertRule:
    """Disable (the rule raises nothing, its open alerts stay) or enable a rule."""
    require(actor, Permission.INVENTORY_WRITE)
    rule = get_rule(session, actor, rule_id)
    if rule.enabled != enabled:
        rule.enabled = enabled
        session.flush()
        record(session, Tag.ALERT_RULE_UPDATED, actor.context, target=f"alert-rule:{rule.id}",
               organization_id=actor.organization_id, details=_summary(rule))  # fmt: skip
    return rule


def delete_rule(session: Session, actor: Actor, rule_id: int) -> None:
    """Delete the rule with its alerts (and their deliveries)."""
    require(actor, Permission.INVENTORY_WRITE)
    rule = get_rule(session, actor, rule_id)
    details = _summary(rule)
    session.execute(delete(Alert).where(Alert.rule_id == rule.id))
    session.delete(rule)
    session.flush()
    record(session, Tag.ALERT_RULE_DELETED, actor.context, target=f"alert-rule:{rule_id}",
           organization_id=actor.organization_id, details=details)  # fmt: skip
