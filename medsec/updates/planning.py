"""Maintenance windows, update groups, plans and task outcomes in the service.

The rules are the pure functions' — :mod:`~medsec.updates.windows` (local-time rules,
daylight saving), :mod:`~medsec.updates.planner` (group limits, life-sustaining devices),
:mod:`~medsec.updates.tasks` (the state machine); this module reads and writes the rows
around them. Every function checks the actor (``inventory:read`` to look,
``inventory:write`` to plan and record, a healthcare provider, its own site).

A plan never overlaps the tasks still planned or in progress of an earlier plan of the
same site: its horizon begins when the last of them ends, so the group limits hold across
plans. An asset with such a task is not planned again (it is listed as not placed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Conflict, NotFound
from medsec.inventory import matching
from medsec.inventory import services as inventory
from medsec.inventory.models import Asset, Site, Zone
from medsec.inventory.schemas import AssetPatch
from medsec.products import services as products
from medsec.updates import fleet
from medsec.updates.findings import OpenFindings
from medsec.updates.models import UpdateRelease
from medsec.updates.planner import Scope, Window, asset_for, plan
from medsec.updates.planning_models import (
    MaintenanceWindow,
    UpdateGroup,
    UpdatePlan,
    UpdateTaskEvent,
    UpdateTaskRow,
)
from medsec.updates.planning_schemas import GroupIn, PlanIn, TransitionIn, WindowIn
from medsec.updates.services import facts
from medsec.updates.tasks import TaskState, UpdateTask
from medsec.updates.windows import WindowError, WindowRule, parse_weekdays, zone

ACTIVE = (TaskState.PLANNED.value, TaskState.IN_PROGRESS.value)

TRANSITION_TAGS = {
    TaskState.IN_PROGRESS: Tag.UPDATE_TASK_STARTED,
    TaskState.DONE: Tag.UPDATE_TASK_DONE,
    TaskState.FAILED: Tag.UPDATE_TASK_FAILED,
    TaskState.DEFERRED: Tag.UPDATE_TASK_DEFERRED,
    TaskState.PLANNED: Tag.UPDATE_TASK_REPLANNED,
}


def _site(session: Session, actor: Actor, site_id: int, permission: Permission) -> Site:
    inventory.require(actor, permission)
    return inventory.get_site(session, actor, site_id)


# --------------------------------------------------------------------------- windows


def rule_of(window: MaintenanceWindow) -> WindowRule:
    """The window as :mod:`medsec.updates.windows` computes it (the site's zone if the
    window names none)."""
    return WindowRule(
        f"window:{window.id}",
        frozenset(window.weekdays),
        window.start_time,
        window.end_time,
        window.timezone or window.site.timezone,
        window.downtime,
    )


def target_of(window: MaintenanceWindow) -> str:
    if window.scope == Scope.ASSET.value:
        return f"asset:{window.asset_id}"
    if window.scope == Scope.ZONE.value:
        return f"zone:{window.zone_id}"
    return f"site:{window.site_id}"


def windows(session: Session, actor: Actor, site_id: int) -> Sequence[MaintenanceWindow]:
    site = _site(session, actor, site_id, Permission.INVENTORY_READ)
    stmt = select(MaintenanceWindow).where(MaintenanceWindow.site_id == site.id)
    return session.execute(stmt.order_by(MaintenanceWindow.id)).scalars().all()


def window_target(
    session: Session, site: Site, zone_id: int | None, asset_id: int | None
) -> tuple[Scope, int | None, int | None]:
    """The scope of a window on ``site``: one asset, one zone, or the whole site."""
    if asset_id is not None:
        asset = session.get(Asset, asset_id)
        if asset is None or asset.site_id != site.id:
            raise NotFound(f"site '{site.name}' has no asset {asset_id}")
        return Scope.ASSET, None, asset_id
    if zone_id is not None:
        found = session.get(Zone, zone_id)
        if found is None or found.site_id != site.id:
            raise NotFound(f"site '{site.name}' has no zone {zone_id}")
        return Scope.ZONE, zone_id, None
    return Scope.SITE, None, None


def window_days(data: WindowIn) -> list[int]:
    """The weekdays of ``data``, its zone and times checked (:class:`WindowError`)."""
    if data.timezone:
        zone(data.timezone)
    if data.start == data.end:
        raise WindowError(
            f"window {data.name}: the start and end are both {data.start}",
            hint="an end before the start runs past midnight; equal times make no window",
        )
    return sorted(parse_weekdays(data.days))


def add_window(session: Session, actor: Actor, site_id: int, data: WindowIn) -> MaintenanceWindow:
    site = _site(session, actor, site_id, Permission.INVENTORY_WRITE)
    scope, zone_id, asset_id = window_target(session, site, data.zone_id, data.asset_id)
    weekdays = window_days(data)
    window = MaintenanceWindow(
        organization_id=actor.organization_id,
        site_id=site.id,
        site=site,
        name=data.name.strip(),
        scope=scope.value,
        zone_id=zone_id,
        asset_id=asset_id,
        weekdays=weekdays,
        start_time=data.start,
        end_time=data.end,
        timezone=data.timezone or None,
        downtime=data.downtime,
        created_by=actor.username,
    )
    session.add(window)
    session.flush()
    rule_of(window)  # checks the rule as the planner will read it
    record(
        session,
        Tag.UPDATE_WINDOW_ADDED,
        actor.context,
        target=f"site:{site.id}",
        details={"window": window.id, "name": window.name, "scope": scope.value},
    )
    return window


# --------------------------------------------------------------------------- groups


def groups(session: Session, actor: Actor, site_id: int) -> Sequence[UpdateGroup]:
    site = _site(session, actor, site_id, Permission.INVENTORY_READ)
    stmt = select(UpdateGroup).where(UpdateGroup.site_id == site.id)
    return session.execute(stmt.order_by(UpdateGroup.id)).scalars().all()


def check_group(session: Session, actor: Actor, site: Site, data: GroupIn) -> None:
    """The group's zone is the site's; its product one the actor may see."""
    if data.zone_id is not None:
        found = session.get(Zone, data.zone_id)
        if found is None or found.site_id != site.id:
            raise NotFound(f"site '{site.name}' has no zone {data.zone_id}")
    if data.product_id is not None:
        products.visible_product(session, actor, data.product_id)


def add_group(session: Session, actor: Actor, site_id: int, data: GroupIn) -> UpdateGroup:
    site = _site(session, actor, site_id, Permission.INVENTORY_WRITE)
    check_group(session, actor, site, data)
    group = UpdateGroup(
        organization_id=actor.organization_id,
        site_id=site.id,
        name=data.name.strip(),
        zone_id=data.zone_id,
        product_id=data.product_id,
        max_concurrent=data.max_concurrent,
        created_by=actor.username,
    )
    session.add(group)
    session.flush()
    record(
        session,
        Tag.UPDATE_GROUP_ADDED,
        actor.context,
        target=f"site:{site.id}",
        details={"group": group.id, "name": group.name, "limit": group.max_concurrent},
    )
    return group


def member(group: UpdateGroup, asset: Asset) -> bool:
    """Whether ``asset`` belongs to ``group`` (same site, zone and product if it names them)."""
    if group.site_id != asset.site_id:
        return False
    if group.zone_id is not None and group.zone_id != asset.zone_id:
        return False
    product = asset.profile_version.product_id if asset.profile_version else None
    return group.product_id is None or group.product_id == product


# --------------------------------------------------------------------------- plans


def plans(session: Session, actor: Actor, site_id: int) -> Sequence[UpdatePlan]:
    site = _site(session, actor, site_id, Permission.INVENTORY_READ)
    stmt = select(UpdatePlan).where(UpdatePlan.site_id == site.id)
    return session.execute(stmt.order_by(UpdatePlan.id.desc())).scalars().all()


def get_plan(session: Session, actor: Actor, plan_id: int) -> UpdatePlan:
    inventory.require(actor, Permission.INVENTORY_READ)
    found = session.get(UpdatePlan, plan_id)
    if found is None or found.organization_id != actor.organization_id:
        raise NotFound(f"no update plan {plan_id}")
    return found


def active_tasks(session: Session, site_id: int) -> list[UpdateTaskRow]:
    stmt = (
        select(UpdateTaskRow)
        .join(UpdatePlan, UpdatePlan.id == UpdateTaskRow.plan_id)
        .where(UpdatePlan.site_id == site_id, UpdateTaskRow.state.in_(ACTIVE))
    )
    return list(session.execute(stmt).scalars())


def make_plan(
    session: Session,
    actor: Actor,
    site_id: int,
    data: PlanIn,
    *,
    findings: OpenFindings = fleet.NO_FINDINGS,
    now: dt.datetime | None = None,
) -> UpdatePlan:
    """Run the planner over the site's windows and groups and store the tasks."""
    site = _site(session, actor, site_id, Permission.INVENTORY_WRITE)
    if data.start is not None and data.start.tzinfo is None:
        raise Conflict("the plan's start needs a UTC offset", hint="write 2026-06-01T00:00Z")
    begin = (data.start or now or utcnow()).astimezone(dt.UTC)
    active = active_tasks(session, site.id)
    busy = {t.asset_id: t for t in active}
    if active:
        begin = max(begin, *(t.end for t in active))
    end = begin + dt.timedelta(days=data.days)
    chosen_assets = set(data.asset_ids) if data.asset_ids is not None else None
    chosen_releases = set(data.release_ids) if data.release_ids is not None else None
    assets = {a.id: a for a in fleet.site_assets(session, site.id)}
    if chosen_assets is not None and (missing := chosen_assets - assets.keys()):
        raise NotFound(f"site '{site.name}' has no asset {min(missing)}")
    site_groups = list(groups(session, actor, site.id))
    unplaced: list[dict[str, object]] = []
    todo = []
    release_of: dict[str, int] = {}
    for status in fleet.statuses(session, actor.organization_id, list(assets.values()), findings):
        if chosen_assets is not None and status.asset_id not in chosen_assets:
            continue
        needed = [
            u for u in status.needed if chosen_releases is None or u.release_id in chosen_releases
        ]
        if not needed:
            if chosen_assets is not None:
                why = status.problem or "no chosen release applies to it"
                unplaced.append({"asset_id": status.asset_id, "release_id": None, "reason": why})
            continue
        update = needed[-1]
        if status.asset_id in busy:
            task = busy[status.asset_id]
            why = f"already in plan {task.plan_id} (task {task.id}, {task.state})"
            unplaced.append(
                {"asset_id": status.asset_id, "release_id": update.release_id, "reason": why}
            )
            continue
        asset = assets[status.asset_id]
        release = session.get(UpdateRelease, update.release_id)
        if release is None:  # pragma: no cover - the statuses were read from these rows
            raise NotFound(f"no update release {update.release_id}")
        todo.append(
            asset_for(
                facts(release),
                f"asset:{asset.id}",
                f"site:{site.id}",
                f"zone:{asset.zone_id}" if asset.zone_id else None,
                tuple(f"group:{g.id}" for g in site_groups if member(g, asset)),
                life_sustaining=asset.criticality == "life-sustaining",
            )
        )
        release_of[f"asset:{asset.id}"] = release.id
    rows = list(windows(session, actor, site.id))
    by_rule = {f"window:{w.id}": w for w in rows}
    result = plan(
        todo,
        [Window(rule_of(w), Scope(w.scope), target_of(w)) for w in rows],
        {f"group:{g.id}": g.max_concurrent for g in site_groups},
        begin,
        end,
    )
    unplaced.extend(
        {
            "asset_id": int(miss.asset_id.removeprefix("asset:")),
            "release_id": release_of[miss.asset_id],
            "reason": miss.reason,
        }
        for miss in result.unplaced
    )
    stored = UpdatePlan(
        organization_id=actor.organization_id,
        site_id=site.id,
        horizon_start=begin,
        horizon_end=end,
        unplaced=unplaced,
        limits=dict(result.limits),
        created_by=actor.username,
    )
    session.add(stored)
    session.flush()
    at = now or utcnow()
    for placed in result.tasks:
        row = UpdateTaskRow(
            plan_id=stored.id,
            asset_id=int(placed.asset_id.removeprefix("asset:")),
            release_id=release_of[placed.asset_id],
            window_id=by_rule[placed.window.rule_id].id,
            start=placed.start,
            end=placed.end,
            occurrence_start=placed.window.start,
            occurrence_end=placed.window.end,
            local_date=placed.window.local_date,
            state=TaskState.PLANNED.value,
            updated_at=at,
        )
        row.history.append(
            UpdateTaskEvent(at=at, from_state=None, to_state=row.state, by=actor.username)
        )
        stored.tasks.append(row)
    session.flush()
    record(
        session,
        Tag.UPDATE_PLAN_CREATED,
        actor.context,
        target=f"site:{site.id}",
        details={
            "plan": stored.id,
            "tasks": len(result.tasks),
            "unplaced": len(unplaced),
            "from": begin.isoformat(),
            "to": end.isoformat(),
        },
    )
    return stored


# --------------------------------------------------------------------------- tasks


def get_task(session: Session, actor: Actor, task_id: int) -> UpdateTaskRow:
    inventory.require(actor, Permission.INVENTORY_READ)
    task = session.get(UpdateTaskRow, task_id)
    if task is None or task.plan.organization_id != actor.organization_id:
        raise NotFound(f"no update task {task_id}")
    return task


def transition(
    session: Session,
    actor: Actor,
    task_id: int,
    data: TransitionIn,
    *,
    now: dt.datetime | None = None,
) -> UpdateTaskRow:
    """Move a task (:mod:`medsec.updates.tasks` decides what is allowed). A task done
    sets the asset's installed version to the release's."""
    inventory.require(actor, Permission.INVENTORY_WRITE)
    row = get_task(session, actor, task_id)
    at = now or utcnow()
    task = UpdateTask(
        f"asset {row.asset.serial}", row.release_id, TaskState(row.state), assignee=row.assignee
    )
    if data.assignee and data.assignee.strip():
        task = task.assign(data.assignee)
    moved = task.move(data.to, at=at, reason=data.reason, evidence=data.evidence, by=actor.username)
    step = moved.history[-1]
    row.state, row.assignee, row.updated_at = moved.state.value, moved.assignee, step.at
    if step.reason:
        row.reason = step.reason.strip()
    if step.evidence:
        row.evidence = step.evidence.strip()
    if data.evidence_ref and data.evidence_ref.strip():
        row.evidence_ref = data.evidence_ref.strip()
    row.history.append(
        UpdateTaskEvent(
            at=step.at,
            from_state=step.from_state.value,
            to_state=step.to_state.value,
            reason=step.reason,
            evidence=step.evidence,
            by=step.by,
        )
    )
    session.flush()
    record(
        session,
        TRANSITION_TAGS[moved.state],
        actor.context,
        target=f"update-task:{row.id}",
        details={
            "asset": row.asset.serial,
            "release": row.release.version,
            "from": step.from_state.value,
            "to": step.to_state.value,
            "reason": step.reason,
            "evidence_ref": row.evidence_ref,
        },
    )
    if moved.state is TaskState.DONE:
        _installed(session, actor, row)
    return row


def _installed(session: Session, actor: Actor, row: UpdateTaskRow) -> None:
    """Record the release's version on the asset, keeping its product link when no
    published profile matches the new version."""
    asset = row.asset
    found = matching.candidates(session, actor.organization_id)
    hit = matching.match(found, asset.vendor, asset.model, row.release.version)
    patch = AssetPatch(firmware_version=row.release.version)
    if hit is None and asset.profile_version_id is not None:
        patch = AssetPatch(
            firmware_version=row.release.version, product_version_id=asset.profile_version_id
        )
    inventory.update_asset(session, actor, asset.id, patch, source=f"update-task:{row.id}")
