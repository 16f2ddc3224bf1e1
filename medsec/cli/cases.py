"""``medsec cases``: incident cases (a hospital's own, a manufacturer's queue), the
overdue check the worker runs; ``medsec cases training`` and ``… risk`` for education."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table as RichTable
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind, Role
from medsec.cli.output import Format, FormatOption, console, print_json
from medsec.db.base import utcnow
from medsec.education import risk, training
from medsec.errors import NotFound
from medsec.escalation import presenting, services
from medsec.escalation.kinds import Severity
from medsec.service import Instance
from medsec.settings import Settings

app = typer.Typer(help="Incident cases, training and risk worksheets.", no_args_is_help=True)
training_app = typer.Typer(help="Training objectives and who is due.", no_args_is_help=True)
app.add_typer(training_app, name="training")

OrganizationOption = Annotated[
    str | None, typer.Option(help="Organization to act for (needed when there are several).")
]


def operator(session: Session, organization: str | None) -> Actor:
    """The CLI acts as the instance's operator, an admin of the chosen organization."""
    orgs = list(session.execute(select(Organization).order_by(Organization.name)).scalars())
    chosen = [o for o in orgs if o.name == organization] if organization else orgs
    if len(chosen) != 1:
        names = ", ".join(o.name for o in orgs) or "none"
        raise NotFound(
            f"no organization '{organization}'" if organization else "choose --organization",
            hint=f"organizations here: {names}",
        )
    org = chosen[0]
    return Actor(0, "cli", org.id, OrganizationKind(org.kind), Role.ADMIN, ip="local")


@app.command("list")
def list_command(
    organization: OrganizationOption = None,
    overdue: Annotated[bool, typer.Option(help="Only cases past a target.")] = False,
    severity: Annotated[Severity | None, typer.Option(help="Only this severity.")] = None,
    active: Annotated[bool, typer.Option(help="Only cases not resolved or closed.")] = False,
    format: FormatOption = Format.TEXT,
) -> None:
    """The organization's cases: a hospital's own, a manufacturer's queue."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        actor = operator(session, organization)
        where = services.QueueFilter(overdue=True if overdue else None, severity=severity,
                                     active=active)  # fmt: skip
        rows = presenting.summaries(session, services.cases(session, actor, where))
    if format is Format.JSON:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = RichTable("case", "hospital", "product", "severity", "state", "response due", "overdue")
    for r in rows:
        due = r.timers[0].due_at
        table.add_row(
            f"#{r.id} {r.title}", r.hospital, f"{r.product} {r.version}", r.severity.value,
            r.state.value, due.isoformat() if due else "—", "yes" if r.overdue else "no",
        )  # fmt: skip
    console.print(table)


@app.command("show")
def show_command(
    case_id: int, organization: OrganizationOption = None, format: FormatOption = Format.TEXT
) -> None:
    """One case with its timers and messages."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        actor = operator(session, organization)
        case = presenting.detail(session, actor, services.get_case(session, actor, case_id))
    if format is Format.JSON:
        print_json(case.model_dump(mode="json"))
        return
    console.print(f"#{case.id} {case.title} [{case.state.value}]", markup=False)
    console.print(f"{case.hospital} → {case.manufacturer}: {case.product} {case.version}",
                  markup=False, highlight=False)  # fmt: skip
    for t in case.timers:
        console.print(f"{t.name}: due {t.due_at or 'no target'}, overdue {t.overdue}",
                      markup=False, highlight=False)  # fmt: skip
    for m in case.messages:
        console.print(f"[{m.created_at:%Y-%m-%d %H:%M}] {m.author} ({m.side}): {m.body}",
                      markup=False, highlight=False)  # fmt: skip


@app.command("check-overdue")
def overdue_command(format: FormatOption = Format.TEXT) -> None:
    """Flag newly overdue timers now (the worker does this every five minutes)."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        found = [(c.id, timer) for c, timer in services.report_overdue(session, utcnow())]
    if format is Format.JSON:
        print_json([{"case": c, "timer": t} for c, t in found])
        return
    console.print(f"{len(found)} timer(s) newly overdue", highlight=False)


@training_app.command("report")
def training_report(
    organization: OrganizationOption = None,
    due: Annotated[bool, typer.Option(help="Only due or overdue rows.")] = False,
    format: Annotated[str, typer.Option("--format", "-f", help="text, json or csv.")] = "text",
) -> None:
    """Every user × objective: current, due or overdue."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        actor = operator(session, organization)
        if format == "csv":
            sys.stdout.write(training.report_csv(session, actor))
            return
        rows = training.report(session, actor, only_due=due)
    if format == "json":
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = RichTable("user", "objective", "status", "expires")
    for r in rows:
        table.add_row(r.username, r.objective, r.status, str(r.expires_on or "never attested"))
    console.print(table)


@training_app.command("remind")
def training_remind() -> None:
    """Send the reminders now (the worker does this daily)."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        sent = training.send_reminders(session, utcnow().date())
    console.print(f"{sent} reminder(s) queued", highlight=False)


@app.command("risk")
def risk_command(
    organization: OrganizationOption = None, format: FormatOption = Format.TEXT
) -> None:
    """The newest revision of each risk worksheet of a hospital."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        actor = operator(session, organization)
        rows = [risk.present(w) for w in risk.latest(session, actor)]
    if format is Format.JSON:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = RichTable("worksheet", "framework", "inherent", "residual", "status")
    for r in rows:
        table.add_row(f"#{r.id} {r.title} (rev. {r.revision})", r.framework.value,
                      r.inherent_risk, r.residual_risk, r.status)  # fmt: skip
    console.print(table)
