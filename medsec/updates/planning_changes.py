"""Changing and deleting maintenance windows and update groups.

The rule for windows: the tasks a plan put into a window's occurrences (planned or in
progress) were placed by the window as it was. A change that moves the window (its days,
times, zone or target) or its deletion therefore does not happen silently under them:

- with tasks *in progress* in the window it is refused (:class:`WindowInUse`): record
  their outcome first;
- with *planned* tasks it is refused too, unless the caller asks to defer them
  (``defer_tasks``): each becomes ``deferred`` with the reason "maintenance window …
  changed/deleted" (a task transition with its audit event), so the next plan places the
  asset again in the windows as they are now;
- a new name or downtime flag moves nothing and is always allowed.

Groups are inputs of the next plan only: a plan keeps the limits it was made with
(:attr:`UpdatePlan.limits`), so changing or deleting a group changes no stored task.

>>> from medsec.updates.planning_schemas import WindowPatch
>>> sorted(WindowPatch(name="x", zone_id=None).model_fields_set)
['name', 'zone_id']
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
from medsec.errors import Conflict, NotFound
from medsec.inventory import services as inventory
from medsec.updates import planning
from medsec.updates.planning_models import MaintenanceWindow, UpdateGroup, UpdateTaskRow
from medsec.updates.planning_schemas import (
    GroupIn,
    GroupPatch,
    TransitionIn,
    WindowIn,
    WindowPatch,
)
from medsec.updates.tasks import TaskState
from medsec.updates.windows import WEEKDAYS

#: The window fields whose change moves its occurrences.
SCHEDULE = ("scope", "zone_id", "asset_id", "weekdays", "start_time", "end_time", "timezone")


class WindowInUse(Conflict):
    """A window with planned or running tasks cannot be moved or deleted as asked."""

    kind = "window-in-use"
    title = "The maintenance window has planned updates"


def get_window(session: Session, actor: Actor, window_id: int) -> MaintenanceWindow:
    inventory.require(actor, Permission.INVENTORY_READ)
    found = session.get(MaintenanceWindow, window_id)
    if found is None or found.organization_id != actor.organization_id:
        raise NotFound(f"no maintenance window {window_id}")
    return found


def get_group(session: Session, actor: Actor, group_id: int) -> UpdateGroup:
    inventory.require(actor, Permission.INVENTORY_READ)
    found = session.get(UpdateGroup, group_id)
    if found is None or found.organization_id != actor.organization_id:
        raise NotFound(f"no update group {group_id}")
    return found


def window_tasks(session: Session, window_id: int) -> list[UpdateTaskRow]:
    """The planned and in-progress tasks placed in the window, earliest first."""
    stmt = (
        select(UpdateTaskRow)
        .where(UpdateTaskRow.window_id == window_id, UpdateTaskRow.state.in_(planning.ACTIVE))
        .order_by(UpdateTaskRow.start, UpdateTaskRow.id)
    )
    return list(session.execute(stmt).scalars())


def _task_list(tasks: Sequence[UpdateTaskRow]) -> str:
    shown = ", ".join(f"{t.id} ({t.asset.serial}, {t.state})" for t in tasks[:10])
    return shown + (f" and {len(tasks) - 10} more" if len(tasks) > 10 else "")


def _clear(
    session: Session,
    actor: Actor,
    window: MaintenanceWindow,
    verb: str,
    *,
    defer_tasks: bool,
    now: dt.datetime | None,
) -> list[int]:
    """Make room to move or delete ``window``: refuse, or defer its planned tasks; the ids
    of the tasks deferred."""
    tasks = window_tasks(session, window.id)
    if not tasks:
        return []
    running = [t for t in tasks if t.state == TaskState.IN_PROGRESS.value]
    if running:
        raise WindowInUse(
            f"maintenance window '{window.name}' cannot be {verb}: update task(s) "
            f"{_task_list(running)} are in progress in it",
            hint="record their outcome (done, failed or deferred) first",
        )
    if not defer_tasks:
        raise WindowInUse(
            f"maintenance window '{window.name}' cannot be {verb}: update task(s) "
            f"{_task_list(tasks)} are planned in it",
            hint="defer them (API: defer_tasks=true, CLI: --defer-tasks, or the checkbox on "
            "the form); the next plan places those devices again",
        )
    reason = f"maintenance window '{window.name}' {verb}"
    for task in tasks:
        planning.transition(
            session, actor, task.id, TransitionIn(to=TaskState.DEFERRED, reason=reason), now=now
        )
    return [t.id for t in tasks]


def update_window(
    session: Session,
    actor: Actor,
    window_id: int,
    patch: WindowPatch,
    *,
    defer_tasks: bool = False,
    now: dt.datetime | None = None,
) -> MaintenanceWindow:
    """Change a window (see the module's rule for windows with planned tasks)."""
    inventory.require(actor, Permission.INVENTORY_WRITE)
    window = get_window(session, actor, window_id)
    given = patch.model_fields_set
    timezone = window.timezone
    if "timezone" in given:
        timezone = (patch.timezone or "").strip() or None
    zone_id, asset_id = window.zone_id, window.asset_id
    if given & {"zone_id", "asset_id"}:
        zone_id, asset_id = patch.zone_id, patch.asset_id
    data = WindowIn(
        name=(patch.name if patch.name is not None else window.name).strip()[:120] or window.name,
        days=patch.days if patch.days is not None else _days_text(window.weekdays),
        start=patch.start if patch.start is not None else window.start_time,
        end=patch.end if patch.end is not None else window.end_time,
        timezone=timezone,
        zone_id=zone_id,
        asset_id=asset_id,
        downtime=patch.downtime if patch.downtime is not None else window.downtime,
    )
    scope, zone_id, asset_id = planning.window_target(session, window.site, zone_id, asset_id)
    new = {
        "scope": scope.value,
        "zone_id": zone_id,
        "asset_id": asset_id,
        "weekdays": planning.window_days(data),
        "start_time": data.start,
        "end_time": data.end,
        "timezone": data.timezone,
        "name": data.name,
        "downtime": data.downtime,
    }
    changed = sorted(k for k, v in new.items() if getattr(window, k) != v)
    deferred: list[int] = []
    if set(changed) & set(SCHEDULE):
        deferred = _clear(session, actor, window, "changed", defer_tasks=defer_tasks, now=now)
    for key in changed:
        setattr(window, key, new[key])
    session.flush()
    planning.rule_of(window)
    if changed:
        record(
            session,
            Tag.UPDATE_WINDOW_CHANGED,
            actor.context,
            target=f"site:{window.site_id}",
            details={"window": window.id, "changed": changed, "deferred_tasks": deferred},
        )
    return window


def _days_text(weekdays: Sequence[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in weekdays)


def delete_window(
    session: Session,
    actor: Actor,
    window_id: int,
    *,
    defer_tasks: bool = False,
    now: dt.datetime | None = None,
) -> list[int]:
    """Delete a window; the ids of the tasks deferred to allow it (see the module)."""
    inventory.require(actor, Permission.INVENTORY_WRITE)
    window = get_window(session, actor, window_id)
    deferred = _clear(session, actor, window, "deleted", defer_tasks=defer_tasks, now=now)
    site_id, name = window.site_id, window.name
    session.delete(window)
    session.flush()
    record(
        session,
        Tag.UPDATE_WINDOW_DELETED,
        actor.context,
        target=f"site:{site_id}",
        details={"window": window_id, "name": name, "deferred_tasks": deferred},
    )
    return deferred


def update_group(session: Session, actor: Actor, group_id: int, patch: GroupPatch) -> UpdateGroup:
    """Change a group; plans already made keep the limits they were made with."""
    inventory.require(actor, Permission.INVENTORY_WRITE)
    group = get_group(session, actor, group_id)
    given = patch.model_fields_set
    data = GroupIn(
        name=(patch.name if patch.name is not None else group.name).strip()[:120] or group.name,
        zone_id=patch.zone_id if "zone_id" in given else group.zone_id,
        product_id=patch.product_id if "product_id" in given else group.product_id,
        max_concurrent=patch.max_concurrent or group.max_concurrent,
    )
    site = inventory.get_site(session, actor, group.site_id)
    planning.check_group(session, actor, site, data)
    new = {
        "name": data.name,
        "zone_id": data.zone_id,
        "product_id": data.product_id,
        "max_concurrent": data.max_concurrent,
    }
    changed = sorted(k for k, v in new.items() if getattr(group, k) != v)
    for key in changed:
        setattr(group, key, new[key])
    session.flush()
    if changed:
        record(
            session,
            Tag.UPDATE_GROUP_CHANGED,
            actor.context,
            target=f"site:{group.site_id}",
            details={"group": group.id, "changed": changed, "limit": group.max_concurrent},
        )
    return group


def delete_group(session: Session, actor: Actor, group_id: int) -> None:
    """Delete a group: the next plan no longer keeps its limit."""
    inventory.require(actor, Permission.INVENTORY_WRITE)
    group = get_group(session, actor, group_id)
    site_id, name = group.site_id, group.name
    session.delete(group)
    session.flush()
    record(
        session,
        Tag.UPDATE_GROUP_DELETED,
        actor.context,
        target=f"site:{site_id}",
        details={"group": group_id, "name": name},
    )
