"""``medsec disclosure``: open an organization's report intake, list overdue cases, print
the instance's security.txt. Reading reports is for the web pages and the API, where
every read is audited under a person's name."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from typing import Annotated

import typer
from sqlalchemy import select

from medsec.accounts.models import Organization
from medsec.audit.services import Context
from medsec.cli.output import Format, FormatOption, console, print_json
from medsec.disclosure import services
from medsec.disclosure.securitytxt import instance_security_txt
from medsec.errors import NotFound
from medsec.service import Instance
from medsec.settings import Settings

app = typer.Typer(
    help="Coordinated vulnerability disclosure (report intake).", no_args_is_help=True
)


@app.command("program")
def program(
    organization: Annotated[str, typer.Argument(help="Organization name.")],
    slug: Annotated[str, typer.Option(help="Public name in /disclosure/<slug>/report.")],
    acknowledge_days: Annotated[
        int, typer.Option(help="Days to acknowledge a report when its product's profile says none.")
    ] = 5,
    closed: Annotated[bool, typer.Option("--closed", help="Stop accepting new reports.")] = False,
    output: FormatOption = Format.TEXT,
) -> None:
    """Open (or change) the report intake of a manufacturer organization."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        org = session.execute(
            select(Organization).where(Organization.name == organization)
        ).scalar_one_or_none()
        if org is None:
            raise NotFound(f"no organization named {organization!r}")
        saved = services.save_program(
            session,
            org.id,
            slug,
            Context.cli(),
            acknowledge_days=acknowledge_days,
            accepting=not closed,
        )
        url = f"{instance.settings.base_url.rstrip('/')}/disclosure/{saved.slug}/report"
        result = {"organization": org.name, "slug": saved.slug, "accepting": saved.accepting}
    if output is Format.JSON:
        print_json({**result, "report_form": url, "acknowledge_days": acknowledge_days})
    else:
        state = "accepting reports" if result["accepting"] else "closed"
        console.print(f"{result['organization']}: {state} at {url}")


@app.command("overdue")
def overdue(output: FormatOption = Format.TEXT) -> None:
    """Cases nobody acknowledged by their deadline (no content is shown); exit 1 if any."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        found = services.overdue_cases(session, dt.datetime.now(dt.UTC))
    if output is Format.JSON:
        print_json([dataclasses.asdict(c) for c in found])
    elif not found:
        console.print("No overdue cases.")
    else:
        for c in found:
            console.print(
                f"case {c.case_id} ({c.organization}): received {c.received_at:%Y-%m-%d %H:%M}, "
                f"acknowledge by {c.acknowledge_by:%Y-%m-%d %H:%M} UTC"
            )
    if found:
        raise typer.Exit(1)


@app.command("security-txt")
def security_txt() -> None:
    """Print the instance's /.well-known/security.txt as served now."""
    sys.stdout.write(instance_security_txt(Settings(), dt.datetime.now(dt.UTC)))
