"""``medsec sbom scan``: findings of an SBOM against local vulnerability records, offline.

Registered in :mod:`medsec.cli.main` as a command of the ``sbom`` sub-app.
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from medsec.cli.output import console, errors, print_json
from medsec.errors import ConfigurationError, Error
from medsec.inventory.fields import Criticality
from medsec.sbom.read import read_sbom
from medsec.vulns.findings import Finding, scan
from medsec.vulns.matcher import Index
from medsec.vulns.priority import AssetContext, Exposure, Level, read_epss
from medsec.vulns.sarif import to_sarif
from medsec.vulns.sources.kev import read_kev
from medsec.vulns.sources.osv import count_files, read_records
from medsec.vulns.vex import SourceKind, VexStatement, cyclonedx, openvex, read_vex


class ScanFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CYCLONEDX_VEX = "cyclonedx-vex"
    OPENVEX = "openvex"
    SARIF = "sarif"


class VexSource(enum.StrEnum):
    MANUFACTURER = "manufacturer"
    HOSPITAL = "hospital"
    THIRD_PARTY = "third-party"


_KIND = {
    VexSource.MANUFACTURER: SourceKind.MANUFACTURER,
    VexSource.HOSPITAL: SourceKind.HOSPITAL,
    VexSource.THIRD_PARTY: SourceKind.THIRD_PARTY,
}


def _index(paths: list[Path], db: bool) -> Index:
    index = Index()
    if db:
        from medsec.db import migrate
        from medsec.db.engine import Database
        from medsec.settings import Settings
        from medsec.vulns.store import load_index

        database = Database(Settings().resolved_database_url())
        try:
            if not migrate.is_current(database.engine):
                raise ConfigurationError(
                    "the database schema is not current", hint="run `medsec db upgrade` first"
                )
            with database.session() as session:
                index = load_index(session)
        finally:
            database.dispose()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        for path in paths:
            task = progress.add_task(f"reading {path}", total=count_files(path))

            def advance(n: int, task: TaskID = task) -> None:
                progress.advance(task, n)

            index.add_all(list(read_records(path, progress=advance)))
    return index


def finding_json(f: Finding) -> dict[str, Any]:
    m = f.match
    return {
        "component": {
            "bom_ref": f.component.ref,
            "purl": f.component.purl,
            "cpe": f.component.cpe,
            "name": f.component.name,
            "version": f.component.version,
        },
        "vulnerability": {"id": f.vulnerability, "aliases": list(f.aliases)},
        "state": f.state.value,
        "match": {
            "status": m.status.value,
            "confidence": m.confidence.value,
            "ecosystem": m.ecosystem,
            "affected_index": m.affected_index,
            "explanation": m.explanation,
        },
        "vex": [
            {
                "status": s.status.value,
                "original_status": s.original_status,
                "justification": s.justification.value if s.justification else None,
                "original_justification": s.original_justification,
                "impact_statement": s.impact_statement,
                "action_statement": s.action_statement,
                "source": s.source,
                "source_kind": s.source_kind.label,
                "timestamp": s.timestamp.isoformat() if s.timestamp else None,
                "where": s.pointer,
                "decisive": i == 0,
            }
            for i, s in enumerate(f.statements)
        ],
        "known_exploited": f.known_exploited,
        "epss": f.epss,
        "priority": {
            "level": f.priority.level.value,
            "score": f.priority.score,
            "explanation": f.priority.explanation(),
            "factors": [
                {"name": x.name, "value": x.value, "contribution": x.contribution}
                for x in f.priority.factors
            ],
            "cvss": [
                {"method": c.method, "vector": c.vector, "score": c.score, "severity": c.severity}
                for c in f.priority.cvss
            ],
        },
        "detail": f.detail(),
    }


def _table(file: Path, findings: list[Finding]) -> None:
    table = Table(title=f"{file}: {len(findings)} findings")
    for column in ("priority", "state", "component", "vulnerability", "why"):
        # Identifiers are never broken across lines; explanations wrap.
        table.add_column(column, no_wrap=column in ("state", "vulnerability"), overflow="fold")
    for f in findings:
        c = f.component
        table.add_row(
            f"{f.priority.level.value} ({f.priority.score:g})",
            f.state.value,
            f"{c.name} {c.version or '(no version)'}",
            f.vulnerability + (f"\n{', '.join(f.aliases)}" if f.aliases else ""),
            f.detail() + "\n" + ", ".join(x.describe() for x in f.priority.factors),
        )
    console.print(table)


def scan_command(
    file: Annotated[Path, typer.Argument(help="The SBOM (CycloneDX or SPDX).")],
    vulns: Annotated[
        list[Path] | None,
        typer.Option("--vulns", help="OSV records: a directory, a .zip or one file (repeatable)."),
    ] = None,
    db: Annotated[
        bool, typer.Option("--db", help="Also use the records stored at MEDSEC_DATABASE_URL.")
    ] = False,
    vex: Annotated[
        list[Path] | None,
        typer.Option("--vex", help="A CycloneDX, OpenVEX or CSAF VEX file (repeatable)."),
    ] = None,
    vex_source: Annotated[
        VexSource, typer.Option("--vex-source", help="Who wrote the --vex files.")
    ] = VexSource.MANUFACTURER,
    kev: Annotated[Path | None, typer.Option("--kev", help="The CISA KEV catalog JSON.")] = None,
    epss: Annotated[
        Path | None, typer.Option("--epss", help="EPSS scores CSV (cve,epss,percentile).")
    ] = None,
    exposure: Annotated[
        Exposure | None, typer.Option("--exposure", help="The asset's zone exposure.")
    ] = None,
    criticality: Annotated[
        Criticality | None, typer.Option("--criticality", help="The asset's clinical criticality.")
    ] = None,
    manufacturer_priority: Annotated[
        list[str] | None,
        typer.Option(
            "--manufacturer-priority",
            help="ID=LEVEL from the manufacturer's advisory or update, e.g. CVE-2024-1=critical.",
        ),
    ] = None,
    format: Annotated[ScanFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ScanFormat.TABLE
    ),
    fail_on: Annotated[
        Level | None,
        typer.Option(
            "--fail-on", help="Exit 1 if an affected or under-investigation finding is this high."
        ),
    ] = None,
) -> None:
    """Match an SBOM's components against OSV records, apply VEX, prioritise; no server."""
    if not vulns and not db:
        raise Error("give --vulns PATH (OSV records) or --db", hint="e.g. --vulns osv/all.zip")
    sbom = read_sbom(file)
    statements: list[VexStatement] = []
    for path in vex or ():
        statements += read_vex(path, _KIND[vex_source])
    index = _index(list(vulns or ()), db)
    priorities = _manufacturer_priorities(manufacturer_priority or [])
    context = (
        AssetContext(exposure, criticality, priorities)
        if exposure is not None or criticality is not None or priorities
        else None
    )
    findings = scan(
        sbom,
        index,
        vex=statements,
        kev=read_kev(kev) if kev else None,
        epss=read_epss(epss) if epss else None,
        context=context,
    )
    if format is ScanFormat.TABLE:
        _table(file, findings)
    elif format is ScanFormat.JSON:
        print_json({"sbom": str(file), "findings": [finding_json(f) for f in findings]})
    elif format is ScanFormat.CYCLONEDX_VEX:
        _dump(cyclonedx.export(findings, product=sbom.product))
    elif format is ScanFormat.OPENVEX:
        _dump(openvex.export(findings, product=sbom.product))
    else:
        _dump(to_sarif(findings, file.as_posix()))
    if fail_on is not None and any(
        f.is_open and f.priority.level.rank >= fail_on.rank for f in findings
    ):
        raise typer.Exit(1)


def _manufacturer_priorities(values: list[str]) -> dict[str, Level]:
    out: dict[str, Level] = {}
    for value in values:
        vuln, _, level = value.partition("=")
        try:
            out[vuln.strip()] = Level(level.strip().lower())
        except ValueError:
            raise Error(
                f"--manufacturer-priority {value!r}: expected ID=LEVEL",
                hint="LEVEL is critical, high, medium or low, e.g. CVE-2024-1=high",
            ) from None
        if not vuln.strip() or out[vuln.strip()] is Level.NONE:
            raise Error(f"--manufacturer-priority {value!r}: expected ID=critical|high|medium|low")
    return out


def _dump(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
