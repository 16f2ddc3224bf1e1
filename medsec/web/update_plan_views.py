"""Update planning in the browser: a site's update plan page (devices that need an
update and why, maintenance windows, group limits, the plan form, the plans by window
occurrence in the site's local time and UTC, an outcome form per task) and the update
dashboard (devices out of date, end-of-support exposure, compliance over time as an
inline SVG chart with its table). Every form works without JavaScript."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.findings.open_findings import ServiceFindings
from medsec.inventory import services as inventory
from medsec.inventory.models import Site
from medsec.products import services as products
from medsec.updates import exposure, fleet, planning
from medsec.updates.chart import compliance_svg
from medsec.updates.planning_models import UpdatePlan, UpdateTaskRow
from medsec.updates.planning_schemas import GroupIn, PlanIn, TransitionIn, WindowIn
from medsec.updates.tasks import ALLOWED, TaskState
from medsec.updates.windows import WEEKDAYS, zone
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.INVENTORY_READ)]
Writer = Annotated[Viewer, page(Permission.INVENTORY_WRITE)]


@dataclass(frozen=True)
class Occurrence:
    """One window occurrence of a plan with its tasks, for the table."""

    window: str
    local: str
    utc: str
    tasks: list[tuple[UpdateTaskRow, str, list[str]]]


def _local(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def occurrences(plan: UpdatePlan, names: dict[int, str], tz: ZoneInfo) -> list[Occurrence]:
    by_key: dict[tuple[dt.datetime, int | None], list[UpdateTaskRow]] = {}
    for task in plan.tasks:
        by_key.setdefault((task.occurrence_start, task.window_id), []).append(task)
    found = []
    for (start, window_id), tasks in sorted(
        by_key.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
    ):
        end = tasks[0].occurrence_end
        rows = [
            (
                t,
                f"{t.start.astimezone(tz):%H:%M}–{t.end.astimezone(tz):%H:%M} "
                f"({t.start.astimezone(dt.UTC):%H:%M}–{t.end.astimezone(dt.UTC):%H:%M} UTC)",
                sorted(s.value for s in ALLOWED[TaskState(t.state)]),
            )
            for t in sorted(tasks, key=lambda t: (t.start, t.asset.serial))
        ]
        found.append(
            Occurrence(
                names.get(window_id or 0, "window removed"),
                f"{_local(start, tz)} – {end.astimezone(tz):%H:%M %Z}",
                f"{_utc(start)} – {end.astimezone(dt.UTC):%H:%M} UTC",
                rows,
            )
        )
    return found


def release_choices(statuses: list[fleet.AssetStatus]) -> list[tuple[int, str]]:
    """The releases the site's devices need, for the plan form: id and label (version,
    kind, product, how many devices need it), in release order."""
    found: dict[int, tuple[fleet.AssetUpdate, str, int]] = {}
    for status in statuses:
        for update in status.needed:
            _, _, count = found.get(update.release_id, (update, "", 0))
            found[update.release_id] = (update, status.product or "", count + 1)
    ordered = sorted(found.values(), key=lambda f: (f[0].released_on, f[0].version))
    return [
        (
            u.release_id,
            f"{u.version} ({u.kind}) of {product}, needed by {n} device{'s' if n != 1 else ''}",
        )
        for u, product, n in ordered
    ]


def _days(weekdays: list[int]) -> str:
    return ", ".join(WEEKDAYS[d] for d in weekdays)


def _plan_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    site: Site,
    *,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    actor = viewer.actor
    tz = zone(site.timezone)
    windows = planning.windows(session, actor, site.id)
    names = {w.id: w.name for w in windows}
    statuses = fleet.site_updates(session, actor, site.id, ServiceFindings(session, actor))
    plans = planning.plans(session, actor, site.id)
    return render(
        request,
        "updates/plan.html",
        viewer=viewer,
        status=status,
        site=site,
        statuses=statuses,
        releases=release_choices(statuses),
        windows=[(w, _days(w.weekdays), w.timezone or site.timezone) for w in windows],
        groups=planning.groups(session, actor, site.id),
        plans=[
            (p, occurrences(p, names, tz), _utc(p.horizon_start), _utc(p.horizon_end))
            for p in plans
        ],
        serials={s.asset_id: s.serial for s in statuses},
        products=[(str(p.id), p.name) for p in products.list_products(session, actor)],
        errors=errors or FormErrors(),
        can_write=actor.can(Permission.INVENTORY_WRITE),
        today=dt.datetime.now(tz).date().isoformat(),
    )


@router.get("/inventory/sites/{site_id}/updates")
def plan_page(request: Request, session: DbSession, viewer: Reader, site_id: int) -> Response:
    site = inventory.get_site(session, viewer.actor, site_id)
    return _plan_page(request, session, viewer, site)


def _id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _failed(
    request: Request, session: Session, viewer: Viewer, site_id: int, message: str
) -> Response:
    site = inventory.get_site(session, viewer.actor, site_id)
    errors = FormErrors()
    errors.add(None, message)
    return _plan_page(request, session, viewer, site, errors=errors, status=422)


def _validation(e: ValidationError) -> str:
    first = e.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"


@router.post("/inventory/sites/{site_id}/windows")
def add_window(
    request: Request,
    session: DbSession,
    viewer: Writer,
    site_id: int,
    name: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "",
    downtime: Annotated[str, Form()] = "",
) -> Response:
    inventory.get_site(session, viewer.actor, site_id)
    kind, _, target = scope.partition(":")
    try:
        data = WindowIn(
            name=name.strip()[:120],
            days=days[:60],
            start=start,
            end=end,
            timezone=timezone.strip()[:64] or None,
            zone_id=_id(target) if kind == "zone" else None,
            asset_id=_id(target) if kind == "asset" else None,
            downtime=downtime == "yes",
        )
        planning.add_window(session, viewer.actor, site_id, data)
    except ValidationError as e:
        return _failed(request, session, viewer, site_id, f"Window not added: {_validation(e)}")
    except Error as e:
        discard(session, e)
        return _failed(request, session, viewer, site_id, f"Window not added: {explain(e)}")
    return see_other(f"/inventory/sites/{site_id}/updates", "window-added")


@router.post("/inventory/sites/{site_id}/groups")
def add_group(
    request: Request,
    session: DbSession,
    viewer: Writer,
    site_id: int,
    name: Annotated[str, Form()] = "",
    zone_id: Annotated[str, Form()] = "",
    product_id: Annotated[str, Form()] = "",
    max_concurrent: Annotated[str, Form()] = "",
) -> Response:
    inventory.get_site(session, viewer.actor, site_id)
    try:
        data = GroupIn(
            name=name.strip()[:120],
            zone_id=_id(zone_id),
            product_id=_id(product_id),
            max_concurrent=int(max_concurrent) if max_concurrent.isdigit() else 0,
        )
        planning.add_group(session, viewer.actor, site_id, data)
    except ValidationError as e:
        return _failed(request, session, viewer, site_id, f"Group not added: {_validation(e)}")
    except Error as e:
        discard(session, e)
        return _failed(request, session, viewer, site_id, f"Group not added: {explain(e)}")
    return see_other(f"/inventory/sites/{site_id}/updates", "group-added")


@router.post("/inventory/sites/{site_id}/plans")
def make_plan(
    request: Request,
    session: DbSession,
    viewer: Writer,
    site_id: int,
    start: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "28",
    asset_ids: Annotated[list[str] | None, Form()] = None,
    release_ids: Annotated[list[str] | None, Form()] = None,
) -> Response:
    site = inventory.get_site(session, viewer.actor, site_id)
    try:
        begin = None
        if start:
            day = dt.date.fromisoformat(start[:10])
            begin = dt.datetime.combine(day, dt.time(), zone(site.timezone))
        chosen = [i for i in (_id(a) for a in asset_ids or []) if i is not None]
        releases = [i for i in (_id(r) for r in release_ids or []) if i is not None]
        data = PlanIn(
            start=begin,
            days=int(days) if days.isdigit() else 0,
            asset_ids=chosen or None,
            release_ids=releases or None,
        )
        found = ServiceFindings(session, viewer.actor)
        planning.make_plan(session, viewer.actor, site.id, data, findings=found)
    except ValueError as e:  # a bad date, or pydantic's ValidationError
        message = _validation(e) if isinstance(e, ValidationError) else "give the start as a date"
        return _failed(request, session, viewer, site_id, f"No plan made: {message}")
    except Error as e:
        discard(session, e)
        return _failed(request, session, viewer, site_id, f"No plan made: {explain(e)}")
    return see_other(f"/inventory/sites/{site_id}/updates", "plan-made")


@router.post("/inventory/update-tasks/{task_id}/transition")
def transition(
    request: Request,
    session: DbSession,
    viewer: Writer,
    task_id: int,
    to: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    evidence_ref: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
) -> Response:
    task = planning.get_task(session, viewer.actor, task_id)
    site_id = task.plan.site_id
    try:
        data = TransitionIn(
            to=TaskState(to),
            evidence=evidence[:20000] or None,
            evidence_ref=evidence_ref[:400] or None,
            reason=reason[:4000] or None,
            assignee=assignee[:200] or None,
        )
        planning.transition(session, viewer.actor, task_id, data)
    except ValueError:
        return _failed(request, session, viewer, site_id, "Choose the task's new state.")
    except Error as e:
        discard(session, e)
        return _failed(request, session, viewer, site_id, f"Not recorded: {explain(e)}")
    answer = see_other(f"/inventory/sites/{site_id}/updates", "task-recorded")
    answer.headers["location"] += f"#task-{task_id}"
    return answer


@router.get("/inventory/update-dashboard")
def dashboard(
    request: Request,
    session: DbSession,
    viewer: Reader,
    site: str | None = None,
    months: int = 12,
    weeks: int = 12,
) -> Response:
    actor = viewer.actor
    sites = inventory.list_sites(session, actor)
    chosen = next((s for s in sites if str(s.id) == site), sites[0] if sites else None)
    months, weeks = max(0, min(months, 120)), max(1, min(weeks, 104))
    context: dict[str, Any] = {"statuses": [], "exposed": [], "points": [], "chart": ""}
    if chosen is not None:
        today = dt.datetime.now(zone(chosen.timezone)).date()
        points = exposure.compliance(session, actor, chosen.id, weeks=weeks, today=today)
        context = {
            "statuses": sorted(
                (
                    s
                    for s in fleet.site_updates(
                        session, actor, chosen.id, ServiceFindings(session, actor)
                    )
                    if s.out_of_date
                ),
                key=lambda s: (s.zone or "", s.serial),
            ),
            "exposed": exposure.end_of_support(
                session,
                actor,
                chosen.id,
                months=months,
                today=today,
                findings=ServiceFindings(session, actor),
            ),
            "points": points,
            # Generated here from numbers and dates only, every text escaped.
            "chart": Markup(compliance_svg(points, f"Update compliance, {chosen.name}")),  # noqa: S704
        }
    return render(
        request,
        "updates/dashboard.html",
        viewer=viewer,
        sites=sites,
        site=chosen,
        months=months,
        weeks=weeks,
        **context,
    )
