"""``/api/v1`` routes for device events (``/device-events``: the inventory's
``/assets/{id}/events`` are asset events), the uncatalogued report, alerts and rules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.pagination import Page, PageParams, page_params
from medsec.api.params import MAX_ID, ObjectId
from medsec.monitoring import services
from medsec.monitoring.schemas import (
    AlertOut,
    AlertRuleIn,
    AlertRuleOut,
    DeviceEventOut,
    UncataloguedOut,
)

router = APIRouter(prefix="/api/v1", tags=["monitoring"])

Reader = Annotated[Actor, requires(Permission.INVENTORY_READ)]
Writer = Annotated[Actor, requires(Permission.INVENTORY_WRITE)]


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
    uncatalogued: bool | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Page[DeviceEventOut]:
    where = services.EventFilter(asset_id, severity, event_id, uncatalogued,
                                 _aware(since), _aware(until))  # fmt: skip
    rows, total = services.list_events(session, actor, where, page.offset, page.limit)
    items = [DeviceEventOut.model_validate(r) for r in rows]
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
    return [AlertOut.model_validate(a) for a in services.list_alerts(session, actor, status)]


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_alert(alert_id: ObjectId, actor: Writer, session: DbSession) -> AlertOut:
    return AlertOut.model_validate(services.acknowledge(session, actor, alert_id))


@router.get("/alert-rules")
def list_rules(actor: Reader, session: DbSession) -> list[AlertRuleOut]:
    return [AlertRuleOut.model_validate(r) for r in services.list_rules(session, actor)]


@router.post("/alert-rules", status_code=201)
def create_rule(body: AlertRuleIn, actor: Writer, session: DbSession) -> AlertRuleOut:
    return AlertRuleOut.model_validate(services.create_rule(session, actor, body))
