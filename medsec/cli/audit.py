"""``medsec audit``: verify and export the tamper-evident audit log."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from medsec.audit import services
from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.service import Instance
from medsec.settings import Settings

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command()
def verify(format: FormatOption = Format.TEXT) -> None:
    """Recompute the hash chain; exit 1 and name the first altered, removed or inserted row."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        report = services.verify(session)
    if format is Format.JSON:
        print_json(
            {
                "ok": report.ok,
                "checked": report.checked,
                "first_bad_row": report.first_bad_seq,
                "problem": report.problem,
            }
        )
    elif report.ok:
        console.print(f"audit log intact: {report.checked} events verified", highlight=False)
    else:
        errors.print(
            f"error: audit log broken at row {report.first_bad_seq}: {report.problem}",
            highlight=False,
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def export(
    tag: Annotated[str | None, typer.Option(help="Only events whose tag starts with this.")] = None,
) -> None:
    """Write every event as JSON lines to stdout, oldest first."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        for event in services.iter_events(session, services.AuditQuery(None, tag_prefix=tag)):
            sys.stdout.write(json.dumps(services.as_dict(event), sort_keys=True) + "\n")
