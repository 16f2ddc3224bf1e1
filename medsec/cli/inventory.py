"""``medsec inventory``: import, export and list the device inventory of a hospital."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind, Role
from medsec.cli.output import Format, FormatOption, console, print_json
from medsec.errors import NotFound
from medsec.inventory import export as exporting
from medsec.inventory import importer, services
from medsec.inventory.rows import parse_mapping, read_rows
from medsec.service import Instance
from medsec.settings import Settings

app = typer.Typer(help="The device inventory of a hospital.", no_args_is_help=True)

OrganizationOption = Annotated[
    str | None,
    typer.Option(help="Healthcare-provider organization (needed when there are several)."),
]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


def operator(session: Session, organization: str | None) -> Actor:
    """The CLI acts as the instance's operator, an admin of the chosen organization."""
    providers = [
        o
        for o in session.execute(select(Organization).order_by(Organization.name)).scalars()
        if OrganizationKind(o.kind).is_provider
    ]
    if organization is not None:
        chosen = [o for o in providers if o.name == organization]
    else:
        chosen = providers if len(providers) == 1 else []
    if not chosen:
        names = ", ".join(o.name for o in providers) or "none"
        raise NotFound(
            f"no healthcare-provider organization '{organization}'"
            if organization
            else "choose the organization with --organization",
            hint=f"healthcare-provider organizations here: {names}",
        )
    org = chosen[0]
    return Actor(0, "cli", org.id, OrganizationKind(org.kind), Role.ADMIN, ip="local")


def _print_report(report: importer.ImportReport, format: Format) -> None:
    if format is Format.JSON:
        print_json(report.as_json())
        return
    verb = "would import" if report.dry_run else "imported"
    console.print(
        f"{report.source} → {report.site}: {verb} {report.count('created')} new, "
        f"{report.count('updated')} updated, {report.count('unchanged')} unchanged",
        highlight=False,
        markup=False,
    )
    for row in report.rows:
        if row.outcome == "updated":
            console.print(
                f"  row {row.row} {row.serial}: updated {', '.join(row.changes)}",
                highlight=False,
                markup=False,
            )
    if report.ignored_columns:
        console.print(
            f"ignored columns: {', '.join(report.ignored_columns)}", highlight=False, markup=False
        )


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV or JSON file.", exists=True, dir_okay=False)],
    site: Annotated[str, typer.Option(help="Name of the site to import into.")],
    organization: OrganizationOption = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="TOML or JSON file: file column = field.", exists=True, dir_okay=False),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Check and report, write nothing.")] = False,
    format: FormatOption = Format.TEXT,
) -> None:
    """Import assets (all rows or none); re-importing updates them by serial."""
    columns = parse_mapping(mapping.name, mapping.read_bytes()) if mapping else None
    table = read_rows(file.name, file.read_bytes(), columns)
    instance = Instance.from_settings(Settings())
    try:
        with instance.db.session() as session:
            actor = operator(session, organization)
            site_id = services.site_by_name(session, actor, site).id
            report = importer.import_table(session, actor, site_id, table, dry_run=dry_run)
    except importer.ImportRejected as e:
        if format is Format.JSON:
            print_json(e.report.as_json())
            raise typer.Exit(1) from e
        raise
    _print_report(report, format)


@app.command("export")
def export_command(
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.CSV,
    organization: OrganizationOption = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
) -> None:
    """Write the inventory to stdout, in columns that import back."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        actor = operator(session, organization)
        where = services.AssetFilter(
            site_id=services.site_by_name(session, actor, site).id if site else None
        )
        table = exporting.rows(session, actor, where)
    sys.stdout.write(
        exporting.to_csv(table) if format is ExportFormat.CSV else exporting.to_json(table)
    )


@app.command("list")
def list_command(
    organization: OrganizationOption = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    criticality: Annotated[str | None, typer.Option(help="Only this criticality.")] = None,
    search: Annotated[str | None, typer.Option("--search", "-q", help="Search text.")] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """The assets, with their site, zone, firmware and linked profile version."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        actor = operator(session, organization)
        site_id = services.site_by_name(session, actor, site).id if site else None
        if criticality is not None:
            from medsec.inventory.fields import normalise_criticality

            criticality = normalise_criticality(criticality).value
        table = exporting.rows(
            session, actor, services.AssetFilter(site_id, None, criticality, None, search)
        )
    if format is Format.JSON:
        print_json(table)
        return
    if not table:
        console.print("no assets", highlight=False)
        return
    out = RichTable(
        "site", "zone", "vendor", "model", "serial", "firmware", "criticality", "profile"
    )
    for row in table:
        linked = row["linked_profile_version_id"]
        link = f"{linked} ({row['profile_link']})" if linked else ""
        out.add_row(
            row["site"],
            row["zone"],
            row["vendor"],
            row["model"],
            row["serial"],
            row["firmware_version"],
            row["criticality"],
            link,
        )
    console.print(out)
