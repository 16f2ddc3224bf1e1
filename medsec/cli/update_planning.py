"""``medsec updates windows|groups|plans|tasks|dashboard``: update planning against the
instance database — the same services, permission checks and audit events as the API.

Every command acts as a named user (``--user``, their role and organization apply) on a
site named by ``--site``; report commands take ``--format json``. ``plans make`` exits 2
when a device could not be placed (as the file-based ``medsec updates plan`` does).

    medsec updates windows add --site Campus --name "ICU night" --days tue \\
        --start 01:00 --end 05:00 --zone ICU --user biomed
    medsec updates plans make --site Campus --from 2026-06-01 --days 28 --user biomed
    medsec updates tasks move 12 --to done --evidence "4.2.2 read back" --user biomed
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.cli.output import Format, FormatOption, console, print_json
from medsec.cli.updates import UserOption, acting, product_by_name
from medsec.db.base import utcnow
from medsec.errors import Error, NotFound
from medsec.findings.open_findings import ServiceFindings
from medsec.inventory import services as inventory
from medsec.inventory.models import Site
from medsec.service import Instance
from medsec.settings import Settings
from medsec.updates import exposure, fleet, planning, planning_changes, reminders
from medsec.updates.planning_api import plan_out, status_out
from medsec.updates.planning_schemas import (
    GroupIn,
    GroupOut,
    GroupPatch,
    PlanIn,
    TaskOut,
    TransitionIn,
    WindowIn,
    WindowOut,
    WindowPatch,
)
from medsec.updates.tasks import TaskState
from medsec.updates.windows import WEEKDAYS, zone

windows_app = typer.Typer(help="Maintenance windows of a site.", no_args_is_help=True)
groups_app = typer.Typer(help="Update groups (concurrency limits) of a site.", no_args_is_help=True)
plans_app = typer.Typer(help="Update plans of a site.", no_args_is_help=True)
tasks_app = typer.Typer(help="Update tasks: list them, record outcomes.", no_args_is_help=True)

SiteOption = Annotated[str, typer.Option("--site", help="Site name.")]
ZoneOption = Annotated[str | None, typer.Option("--zone", help="Zone name of the site.")]
DeferOption = Annotated[
    bool,
    typer.Option(
        "--defer-tasks",
        help="Defer the updates planned in the window (the next plan places them again) "
        "instead of refusing.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the planning commands to ``medsec updates``."""
    app.add_typer(windows_app, name="windows")
    app.add_typer(groups_app, name="groups")
    app.add_typer(plans_app, name="plans")
    app.add_typer(tasks_app, name="tasks")
    app.command("dashboard")(dashboard)
    app.command("remind")(remind)


def _site(session: Session, actor: Actor, name: str) -> Site:
    return inventory.site_by_name(session, actor, name)


def _zone_id(site: Site, name: str | None) -> int | None:
    if name is None:
        return None
    for found in site.zones:
        if found.name == name:
            return found.id
    known = ", ".join(z.name for z in site.zones) or "none"
    raise NotFound(f"site '{site.name}' has no zone '{name}'", hint=f"its zones: {known}")


def _asset_id(session: Session, actor: Actor, serial: str) -> int:
    asset = inventory.asset_by_serial(session, actor.organization_id, serial)
    if asset is None:
        raise NotFound(f"no asset with serial '{serial}'", hint="see medsec inventory list")
    return asset.id


def _time(value: str | None, option: str) -> dt.time | None:
    if value is None:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError as e:
        raise Error(f"{option} {value!r} is not a time", hint="write HH:MM, e.g. 01:00") from e


def _windows_table(rows: list[WindowOut], site: str) -> Table:
    table = Table("id", "name", "scope", "days", "local time", "time zone", "downtime")
    for w in rows:
        target = w.scope + (f" {w.zone_id or w.asset_id}" if w.zone_id or w.asset_id else "")
        table.add_row(
            str(w.id), w.name, target, ",".join(WEEKDAYS[d] for d in w.weekdays),
            f"{w.start_time:%H:%M}–{w.end_time:%H:%M}", w.timezone or f"{site}'s",
            "yes" if w.downtime else "no",
        )  # fmt: skip
    return table


def _print_window(out: WindowOut, verb: str, format: Format) -> None:
    if format is Format.JSON:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(f"window {out.id} ({out.name}) {verb}", highlight=False, markup=False)


# --------------------------------------------------------------------------- windows


@windows_app.command("list")
def windows_list(site: SiteOption, user: UserOption, format: FormatOption = Format.TEXT) -> None:
    """The site's maintenance windows."""
    with acting(user) as (session, actor):
        found = _site(session, actor, site)
        rows = [WindowOut.model_validate(w) for w in planning.windows(session, actor, found.id)]
    if format is Format.JSON:
        print_json([r.model_dump(mode="json") for r in rows])
    else:
        console.print(_windows_table(rows, site))


@windows_app.command("add")
def windows_add(
    site: SiteOption,
    user: UserOption,
    name: Annotated[str, typer.Option(help="Name of the window.")],
    days: Annotated[str, typer.Option(help="tue, mon-fri, tue,thu (the start's day).")],
    start: Annotated[str, typer.Option(help="Local start time, HH:MM.")],
    end: Annotated[str, typer.Option(help="Local end time (before the start: next day).")],
    timezone: Annotated[str | None, typer.Option(help="IANA zone; default: the site's.")] = None,
    zone: ZoneOption = None,
    asset: Annotated[str | None, typer.Option(help="Serial of one asset.")] = None,
    downtime: Annotated[bool, typer.Option(help="Devices may be taken out of use.")] = True,
    format: FormatOption = Format.TEXT,
) -> None:
    """Add a window on the site, one zone (--zone) or one asset (--asset)."""
    with acting(user) as (session, actor):
        found = _site(session, actor, site)
        data = WindowIn(
            name=name, days=days, start=_time(start, "--start"), end=_time(end, "--end"),
            timezone=timezone, zone_id=_zone_id(found, zone),
            asset_id=_asset_id(session, actor, asset) if asset else None, downtime=downtime,
        )  # fmt: skip
        out = WindowOut.model_validate(planning.add_window(session, actor, found.id, data))
    _print_window(out, "added", format)


@windows_app.command("edit")
def windows_edit(
    window_id: int,
    user: UserOption,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    days: Annotated[str | None, typer.Option(help="New days.")] = None,
    start: Annotated[str | None, typer.Option(help="New local start, HH:MM.")] = None,
    end: Annotated[str | None, typer.Option(help="New local end, HH:MM.")] = None,
    timezone: Annotated[str | None, typer.Option(help="New IANA zone ('' for the site's).")] = None,
    zone: ZoneOption = None,
    asset: Annotated[str | None, typer.Option(help="Move the window to this asset.")] = None,
    whole_site: Annotated[bool, typer.Option(help="Move the window to the whole site.")] = False,
    downtime: Annotated[bool | None, typer.Option(help="Devices may be taken out of use.")] = None,
    defer_tasks: DeferOption = False,
    format: FormatOption = Format.TEXT,
) -> None:
    """Change a window; only the options given change."""
    if sum((zone is not None, asset is not None, whole_site)) > 1:
        raise Error("give one of --zone, --asset and --whole-site")
    with acting(user) as (session, actor):
        window = planning_changes.get_window(session, actor, window_id)
        values: dict[str, Any] = {
            k: v
            for k, v in {
                "name": name, "days": days, "start": _time(start, "--start"),
                "end": _time(end, "--end"), "timezone": timezone, "downtime": downtime,
            }.items()
            if v is not None
        }  # fmt: skip
        if whole_site:
            values |= {"zone_id": None, "asset_id": None}
        elif zone is not None:
            values |= {"zone_id": _zone_id(window.site, zone), "asset_id": None}
        elif asset is not None:
            values |= {"zone_id": None, "asset_id": _asset_id(session, actor, asset)}
        found = planning_changes.update_window(
            session, actor, window_id, WindowPatch.model_validate(values), defer_tasks=defer_tasks
        )
        out = WindowOut.model_validate(found)
    _print_window(out, "changed", format)


@windows_app.command("delete")
def windows_delete(window_id: int, user: UserOption, defer_tasks: DeferOption = False) -> None:
    """Delete a window (refused while updates are planned in it, unless --defer-tasks)."""
    with acting(user) as (session, actor):
        deferred = planning_changes.delete_window(
            session, actor, window_id, defer_tasks=defer_tasks
        )
    extra = f"; {len(deferred)} planned update(s) deferred" if deferred else ""
    console.print(f"window {window_id} deleted{extra}", highlight=False)


# --------------------------------------------------------------------------- groups


def _print_group(out: GroupOut, verb: str, format: Format) -> None:
    if format is Format.JSON:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(
            f"group {out.id} ({out.name}, at most {out.max_concurrent}) {verb}",
            highlight=False,
            markup=False,
        )


@groups_app.command("list")
def groups_list(site: SiteOption, user: UserOption, format: FormatOption = Format.TEXT) -> None:
    """The site's update groups and their limits."""
    with acting(user) as (session, actor):
        found = _site(session, actor, site)
        rows = [GroupOut.model_validate(g) for g in planning.groups(session, actor, found.id)]
        zones = {z.id: z.name for z in found.zones}
    if format is Format.JSON:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("id", "name", "zone", "product", "at most")
    for g in rows:
        zone = zones.get(g.zone_id, "") if g.zone_id else "any"
        table.add_row(str(g.id), g.name, zone, str(g.product_id or "any"), str(g.max_concurrent))
    console.print(table)


@groups_app.command("add")
def groups_add(
    site: SiteOption,
    user: UserOption,
    name: Annotated[str, typer.Option(help="Name of the group.")],
    limit: Annotated[int, typer.Option("--max", help="At most this many at once (1–1000).")],
    zone: ZoneOption = None,
    product: Annotated[str | None, typer.Option(help="Only this product's devices.")] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Add a concurrency limit for the site's devices (of a zone and/or a product)."""
    with acting(user) as (session, actor):
        found = _site(session, actor, site)
        data = GroupIn(
            name=name, zone_id=_zone_id(found, zone), max_concurrent=limit,
            product_id=product_by_name(session, actor, product) if product else None,
        )  # fmt: skip
        out = GroupOut.model_validate(planning.add_group(session, actor, found.id, data))
    _print_group(out, "added", format)


@groups_app.command("edit")
def groups_edit(
    group_id: int,
    user: UserOption,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    limit: Annotated[int | None, typer.Option("--max", help="New limit (1–1000).")] = None,
    zone: ZoneOption = None,
    any_zone: Annotated[bool, typer.Option(help="No longer limited to one zone.")] = False,
    product: Annotated[str | None, typer.Option(help="Only this product's devices.")] = None,
    any_product: Annotated[bool, typer.Option(help="No longer limited to a product.")] = False,
    format: FormatOption = Format.TEXT,
) -> None:
    """Change a group (for the plans made from now on); only the options given change."""
    with acting(user) as (session, actor):
        group = planning_changes.get_group(session, actor, group_id)
        values: dict[str, Any] = {"name": name, "max_concurrent": limit}
        values = {k: v for k, v in values.items() if v is not None}
        if any_zone or zone is not None:
            site = inventory.get_site(session, actor, group.site_id)
            values["zone_id"] = None if any_zone else _zone_id(site, zone)
        if any_product or product is not None:
            values["product_id"] = (
                None if any_product or product is None else product_by_name(session, actor, product)
            )
        changed = planning_changes.update_group(
            session, actor, group_id, GroupPatch.model_validate(values)
        )
        out = GroupOut.model_validate(changed)
    _print_group(out, "changed", format)


@groups_app.command("delete")
def groups_delete(group_id: int, user: UserOption) -> None:
    """Delete a group (plans already made keep the limits they were made with)."""
    with acting(user) as (session, actor):
        planning_changes.delete_group(session, actor, group_id)
    console.print(f"group {group_id} deleted", highlight=False)


# --------------------------------------------------------------------------- plans


def _tasks_table(tasks: list[TaskOut], serials: dict[int, str]) -> Table:
    table = Table("task", "plan", "asset", "release", "start (UTC)", "end (UTC)", "state",
                  "assignee")  # fmt: skip
    for t in tasks:
        table.add_row(
            str(t.id), str(t.plan_id), serials.get(t.asset_id, str(t.asset_id)),
            str(t.release_id), f"{t.start:%Y-%m-%d %H:%M}", f"{t.end:%H:%M}", t.state,
            t.assignee or "",
        )  # fmt: skip
    return table


@plans_app.command("make")
def plans_make(
    site: SiteOption,
    user: UserOption,
    start: Annotated[
        str | None, typer.Option("--from", help="First day (site's local date); default now.")
    ] = None,
    days: Annotated[int, typer.Option(help="Length of the horizon in days (1–366).")] = 28,
    asset: Annotated[
        list[str] | None, typer.Option(help="Only this asset (serial; repeat).")
    ] = None,
    release: Annotated[
        list[int] | None, typer.Option(help="Only this release id (repeat).")
    ] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Plan the site's out-of-date devices into its windows within the group limits."""
    with acting(user) as (session, actor):
        found = _site(session, actor, site)
        begin = None
        if start is not None:
            try:
                day = dt.date.fromisoformat(start)
            except ValueError as e:
                raise Error(f"--from {start!r} is not a date", hint="write YYYY-MM-DD") from e
            begin = dt.datetime.combine(day, dt.time(), zone(found.timezone))
        if not 1 <= days <= 366:
            raise Error(f"--days {days} is out of range", hint="plan 1 … 366 days")
        data = PlanIn(
            start=begin, days=days, release_ids=release or None,
            asset_ids=[_asset_id(session, actor, s) for s in asset] if asset else None,
        )  # fmt: skip
        open_findings = ServiceFindings(session, actor)
        out = plan_out(planning.make_plan(session, actor, found.id, data, findings=open_findings))
        serials = {s.asset_id: s.serial for s in fleet.site_updates(session, actor, found.id)}
    if format is Format.JSON:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(
            f"plan {out.id}: {len(out.tasks)} task(s), {out.horizon_start:%Y-%m-%d %H:%M} – "
            f"{out.horizon_end:%Y-%m-%d %H:%M} UTC",
            highlight=False,
        )
        console.print(_tasks_table(out.tasks, serials))
        for u in out.unplaced:
            console.print(f"not placed: {serials.get(u.asset_id, u.asset_id)}: {u.reason}",
                          highlight=False, markup=False)  # fmt: skip
    if out.unplaced:
        raise typer.Exit(2)


@plans_app.command("list")
def plans_list(site: SiteOption, user: UserOption, format: FormatOption = Format.TEXT) -> None:
    """The site's plans, newest first."""
    with acting(user) as (session, actor):
        found = _site(session, actor, site)
        rows = [plan_out(p) for p in planning.plans(session, actor, found.id)]
    if format is Format.JSON:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("plan", "from (UTC)", "to (UTC)", "tasks", "open", "not placed", "by")
    for p in rows:
        active = sum(t.state in planning.ACTIVE for t in p.tasks)
        table.add_row(
            str(p.id), f"{p.horizon_start:%Y-%m-%d %H:%M}", f"{p.horizon_end:%Y-%m-%d %H:%M}",
            str(len(p.tasks)), str(active), str(len(p.unplaced)), p.created_by or "",
        )  # fmt: skip
    console.print(table)


# --------------------------------------------------------------------------- tasks


@tasks_app.command("list")
def tasks_list(
    site: SiteOption,
    user: UserOption,
    plan: Annotated[int | None, typer.Option(help="Only this plan's tasks.")] = None,
    state: Annotated[TaskState | None, typer.Option(help="Only tasks in this state.")] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """The tasks of the site's plans, earliest first."""
    with acting(user) as (session, actor):
        found = _site(session, actor, site)
        plans = planning.plans(session, actor, found.id)
        if plan is not None and plan not in {p.id for p in plans}:
            raise NotFound(f"site '{site}' has no update plan {plan}")
        tasks = [
            TaskOut.model_validate(t)
            for p in plans
            if plan is None or p.id == plan
            for t in p.tasks
            if state is None or t.state == state.value
        ]
        serials = {t.asset_id: t.asset.serial for p in plans for t in p.tasks}
    tasks.sort(key=lambda t: (t.start, t.id))
    if format is Format.JSON:
        print_json([t.model_dump(mode="json") for t in tasks])
    else:
        console.print(_tasks_table(tasks, serials))


@tasks_app.command("move")
def tasks_move(
    task_id: int,
    user: UserOption,
    to: Annotated[TaskState, typer.Option(help="The new state.")],
    evidence: Annotated[str | None, typer.Option(help="What was observed (done, failed).")] = None,
    evidence_ref: Annotated[
        str | None, typer.Option(help="Where the evidence file is (ticket, document id).")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (deferred).")] = None,
    assignee: Annotated[str | None, typer.Option(help="Who carries the update out.")] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Record a task's outcome: evidence for done/failed, a reason for deferred. Done sets
    the asset's installed version to the release's."""
    with acting(user) as (session, actor):
        data = TransitionIn(
            to=to, evidence=evidence, evidence_ref=evidence_ref, reason=reason, assignee=assignee
        )
        out = TaskOut.model_validate(planning.transition(session, actor, task_id, data))
    if format is Format.JSON:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(f"task {out.id} is {out.state}", highlight=False)


# --------------------------------------------------------------------------- dashboard


def dashboard(
    site: SiteOption,
    user: UserOption,
    months: Annotated[int, typer.Option(help="End of support within this many months.")] = 12,
    weeks: Annotated[int, typer.Option(help="Weeks of compliance history.")] = 12,
    format: FormatOption = Format.TEXT,
) -> None:
    """The update dashboard's figures: devices out of date, end-of-support exposure,
    compliance per week."""
    if not 0 <= months <= 120 or not 1 <= weeks <= 104:
        raise Error("--months is 0 … 120 and --weeks 1 … 104")
    with acting(user) as (session, actor):
        found = _site(session, actor, site)
        today = dt.datetime.now(zone(found.timezone)).date()
        open_findings = ServiceFindings(session, actor)
        statuses = fleet.site_updates(session, actor, found.id, open_findings)
        exposed = exposure.end_of_support(
            session, actor, found.id, months=months, today=today, findings=open_findings
        )
        points = exposure.compliance(session, actor, found.id, weeks=weeks, today=today)
    linked = [s for s in statuses if s.product_id is not None]
    behind = [status_out(s) for s in linked if s.out_of_date]
    report: dict[str, Any] = {
        "site": found.name,
        "today": today.isoformat(),
        "assets": len(statuses),
        "linked": len(linked),
        "out_of_date": [s.model_dump(mode="json") for s in behind],
        "end_of_support": [
            {"asset_id": e.asset_id, "serial": e.serial, "product": e.product,
             "version": e.version, "milestone": e.milestone, "date": e.date.isoformat(),
             "past": e.past, "source": e.source}
            for e in exposed
        ],
        "compliance": [
            {"at": p.at.isoformat(), "up_to_date": p.up_to_date, "total": p.total,
             "share": round(p.share, 4)}
            for p in points
        ],
    }  # fmt: skip
    if format is Format.JSON:
        print_json(report)
        return
    console.print(
        f"{found.name}: {len(behind)} of {len(linked)} linked devices out of date "
        f"({len(statuses)} assets)",
        highlight=False,
        markup=False,
    )
    table = Table("serial", "zone", "installed", "needs", "why")
    for s in behind:
        needed = [u for u in s.updates if u.superseded_by is None]
        table.add_row(s.serial, s.zone or "", s.installed or "", needed[-1].version, needed[-1].why)
    console.print(table)
    eos = Table("serial", "product", "version", "milestone", "date", "past")
    for e in exposed:
        eos.add_row(e.serial, e.product, e.version, e.milestone, e.date.isoformat(),
                    "yes" if e.past else "no")  # fmt: skip
    console.print(eos)
    for p in points:
        console.print(f"{p.at:%Y-%m-%d}: {p.up_to_date}/{p.total} up to date", highlight=False)


def remind(format: FormatOption = Format.TEXT) -> None:
    """Queue the reminders of upcoming maintenance windows and overdue update tasks now
    (the worker does this every 15 minutes)."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        sent = reminders.remind(session, utcnow())
    if format is Format.JSON:
        print_json({"windows": sent.windows, "overdue": sent.overdue})
    else:
        console.print(
            f"{sent.windows} upcoming window(s) and {sent.overdue} overdue task(s) announced",
            highlight=False,
        )
