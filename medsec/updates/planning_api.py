"""``/api/v1`` routes of the hospital side: applicable updates, windows, groups, plans,
task transitions and end-of-support exposure."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.findings.open_findings import ServiceFindings
from medsec.updates import exposure, fleet, planning, planning_changes
from medsec.updates.planning_models import UpdatePlan
from medsec.updates.planning_schemas import (
    AssetStatusOut,
    AssetUpdateOut,
    ExposureOut,
    GroupIn,
    GroupOut,
    GroupPatch,
    PlanIn,
    PlanOut,
    TaskOut,
    TransitionIn,
    UnplacedOut,
    WindowIn,
    WindowOut,
    WindowPatch,
)

router = APIRouter(prefix="/api/v1", tags=["update planning"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.INVENTORY_READ)]
Planner = Annotated[Actor, requires(Permission.INVENTORY_WRITE)]


def status_out(status: fleet.AssetStatus) -> AssetStatusOut:
    return AssetStatusOut(
        asset_id=status.asset_id,
        serial=status.serial,
        model=status.model,
        zone=status.zone,
        criticality=status.criticality,
        installed=status.installed,
        product=status.product,
        out_of_date=status.out_of_date,
        open_findings=list(status.open_findings),
        problem=status.problem,
        updates=[
            AssetUpdateOut(
                release_id=u.release_id,
                version=u.version,
                kind=u.kind,
                title=u.title,
                released_on=u.released_on,
                priority=u.priority,
                fixes=list(u.fixes),
                superseded_by=u.superseded_by,
                closes=list(u.closes),
                why=u.why,
            )
            for u in status.updates
        ],
    )


def plan_out(found: UpdatePlan) -> PlanOut:
    return PlanOut(
        id=found.id,
        site_id=found.site_id,
        horizon_start=found.horizon_start,
        horizon_end=found.horizon_end,
        limits=found.limits,
        unplaced=[UnplacedOut.model_validate(u) for u in found.unplaced],
        tasks=[TaskOut.model_validate(t) for t in found.tasks],
        created_by=found.created_by,
    )


@router.get("/assets/{asset_id}/updates")
def asset_updates(asset_id: ObjectId, actor: Reader, session: DbSession) -> AssetStatusOut:
    """The published releases that apply to the asset, superseded ones marked, and why."""
    found = fleet.asset_updates(session, actor, asset_id, ServiceFindings(session, actor))
    return status_out(found)


@router.get("/sites/{site_id}/updates")
def site_updates(
    site_id: ObjectId, actor: Reader, session: DbSession, out_of_date: bool = False
) -> list[AssetStatusOut]:
    """Every asset of the site with its applicable releases (``out_of_date=true``: only
    the devices that need one)."""
    found = fleet.site_updates(session, actor, site_id, ServiceFindings(session, actor))
    return [status_out(s) for s in found if s.out_of_date or not out_of_date]


@router.get("/sites/{site_id}/maintenance-windows")
def list_windows(site_id: ObjectId, actor: Reader, session: DbSession) -> list[WindowOut]:
    return [WindowOut.model_validate(w) for w in planning.windows(session, actor, site_id)]


@router.post("/sites/{site_id}/maintenance-windows", status_code=201)
def add_window(site_id: ObjectId, body: WindowIn, actor: Planner, session: DbSession) -> WindowOut:
    """A window on the site, a zone (``zone_id``) or an asset (``asset_id``)."""
    return WindowOut.model_validate(planning.add_window(session, actor, site_id, body))


DeferTasks = Annotated[
    bool,
    Query(
        description="Defer the window's planned tasks (the next plan places them again) "
        "instead of refusing with 409 window-in-use."
    ),
]


@router.patch("/maintenance-windows/{window_id}")
def update_window(
    window_id: ObjectId,
    body: WindowPatch,
    actor: Planner,
    session: DbSession,
    defer_tasks: DeferTasks = False,
) -> WindowOut:
    """Change a window. Moving it (days, times, zone, target) while tasks are planned in
    it answers 409 ``window-in-use`` unless ``defer_tasks=true``."""
    found = planning_changes.update_window(session, actor, window_id, body, defer_tasks=defer_tasks)
    return WindowOut.model_validate(found)


@router.delete("/maintenance-windows/{window_id}", status_code=204)
def delete_window(
    window_id: ObjectId, actor: Planner, session: DbSession, defer_tasks: DeferTasks = False
) -> Response:
    """Delete a window. With tasks planned in it: 409 ``window-in-use`` unless
    ``defer_tasks=true``; with tasks in progress: always 409."""
    planning_changes.delete_window(session, actor, window_id, defer_tasks=defer_tasks)
    return Response(status_code=204)


@router.get("/sites/{site_id}/update-groups")
def list_groups(site_id: ObjectId, actor: Reader, session: DbSession) -> list[GroupOut]:
    return [GroupOut.model_validate(g) for g in planning.groups(session, actor, site_id)]


@router.post("/sites/{site_id}/update-groups", status_code=201)
def add_group(site_id: ObjectId, body: GroupIn, actor: Planner, session: DbSession) -> GroupOut:
    """A concurrency limit for the site's assets of a zone and/or product."""
    return GroupOut.model_validate(planning.add_group(session, actor, site_id, body))


@router.patch("/update-groups/{group_id}")
def update_group(
    group_id: ObjectId, body: GroupPatch, actor: Planner, session: DbSession
) -> GroupOut:
    """Change a group's name, zone, product or limit (for the plans made from now on)."""
    return GroupOut.model_validate(planning_changes.update_group(session, actor, group_id, body))


@router.delete("/update-groups/{group_id}", status_code=204)
def delete_group(group_id: ObjectId, actor: Planner, session: DbSession) -> Response:
    planning_changes.delete_group(session, actor, group_id)
    return Response(status_code=204)


@router.get("/sites/{site_id}/update-plans")
def list_plans(site_id: ObjectId, actor: Reader, session: DbSession) -> list[PlanOut]:
    return [plan_out(p) for p in planning.plans(session, actor, site_id)]


@router.post("/sites/{site_id}/update-plans", status_code=201)
def make_plan(site_id: ObjectId, body: PlanIn, actor: Planner, session: DbSession) -> PlanOut:
    """Plan the chosen updates into the site's windows within the horizon; the assets that
    find no place are listed with the reason."""
    return plan_out(
        planning.make_plan(session, actor, site_id, body, findings=ServiceFindings(session, actor))
    )


@router.get("/update-plans/{plan_id}")
def get_plan(plan_id: ObjectId, actor: Reader, session: DbSession) -> PlanOut:
    return plan_out(planning.get_plan(session, actor, plan_id))


@router.post("/update-tasks/{task_id}/transition")
def transition(
    task_id: ObjectId, body: TransitionIn, actor: Planner, session: DbSession
) -> TaskOut:
    """Move a task: evidence for done/failed, a reason for deferred."""
    return TaskOut.model_validate(planning.transition(session, actor, task_id, body))


@router.get("/sites/{site_id}/end-of-support")
def end_of_support(
    site_id: ObjectId,
    actor: Reader,
    session: DbSession,
    months: Annotated[int, Query(ge=0, le=120)] = 12,
) -> list[ExposureOut]:
    """Assets past or within ``months`` of end of support, with their open findings."""
    today = dt.datetime.now(dt.UTC).date()
    found = exposure.end_of_support(
        session,
        actor,
        site_id,
        months=months,
        today=today,
        findings=ServiceFindings(session, actor),
    )
    return [
        ExposureOut(
            asset_id=e.asset_id,
            serial=e.serial,
            model=e.model,
            zone=e.zone,
            product=e.product,
            version=e.version,
            milestone=e.milestone,
            date=e.date,
            past=e.past,
            source=e.source,
            plan=e.plan,
            open_findings=list(e.open_findings),
        )
        for e in found
    ]
