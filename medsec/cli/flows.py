"""``medsec flows``: check observed flows against the authorized map; learn proposals.

Registered in :mod:`medsec.cli.main` with ``app.add_typer(flows.app, name="flows")``.

Exit status of ``check`` (for scripts): **0** every flow is authorized and every internal
address is inventoried or named by an authorized flow; **3** findings (unauthorized flows,
or uninventoried devices that no authorized flow names); **1** an error (a log or the map
cannot be read; nothing is reported); **2** a usage error. Malformed lines are reported
but do not change the status.
"""

from __future__ import annotations

import csv
import enum
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medsec.cli.network import site_flowmap
from medsec.cli.output import console, errors, print_json
from medsec.errors import Error
from medsec.flows.authorized import AuthorizedMap, load_map, parse_map
from medsec.flows.engine import Session
from medsec.flows.learn import learn
from medsec.flows.records import ReadReport
from medsec.flows.results import CheckResult

app = typer.Typer(
    help="Observed network flows (Zeek conn.log, nfdump CSV) against the authorized map.",
    no_args_is_help=True,
)

#: Exit status when findings were reported.
FINDINGS = 3
#: How many malformed lines per file are printed in table form.
SHOWN = 20


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


Logs = Annotated[
    list[Path],
    typer.Argument(help="Zeek conn.log (TSV or JSON, may be .gz) or `nfdump -o csv` files."),
]
MapOption = Annotated[
    Path | None,
    typer.Option(
        "--authorized",
        "-a",
        help="Authorized flow map (JSON from `medsec network flows --format json`).",
    ),
]
SiteOption = Annotated[
    str | None,
    typer.Option(
        "--site",
        "-s",
        help="Site file (medsec network), or the name of a site in the database (with "
        "--organization when there are several): the authorized map is computed from it.",
    ),
]
OrganizationOption = Annotated[
    str | None,
    typer.Option(help="Healthcare-provider organization of a database site."),
]
ProfilesOption = Annotated[
    list[Path] | None,
    typer.Option("--profiles", help="Folders with the site's profiles (with --site)."),
]


def _map(
    authorized: Path | None,
    site: str | None,
    profiles: list[Path] | None,
    organization: str | None = None,
) -> AuthorizedMap:
    """The authorized map from ``--authorized MAP.json`` or computed from ``--site``."""
    if authorized is not None and site is None:
        return load_map(authorized)
    if site is not None and authorized is None:
        return parse_map(site_flowmap(site, profiles, organization).interchange(), site)
    raise Error(
        "give the authorized flows either as --authorized MAP.json or as --site SITE.yaml",
        hint="`medsec network flows --site SITE --format json` writes the map file",
    )


MemoryOption = Annotated[
    str | None, typer.Option("--memory-limit", help="DuckDB memory limit, e.g. 1GB.")
]


def _load(session: Session, logs: list[Path], quiet: bool) -> None:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} files"),
        TimeElapsedColumn(),
        console=errors,
        disable=quiet or not errors.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("reading flows", total=len(logs))
        for log in logs:
            progress.update(task, description=f"reading {log.name}")
            session.load(log)
            progress.advance(task)
        progress.update(task, description="checking")
        session.prepare()


def _when(ts: float) -> str:
    """A table cell's time: UTC to the second (JSON and CSV keep microseconds)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _report_json(r: ReadReport) -> dict[str, object]:
    return {
        "file": r.file,
        "format": r.format,
        "flows": r.rows,
        "malformed_count": r.malformed_count,
        "malformed": [{"line": m.line, "reason": m.reason} for m in r.malformed],
        "notes": list(r.notes),
    }


def _print_reports(reports: tuple[ReadReport, ...]) -> None:
    for r in reports:
        errors.print(r.summary(), markup=False, highlight=False, soft_wrap=True)
        for m in r.malformed[:SHOWN]:
            errors.print(
                f"{r.file}:{m.line}: malformed: {m.reason}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if r.malformed_count > SHOWN:
            errors.print(
                f"{r.file}: … {r.malformed_count - SHOWN} more malformed lines "
                "(all of them with --format json)",
                markup=False,
            )


def _table(result: CheckResult) -> None:
    known = sum(u.known_peer for u in result.uninventoried)
    console.print(
        f"{result.site or 'site'}: {result.flows_read} flows read, {result.flows_checked} "
        f"with an inventoried endpoint, {len(result.violations)} unauthorized flow groups, "
        f"{len(result.uninventoried)} uninventoried addresses "
        f"({known} of them named by authorized flows)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if result.violations:
        table = Table(title="Unauthorized flows")
        for column in ("asset", "dir", "peer", "proto/port", "class", "flows", "bytes",
                       "first seen", "last seen"):  # fmt: skip
            table.add_column(column, overflow="fold")
        for v in result.violations:
            peer = v.peer + (f" ({v.peer_asset})" if v.peer_asset else "")
            if v.peer_internet:
                peer += " (internet)"
            port = v.protocol if v.port is None else f"{v.protocol}/{v.port}"
            if v.services:
                port += f" {','.join(v.services)}"
            also = [c.value for c in v.classes[1:]]
            cls = v.cls.value + (f" (+{', '.join(also)})" if also else "")
            table.add_row(
                v.asset, v.direction, peer, port, cls, str(v.flows), str(v.bytes),
                _when(v.first_seen), _when(v.last_seen),
            )  # fmt: skip
        console.print(table)
    if result.uninventoried:
        table = Table(title="Uninventoried devices")
        for column in ("address", "zone", "kind", "known peer", "peers", "flows", "bytes",
                       "first seen", "last seen"):  # fmt: skip
            table.add_column(column, overflow="fold")
        for u in result.uninventoried:
            table.add_row(
                u.address, u.zone or "-", u.kind or "-", "yes" if u.known_peer else "no",
                str(u.peers), str(u.flows), str(u.bytes), _when(u.first_seen), _when(u.last_seen),
            )  # fmt: skip
        console.print(table)


CSV_COLUMNS = (
    "record", "asset", "direction", "peer", "peer_asset", "peer_zone", "peer_internet",
    "protocol", "port", "services", "class", "classes", "address", "zone", "kind",
    "known_peer", "peers", "flows", "bytes", "first_seen", "last_seen",
)  # fmt: skip


def _csv(result: CheckResult) -> None:
    writer = csv.DictWriter(sys.stdout, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for v in result.violations:
        row = v.as_dict()
        row["services"] = ",".join(v.services)
        row["classes"] = ",".join(c.value for c in v.classes)
        writer.writerow({"record": "violation", **row})
    for u in result.uninventoried:
        writer.writerow({"record": "uninventoried", **u.as_dict()})


@app.command("check")
def check_command(
    logs: Logs,
    authorized: MapOption = None,
    site: SiteOption = None,
    profiles: ProfilesOption = None,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table, json or csv.")
    ] = OutputFormat.TABLE,
    memory_limit: MemoryOption = None,
    organization: OrganizationOption = None,
) -> None:
    """Report unauthorized flows and uninventoried devices; exit 3 if there are any.

    The authorized flows come from a map file (--authorized), or a site file or database
    site (--site).
    """
    amap = _map(authorized, site, profiles, organization)
    with Session(amap, memory_limit=memory_limit) as session:
        _load(session, logs, quiet=format is not OutputFormat.TABLE)
        result = session.result()
    if format is OutputFormat.JSON:
        print_json(
            {
                "site": result.site,
                "files": [_report_json(r) for r in result.reports],
                "flows_read": result.flows_read,
                "flows_checked": result.flows_checked,
                "malformed_lines": result.malformed,
                "violations": [v.as_dict() for v in result.violations],
                "uninventoried": [u.as_dict() for u in result.uninventoried],
            }
        )
    elif format is OutputFormat.CSV:
        _print_reports(result.reports)
        _csv(result)
    else:
        _print_reports(result.reports)
        _table(result)
    if result.findings:
        raise typer.Exit(FINDINGS)


@app.command("learn")
def learn_command(
    logs: Logs,
    asset: Annotated[str, typer.Option("--asset", help="IP address of the device.")],
    authorized: MapOption = None,
    site: SiteOption = None,
    profiles: ProfilesOption = None,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table or json.")
    ] = OutputFormat.TABLE,
    min_flows: Annotated[
        int, typer.Option("--min-flows", min=1, help="Propose only groups seen this often.")
    ] = 1,
    max_peers: Annotated[
        int, typer.Option("--max-peers", min=1, help="More peers than this: use zone CIDRs.")
    ] = 8,
    organization: OrganizationOption = None,
) -> None:
    """Propose profile-style flows for a device from its observed baseline (for review)."""
    amap = _map(authorized, site, profiles, organization)
    with Session(amap) as session:
        _load(session, logs, quiet=format is not OutputFormat.TABLE)
        learned = learn(session, asset, min_flows=min_flows, max_peers=max_peers)
        reports = tuple(session.reports)
    if format is OutputFormat.JSON:
        print_json(
            {
                "address": learned.address,
                "asset": learned.asset,
                "has_profile": learned.has_profile,
                "files": [_report_json(r) for r in reports],
                "proposals": [p.as_dict() for p in learned.proposals],
            }
        )
        return
    _print_reports(reports)
    who = learned.asset or f"{learned.address} (not in the inventory)"
    note = " (only flows its map does not authorize)" if learned.has_profile else ""
    console.print(
        f"{who}: {len(learned.proposals)} proposed flows{note}; proposals, review before use",
        markup=False,
        highlight=False,
    )
    if learned.proposals:
        table = Table()
        for column in ("id", "dir", "proto/port", "peers", "services", "flows", "last seen"):
            table.add_column(column, overflow="fold")
        for p in learned.proposals:
            port = p.protocol + (f"/{p.ports[0][0]}" if p.ports else "")
            table.add_row(
                p.id, p.direction, port, "\n".join(p.peer_cidrs), ",".join(p.services),
                str(p.flows), _when(p.last_seen),
            )  # fmt: skip
        console.print(table)
