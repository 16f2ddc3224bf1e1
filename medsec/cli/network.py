"""``medsec network``: site model, authorized flow map, firewall rules, MUD files."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.errors import DocumentError, Error
from medsec.network.firewall.policy import build as build_rules
from medsec.network.firewall.targets import Target, ipv6_left_out, render
from medsec.network.flowmap import FlowMap
from medsec.network.mud.export import export_mud
from medsec.network.mud.importer import import_mud_text
from medsec.network.profiles import flowmap_of_site_file
from medsec.network.site import Site
from medsec.network.site_yaml import dump_site, load_site
from medsec.profiles.loader import load_profile, read_text

app = typer.Typer(
    help="Network segmentation: sites, authorized flows, firewall rules, MUD.",
    no_args_is_help=True,
)
site_app = typer.Typer(help="Check and normalise site files.", no_args_is_help=True)
mud_app = typer.Typer(help="MUD files (RFC 8520) from and to profiles.", no_args_is_help=True)
app.add_typer(site_app, name="site")
app.add_typer(mud_app, name="mud")

SiteOption = Annotated[
    str,
    typer.Option(
        "--site",
        help="Site file (YAML or JSON), or the name of a site in the database "
        "(MEDSEC_DATABASE_URL; with --organization when there are several).",
    ),
]
OrganizationOption = Annotated[
    str | None,
    typer.Option(help="Healthcare-provider organization of a database site."),
]
ProfilesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--profiles",
        help="Directory of profiles for product+version references (repeatable); "
        "default: the site file's directory and its parent.",
    ),
]


class MapFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    """Exactly the map_version 1 interchange."""
    REPORT = "report"
    """The interchange plus todos, conflicts and optional services."""


def site_flowmap(site: str, profiles: list[Path] | None, organization: str | None) -> FlowMap:
    """The flow map of ``--site``: a file when one exists at that path (or the name ends in
    .yaml/.yml/.json), else the database site of that name, profiles from the catalog."""
    path = Path(site)
    if path.is_file() or path.suffix.lower() in (".yaml", ".yml", ".json"):
        return flowmap_of_site_file(path, profiles)
    from medsec.cli.inventory import operator
    from medsec.network.services import flowmap_by_name
    from medsec.service import Instance
    from medsec.settings import Settings

    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        return flowmap_by_name(session, operator(session, organization), site)


def _write(path: Path, text: str) -> None:
    """Write all of ``text`` or nothing: a temporary file renamed into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as e:
        temporary.unlink(missing_ok=True)
        raise Error(f"{path}: cannot be written: {e.strerror}") from e


@site_app.command("validate")
def site_validate(
    files: Annotated[list[Path], typer.Argument(help="Site files.")],
    format: FormatOption = Format.TEXT,
) -> None:
    """Validate site files; print FILE:LINE:COL: path: message lines on problems."""
    results = []
    failed = False
    for file in files:
        try:
            load_site(file)
        except DocumentError as e:
            failed = True
            results.append(
                {"file": str(file), "valid": False, "problems": [str(p) for p in e.problems]}
            )
            if format is Format.TEXT:
                errors.print(e.diagnostics(), markup=False, highlight=False, soft_wrap=True)
        except Error as e:
            failed = True
            results.append({"file": str(file), "valid": False, "problems": [e.message]})
            if format is Format.TEXT:
                errors.print(f"error: {e.diagnostics()}", markup=False, highlight=False)
        else:
            results.append({"file": str(file), "valid": True, "problems": []})
            if format is Format.TEXT:
                console.print(f"{file}: valid", markup=False, highlight=False)
    if format is Format.JSON:
        print_json(results)
    if failed:
        raise typer.Exit(1)


@site_app.command("schema")
def site_schema() -> None:
    """Print the JSON Schema of the site file (site_version 1), for editors and CI."""
    print_json(Site.model_json_schema())


@site_app.command("format")
def site_format(
    file: Annotated[Path, typer.Argument(help="Site file.")],
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
) -> None:
    """Print (or write) the site in medsec's normal YAML form, defaults left out."""
    text = dump_site(load_site(file))
    if output is None:
        typer.echo(text, nl=False)
    else:
        _write(output, text)


@app.command("flows")
def flows(
    site: SiteOption,
    asset: Annotated[str | None, typer.Option("--asset", help="Only this asset.")] = None,
    zone: Annotated[str | None, typer.Option("--zone", help="Only this zone.")] = None,
    format: Annotated[MapFormat, typer.Option("--format", "-f")] = MapFormat.TABLE,
    profiles: ProfilesOption = None,
    organization: OrganizationOption = None,
) -> None:
    """The authorized flow map, its to-dos and conflicts.

    --format json prints exactly the map_version 1 interchange (for `medsec flows check`);
    --format report adds todos, conflicts and optional services to it.
    """
    flowmap = site_flowmap(site, profiles, organization)
    if asset is not None:
        if flowmap.site.asset(asset) is None:
            raise Error(f"no asset named '{asset}' in {site}")
        flowmap = flowmap.for_asset(asset)
    if zone is not None:
        if zone not in {z.name for z in flowmap.site.zones}:
            raise Error(f"no zone named '{zone}' in {site}")
        flowmap = flowmap.for_zone(zone)
    if format is MapFormat.JSON:
        print_json(flowmap.interchange())
        return
    if format is MapFormat.REPORT:
        print_json(flowmap.report())
        return
    _print_table(flowmap)


def _print_table(flowmap: FlowMap) -> None:
    table = Table(title=f"Authorized flows — {flowmap.site.site}", show_lines=False)
    for column in ("flow", "dir", "proto/ports", "peer", "peer zone", "PHI", "enc", "from"):
        table.add_column(column, overflow="fold")
    for f in flowmap.flows:
        ports = ",".join(str(a) if a == b else f"{a}-{b}" for a, b in f.ports)
        table.add_row(
            f.id,
            "out" if f.direction == "outbound" else "in",
            f"{f.protocol}/{ports}" if ports else f.protocol,
            ", ".join([*f.peer_cidrs, *f.peer_names]),
            ", ".join(f.peer_zones),
            "yes" if f.phi else "",
            "yes" if f.encrypted else "no",
            f.source.split(": ", 1)[-1].split(" (", 1)[0],
        )
    console.print(table)
    if flowmap.todos:
        console.print(f"\nTo do ({len(flowmap.todos)} unbound endpoints):", markup=False)
        for t in flowmap.todos:
            console.print(
                f"  {t.asset}: {t.message} — needed by {', '.join(t.needed_by)}",
                markup=False,
                highlight=False,
            )
    if flowmap.conflicts:
        console.print(f"\nConflicts ({len(flowmap.conflicts)}):", markup=False)
        for c in flowmap.conflicts:
            console.print(f"  [{c.kind}] {c.flow}: {c.message}", markup=False, highlight=False)
    if flowmap.optional:
        console.print(f"\nOff by default, not authorized ({len(flowmap.optional)}):", markup=False)
        for o in flowmap.optional:
            console.print(f"  {o.asset}/{o.service_id}: {o.message}", markup=False)


@app.command("rules")
def rules(
    site: SiteOption,
    target: Annotated[Target, typer.Option("--target", help="Firewall platform.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    profiles: ProfilesOption = None,
    format: FormatOption = Format.TEXT,
    organization: OrganizationOption = None,
) -> None:
    """Firewall rules (via aerleon) for the authorized flows: default deny, logged."""
    ruleset = build_rules(site_flowmap(site, profiles, organization))
    _write(output, render(ruleset, target))
    ipv6 = ipv6_left_out(ruleset, target)
    if format is Format.JSON:
        print_json(
            {
                "output": str(output),
                "target": str(target),
                "rules": len(ruleset.rules),
                "skipped": [{"flow": s.flow, "reason": s.reason} for s in ruleset.skipped],
                "ipv6_left_out": ipv6,
            }
        )
        return
    console.print(
        f"{output}: {len(ruleset.rules)} rules for {target}", markup=False, highlight=False
    )
    for s in ruleset.skipped:
        errors.print(f"skipped {s.flow}: {s.reason}", markup=False, highlight=False)
    for flow in ipv6:
        errors.print(
            f"note: {flow}: its IPv6 addresses are left out ({target} output is IPv4); "
            "use nftables, srx or paloalto for IPv6",
            markup=False,
            highlight=False,
        )


@mud_app.command("export")
def mud_export(
    profile: Annotated[Path, typer.Argument(help="Profile file.")],
    output: Annotated[Path, typer.Option("-o", "--output")],
    mud_url: Annotated[
        str | None, typer.Option("--mud-url", help="Where the MUD file will be published.")
    ] = None,
) -> None:
    """Write the MUD file (RFC 8520, YANG JSON) of a profile's product version."""
    document = export_mud(load_profile(profile), mud_url=mud_url)
    _write(output, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    console.print(f"{output}: MUD file of {profile}", markup=False, highlight=False)


@mud_app.command("import")
def mud_import(
    file: Annotated[Path, typer.Argument(help="MUD file (JSON).")],
    output: Annotated[Path, typer.Option("-o", "--output")],
    format: FormatOption = Format.TEXT,
) -> None:
    """Write a draft profile (network section) from a MUD file, for a person to complete."""
    draft = import_mud_text(read_text(file), str(file))
    _write(output, draft.yaml())
    if format is Format.JSON:
        print_json(
            {
                "output": str(output),
                "services": len(draft.services),
                "aces": draft.aces,
                "notes": list(draft.notes),
            }
        )
        return
    console.print(
        f"{output}: draft profile with {len(draft.services)} services from {draft.aces} ACEs",
        markup=False,
        highlight=False,
    )
    for note in draft.notes:
        errors.print(f"note: {note}", markup=False, highlight=False)
