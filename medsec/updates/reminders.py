"""Notifications of update planning, queued for the worker to deliver
(:mod:`medsec.notifications`):

- **upcoming window** (``update-window-upcoming``): a maintenance-window occurrence with
  planned updates starts within :data:`AHEAD` — one notification per occurrence to each
  planner of the hospital (``inventory:write``) and to a task's assignee when it names a
  user of the hospital, listing the devices and the local times;
- **overdue task** (``update-task-overdue``): a task still planned or in progress after
  its slot ended — its outcome was not recorded — once per task, to the planners;
- **end of support** (``end-of-support``): a manufacturer's lifecycle notice is published
  (by the manufacturer or, on its date, by the worker) — to the users (``inventory:read``)
  of each hospital that holds the product, with how many of its assets run that version.

Each is sent once: the notifications table is the memory (a notification of the same
topic and target exists → not again). The worker runs :func:`remind` every 15 minutes;
``medsec updates remind`` does the same by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.accounts.models import Organization, User
from medsec.accounts.roles import OrganizationKind, Permission
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.inventory.models import Asset
from medsec.notifications import services as notifications
from medsec.notifications.models import Notification
from medsec.products.models import Holding, ProfileVersion
from medsec.updates.models import LifecycleNotice
from medsec.updates.planning_models import MaintenanceWindow, UpdatePlan, UpdateTaskRow
from medsec.updates.tasks import TaskState
from medsec.updates.windows import zone

ACTIVE = (TaskState.PLANNED.value, TaskState.IN_PROGRESS.value)
#: How long before a window occurrence its planners are reminded.
AHEAD = dt.timedelta(hours=24)
UPCOMING, OVERDUE, END_OF_SUPPORT = (
    "update-window-upcoming",
    "update-task-overdue",
    "end-of-support",
)
WORKER = Context(actor="worker", ip="local")


@dataclass(frozen=True)
class Reminders:
    windows: int
    overdue: int


def _sent(session: Session, topic: str, target: str) -> bool:
    stmt = select(func.count()).where(Notification.topic == topic, Notification.target == target)
    return bool(session.execute(stmt).scalar_one())


def _recipients(
    session: Session, organization_id: int, assignees: Iterable[str | None]
) -> list[User]:
    users = notifications.recipients(session, organization_id, Permission.INVENTORY_WRITE)
    names = {a.strip() for a in assignees if a and a.strip()} - {u.username for u in users}
    if names:
        readers = notifications.recipients(session, organization_id, Permission.INVENTORY_READ)
        users += [u for u in readers if u.username in names]
    return users


def upcoming_windows(session: Session, now: dt.datetime) -> int:
    """Remind of the window occurrences with planned tasks starting within :data:`AHEAD`;
    how many occurrences were announced."""
    stmt = (
        select(UpdateTaskRow)
        .join(UpdatePlan, UpdatePlan.id == UpdateTaskRow.plan_id)
        .where(
            UpdateTaskRow.state == TaskState.PLANNED.value,
            UpdateTaskRow.occurrence_start > now,
            UpdateTaskRow.occurrence_start <= now + AHEAD,
        )
        .order_by(UpdateTaskRow.occurrence_start, UpdateTaskRow.start, UpdateTaskRow.id)
    )
    by_occurrence: dict[tuple[int, int | None, dt.datetime], list[UpdateTaskRow]] = {}
    for task in session.execute(stmt).scalars():
        key = (task.plan.organization_id, task.window_id, task.occurrence_start)
        by_occurrence.setdefault(key, []).append(task)
    sent = 0
    for (org, window_id, start), tasks in by_occurrence.items():
        target = f"maintenance-window:{window_id or 0}@{start.astimezone(dt.UTC):%Y%m%dT%H%MZ}"
        if _sent(session, UPCOMING, target):
            continue
        site = tasks[0].plan.site
        tz = zone(site.timezone)
        window = session.get(MaintenanceWindow, window_id) if window_id else None
        name = window.name if window else "removed window"
        subject = (
            f"Maintenance window '{name}' at {site.name}: {len(tasks)} update(s) from "
            f"{start.astimezone(tz):%a %Y-%m-%d %H:%M %Z}"
        )
        body = "\n".join(
            f"{t.asset.serial}: {t.release.version}, "
            f"{t.start.astimezone(tz):%H:%M}–{t.end.astimezone(tz):%H:%M} "
            f"({t.start.astimezone(dt.UTC):%H:%M}–{t.end.astimezone(dt.UTC):%H:%M} UTC)"
            + (f", assigned to {t.assignee}" if t.assignee else "")
            for t in tasks
        )
        users = _recipients(session, org, (t.assignee for t in tasks))
        notifications.notify_users(session, users, UPCOMING, target, subject, body)
        record(
            session, Tag.UPDATE_WINDOW_REMINDED, WORKER, target=target, organization_id=org,
            details={"tasks": [t.id for t in tasks], "recipients": len(users)},
        )  # fmt: skip
        sent += 1
    return sent


def overdue_tasks(session: Session, now: dt.datetime) -> int:
    """Tell the planners of each task whose slot ended without an outcome; how many."""
    stmt = (
        select(UpdateTaskRow)
        .where(UpdateTaskRow.state.in_(ACTIVE), UpdateTaskRow.end < now)
        .order_by(UpdateTaskRow.end, UpdateTaskRow.id)
    )
    sent = 0
    for task in session.execute(stmt).scalars():
        target = f"update-task:{task.id}"
        if _sent(session, OVERDUE, target):
            continue
        org = task.plan.organization_id
        tz = zone(task.plan.site.timezone)
        subject = (
            f"Update overdue: {task.asset.serial} → {task.release.version} at "
            f"{task.plan.site.name} (slot ended {task.end.astimezone(tz):%Y-%m-%d %H:%M %Z})"
        )
        body = (
            f"The task is still {task.state}. Record its outcome (done or failed with "
            "evidence, or deferred with a reason) on the site's update plan page or with "
            f"medsec updates tasks move {task.id}."
        )
        users = _recipients(session, org, [task.assignee])
        notifications.notify_users(session, users, OVERDUE, target, subject, body)
        record(
            session, Tag.UPDATE_TASK_OVERDUE, WORKER, target=target, organization_id=org,
            details={"asset": task.asset.serial, "state": task.state, "plan": task.plan_id},
        )  # fmt: skip
        sent += 1
    return sent


def remind(session: Session, now: dt.datetime) -> Reminders:
    """Both reminders (the worker's ``updates.reminders`` job)."""
    windows = upcoming_windows(session, now)
    overdue = overdue_tasks(session, now)
    session.flush()
    return Reminders(windows, overdue)


def end_of_support_published(session: Session, notice: LifecycleNotice) -> int:
    """Notify the hospitals holding the product of a published notice; how many users."""
    version: ProfileVersion = notice.profile_version
    product = version.product
    holders = session.execute(
        select(Organization)
        .join(Holding, Holding.organization_id == Organization.id)
        .where(Holding.product_id == product.id)
        .order_by(Organization.id)
    ).scalars()
    target = f"profile-version:{version.id}"
    dates = {
        "end of sale": notice.end_of_sale,
        "end of security updates": notice.end_of_security_updates,
        "end of support": notice.end_of_support,
    }
    when = ", ".join(f"{name} {day}" for name, day in dates.items() if day)
    count = 0
    for org in holders:
        if not OrganizationKind(org.kind).is_provider:
            continue
        running = session.execute(
            select(func.count()).where(
                Asset.organization_id == org.id, Asset.profile_version_id == version.id
            )
        ).scalar_one()
        subject = f"End of support: {product.name} {version.version} ({when})"
        body = (
            f"{running} of your assets run this version. "
            + (f"The manufacturer's plan: {notice.plan}" if notice.plan else "")
        ).strip()
        users = notifications.recipients(session, org.id, Permission.INVENTORY_READ)
        notifications.notify_users(session, users, END_OF_SUPPORT, target, subject, body)
        count += len(users)
    return count
