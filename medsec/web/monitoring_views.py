"""Device events and alerts in the browser: the "Device events" page (each event with
its catalog meaning and recommended action, filters), the uncatalogued report to send
back to manufacturers, and the alerts page with acknowledgement. The asset page shows
the latest device events of the asset (``monitoring/_latest.html``). Events and alerts
name the asset by its serial and name; the events page filters by serial. Each alert
shows the state of its notifications (attempts, last error, next attempt)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.monitoring import services
from medsec.web.access import Viewer, page
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.INVENTORY_READ)]
Writer = Annotated[Viewer, page(Permission.INVENTORY_WRITE)]
PAGE_SIZE = 50
SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")


def _int(value: str | None, high: int = 2**31 - 1) -> int | None:
    return int(value) if value and value.isdigit() and int(value) <= high else None


@router.get("/monitoring/events")
def device_events(
    request: Request,
    session: DbSession,
    viewer: Reader,
    asset: str | None = None,
    serial: str | None = None,
    severity: str | None = None,
    event: str | None = None,
    status: str | None = None,
    offset: int = 0,
) -> Response:
    uncatalogued = {"uncatalogued": True, "catalogued": False}.get(status or "")
    where = services.EventFilter(
        _int(asset),
        _int(severity, 7),
        (event or None) and event[:32],
        uncatalogued,
        serial=(serial or "").strip()[:120] or None,
    )
    start = max(0, min(offset, 1_000_000))
    rows, total = services.list_events(session, viewer.actor, where, start, PAGE_SIZE)
    return render(
        request,
        "monitoring/events.html",
        viewer=viewer,
        events=rows,
        labels=services.asset_labels(session, viewer.actor,
                                     {r.asset_id for r in rows if r.asset_id}),
        total=total,
        offset=start,
        page_size=PAGE_SIZE,
        severities=SEVERITIES,
        query={"asset": asset or "", "serial": serial or "", "severity": severity or "",
               "event": event or "", "status": status or ""},
    )  # fmt: skip


@router.get("/monitoring/uncatalogued")
def uncatalogued(request: Request, session: DbSession, viewer: Reader) -> Response:
    return render(request, "monitoring/uncatalogued.html", viewer=viewer,
                  rows=services.uncatalogued(session, viewer.actor))  # fmt: skip


@router.get("/monitoring/alerts")
def alerts(request: Request, session: DbSession, viewer: Reader) -> Response:
    found = services.list_alerts(session, viewer.actor)
    assets = {a.asset_id for a in found if a.asset_id is not None}
    return render(
        request,
        "monitoring/alerts.html",
        viewer=viewer,
        alerts=found,
        deliveries=services.deliveries(session, [a.id for a in found]),
        labels=services.asset_labels(session, viewer.actor, assets),
        rules=services.list_rules(session, viewer.actor),
        severities=SEVERITIES,
        can_write=viewer.actor.can(Permission.INVENTORY_WRITE),
    )


@router.post("/monitoring/alerts/{alert_id}/acknowledge")
def acknowledge(session: DbSession, viewer: Writer, alert_id: int) -> Response:
    services.acknowledge(session, viewer.actor, alert_id)
    return see_other("/monitoring/alerts")
