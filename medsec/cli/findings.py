"""``medsec findings``: the findings of an asset or of the fleet in the instance database;
``medsec vex attach``: a manufacturer VEX document for a profile version.

Both act as the instance's operator (an admin of the organization concerned), as
``medsec sbom attach`` does. Registered in :mod:`medsec.cli.main`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind
from medsec.cli.inventory import operator
from medsec.cli.output import Format, FormatOption, console, print_json
from medsec.cli.sbom_attach import manufacturer_operator
from medsec.errors import Error, NotFound
from medsec.findings import services, vex
from medsec.findings.schemas import item_out
from medsec.findings.services import FindingFilter
from medsec.inventory import services as inventory
from medsec.products.models import ProfileVersion
from medsec.service import Instance
from medsec.settings import Settings
from medsec.vulns.findings import FindingState
from medsec.vulns.priority import Level

app = typer.Typer(help="Vulnerability findings of the hospital's devices.", no_args_is_help=True)
vex_app = typer.Typer(help="Manufacturer VEX documents of profile versions.", no_args_is_help=True)


@app.command("list")
def list_command(
    asset: Annotated[str | None, typer.Option("--asset", help="Serial of one asset.")] = None,
    organization: Annotated[
        str | None, typer.Option(help="Healthcare-provider organization (if several).")
    ] = None,
    state: Annotated[FindingState | None, typer.Option(help="Only this state.")] = None,
    priority: Annotated[Level | None, typer.Option(help="Only this priority.")] = None,
    kev: Annotated[
        bool | None, typer.Option("--kev/--no-kev", help="Only known exploited (or not).")
    ] = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only affected or under investigation.")
    ] = False,
    format: FormatOption = Format.TEXT,
) -> None:
    """The findings of one asset (``--asset``) or of every asset, highest priority first."""
    where = FindingFilter(state, priority, kev, None, open_only, None)
    instance = Instance.from_settings(Settings())
    try:
        with instance.db.session() as session:
            actor = operator(session, organization)
            if asset is not None:
                found = inventory.asset_by_serial(session, actor.organization_id, asset)
                if found is None:
                    raise NotFound(f"no asset with serial '{asset}'", hint="see `medsec inventory`")
                listing = services.asset_findings(session, actor, found.id, where, 0, 1_000_000)
            else:
                listing = services.fleet_findings(session, actor, where, 0, 1_000_000)
            items = [item_out(i).model_dump(mode="json") for i in listing.items]
            counts = {k.value: v for k, v in listing.by_priority.items()}
    finally:
        instance.db.dispose()
    if format is Format.JSON:
        print_json({"total": len(items), "by_priority": counts, "items": items})
        return
    _print(items, counts)


def _print(items: list[dict[str, Any]], counts: dict[str, int]) -> None:
    table = Table("priority", "vulnerability", "device", "component", "state", "why")
    for i in items:
        c = i["component"]
        table.add_row(
            f"{i['priority']} ({i['score']:g})" + (" KEV" if i["known_exploited"] else ""),
            i["vulnerability"],
            i["asset_serial"] or "",
            f"{c['name']} {c['version'] or '(version unknown)'}",
            i["state"],
            i["detail"],
        )
    console.print(table)
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    console.print(f"{len(items)} findings ({summary})", highlight=False, markup=False)


@vex_app.command("attach")
def attach(
    file: Annotated[Path, typer.Argument(help="A VEX file.", exists=True, dir_okay=False)],
    version: Annotated[int, typer.Option("--version", help="Profile version id (yours).")],
    format: FormatOption = Format.TEXT,
) -> None:
    """Attach a CycloneDX VEX, OpenVEX or CSAF VEX document to a profile version; its
    statements about the version apply to hospitals' findings for devices of it."""
    instance = Instance.from_settings(Settings())
    try:
        with instance.db.session() as session:
            row = session.get(ProfileVersion, version)
            if row is None:
                raise NotFound(f"no profile version {version}")
            owner = session.get(Organization, row.product.organization_id)
            if owner is None or not OrganizationKind(owner.kind).is_manufacturer:
                raise Error(f"profile version {version} has no manufacturer organization")
            actor = manufacturer_operator(owner)
            document = vex.attach(session, actor, version, file.read_bytes(), file.name)
            result = {
                "id": document.id,
                "version": version,
                "format": document.format,
                "statements": document.statement_count,
                "skipped": document.skipped_count,
                "sha256": document.sha256,
            }
    finally:
        instance.db.dispose()
    if format is Format.JSON:
        print_json(result)
        return
    console.print(
        f"{file.name} → profile version {version}: {result['statements']} statements"
        + (f" ({result['skipped']} about other products left out)" if result["skipped"] else ""),
        highlight=False,
        markup=False,
    )
