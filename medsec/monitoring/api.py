"""``/api/v1`` routes for device events (``/device-events``: the inventory's
``/assets/{id}/events`` are asset events), the uncatalogued report, alerts and rules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, instance, requires
from medsec.accounts.roles import Permission
from medsec.api.pagination import Page, PageParams, page_params
from medsec.api.params import MAX_ID, ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.monitoring import services
from medsec.monitoring.models import Alert, DeviceEvent
from medsec.monitoring.notify import webhook_policy
from medsec.monitoring.schemas import (
    AlertOut,
    AlertRuleIn,
    AlertRuleOut,
    DeliveryOut,
    DeviceEventOut,
    UncataloguedOut,
)
from medsec.monitoring.webhooks import WebhookPolicy
from medsec.service import Instance

router = APIRouter(prefix="/api/v1", tags=["monitoring"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.INVENTORY_READ)]
Writer = Annotated[Actor, requires(Permission.INVENTORY_WRITE)]


def _policy(found: Annotated[Instance, Depends(instance)]) -> WebhookPolicy:
    return webhook_policy(found.settings)


Policy = Annotated[WebhookPolicy, Depends(_policy)]


def events_out(
    session: Session, actor: Actor, rows: list[DeviceEvent] | tuple[DeviceEvent, ...]
) -> list[DeviceEventOut]:
    labels = services.asset_labels(session, actor, {r.asset_id for r in rows if r.asset_id})
    out = []
    for row in rows:
        item = DeviceEventOut.model_validate(row)
        label = labels.get(row.asset_id) if row.asset_id is not None else None
        if label is not None:
            item = item.model_copy(update={"asset_serial": label.serial, "asset_name": label.name})
        out.append(item)
    return out


def alerts_out(session: Session, alerts: list[Alert]) -> list[AlertOut]:
    found = services.deliveries(session, [a.id for a in alerts])
    return [
        AlertOut.model_validate(a).model_copy(
            update={"deliveries": [DeliveryOut.model_validate(d) for d in found[a.id]]}
        )
        for a in alerts
    ]


@router.get("/device-events")
def list_device_events(
    actor: Reader,
    session: DbSession,
    page: Annotated[PageParams, Depends(page_params)],
    asset_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    severity: Annotated[
        int | None, Query(ge=0, le=7, description="Catalog severity at most this (0 worst).")
    ] = None,
    event_id: Annotated[str | None, Query(max_length=32)] = None,
    serial: Annotated[
        str | None, Query(min_length=1, max_length=120, description="The asset's serial.")
    ] = None,
    uncatalogued: bool | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Page[DeviceEventOut]:
    where = services.EventFilter(asset_id, severity, event_id, uncatalogued,
                                 _aware(since), _aware(until), serial)  # fmt: skip
    rows, total = services.list_events(session, actor, where, page.offset, page.limit)
    items = events_out(session, actor, list(rows))
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


@router.get("/device-events/uncatalogued")
def uncatalogued_report(actor: Reader, session: DbSession) -> list[UncataloguedOut]:
    return services.uncatalogued(session, actor)


@router.get("/alerts")
def list_alerts(
    actor: Reader,
    session: DbSession,
    status: Annotated[str | None, Query(pattern="^(open|acknowledged)$")] = None,
) -> list[AlertOut]:
    """Newest first (open ones before acknowledged), at most 500, each with the state of
    its notifications (attempts, last error, next attempt)."""
    return alerts_out(session, list(services.list_alerts(session, actor, status)))


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_alert(alert_id: ObjectId, actor: Writer, session: DbSession) -> AlertOut:
    return alerts_out(session, [services.acknowledge(session, actor, alert_id)])[0]


@router.get("/alert-rules")
def list_rules(actor: Reader, session: DbSession) -> list[AlertRuleOut]:
    return [AlertRuleOut.model_validate(r) for r in services.list_rules(session, actor)]


@router.post("/alert-rules", status_code=201)
def create_rule(
    body: AlertRuleIn, actor: Writer, session: DbSession, policy: Policy
) -> AlertRuleOut:
    """A webhook URL must be https to a public address, or to a host or network named in
    ``MEDSEC_ALERT_WEBHOOK_ALLOW`` (422 ``webhook-refused`` otherwise)."""
    return AlertRuleOut.model_validate(services.create_rule(session, actor, body, policy))


@router.get("/alert-rules/{rule_id}")
def get_rule(rule_id: ObjectId, actor: Reader, session: DbSession) -> AlertRuleOut:
    return AlertRuleOut.model_validate(services.get_rule(session, actor, rule_id))


@router.put("/alert-rules/{rule_id}")
def update_rule(
    rule_id: ObjectId, body: AlertRuleIn, actor: Writer, session: DbSession, policy: Policy
) -> AlertRuleOut:
    """Replace the rule (``enabled: false`` disables it); leave ``webhook_secret`` out to
    keep the current one for the same URL."""
    return AlertRuleOut.model_validate(services.update_rule(session, actor, rule_id, body, policy))


@router.delete("/alert-rules/{rule_id}", status_code=204)
def delete_rule(rule_id: ObjectId, actor: Writer, session: DbSession) -> Response:
    """Delete the rule and the alerts it raised."""
    services.delete_rule(session, actor, rule_id)
    return Response(status_code=204)
