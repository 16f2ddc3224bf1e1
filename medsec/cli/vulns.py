"""``medsec vulns``: compare versions, check a package against OSV records, check a source.

Registered in :mod:`medsec.cli.main` with ``app.add_typer(vulns.app, name="vulns")``.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from medsec.cli.output import Format, FormatOption, console, errors, fail, print_json
from medsec.db import migrate
from medsec.db.engine import Database
from medsec.errors import ConfigurationError, Error
from medsec.settings import Settings
from medsec.vulns.matcher import Index, Match, match, match_cpe
from medsec.vulns.packages import Package
from medsec.vulns.records import Record
from medsec.vulns.sources.csaf import CsafAdvisory, advisory_files, read_advisories
from medsec.vulns.sources.kev import KevCatalog, read_kev
from medsec.vulns.sources.nvd import read_nvd
from medsec.vulns.sources.osv import count_files, read_records
from medsec.vulns.store import ImportResult, import_csaf, import_kev, import_nvd, import_osv
from medsec.vulns.versions import compare

app = typer.Typer(
    help="Vulnerability records (OSV, NVD, KEV, CSAF) and ecosystem-correct version matching.",
    no_args_is_help=True,
)


class SourceKind(enum.StrEnum):
    OSV = "osv"
    NVD = "nvd"
    KEV = "kev"
    CSAF = "csaf"


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def load_index(db: Path) -> Index:
    """An index of every OSV record under ``db``, with a progress bar on stderr."""
    index = Index()
    total = count_files(db)
    with _progress() as progress:
        task = progress.add_task(f"reading {db}", total=total)
        for record in read_records(db, progress=lambda n: progress.advance(task, n)):
            index.add(record)
    return index


@app.command("compare")
def compare_command(
    ecosystem: Annotated[
        str | None, typer.Argument(help="OSV ecosystem: PyPI, npm, Maven, Go, Debian…")
    ] = None,
    a: Annotated[str | None, typer.Argument(help="First version.")] = None,
    b: Annotated[str | None, typer.Argument(help="Second version.")] = None,
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read ECOSYSTEM<TAB>A<TAB>B lines from stdin.")
    ] = False,
) -> None:
    """Print -1, 0 or 1: A before, equal to, or after B in the ecosystem's order."""
    if not stdin:
        if ecosystem is None or a is None or b is None:
            fail(Error("give ECOSYSTEM A B", hint="or --stdin with ECOSYSTEM<TAB>A<TAB>B lines"))
        try:
            sys.stdout.write(f"{compare(ecosystem, a, b)}\n")
        except Error as e:
            fail(e)
        return
    failed = False
    for number, line in enumerate(sys.stdin, start=1):
        line = line.rstrip("\r\n")
        if not line:
            continue
        parts = line.split("\t")
        try:
            if len(parts) != 3:
                raise Error(
                    f"line {number}: expected ECOSYSTEM<TAB>A<TAB>B, found {len(parts)} fields"
                )
            sys.stdout.write(f"{compare(*parts)}\n")
        except Error as e:
            # One line per input line: the failure is marked in place and explained on
            # stderr, and the exit status says something failed.
            failed = True
            sys.stdout.write("error\n")
            errors.print(f"error: line {number}: {e.diagnostics()}", markup=False)
    if failed:
        raise typer.Exit(1)


def _with_kev(data: dict[str, object], m: Match, catalog: KevCatalog | None) -> dict[str, object]:
    if catalog is None:
        return data
    entries = catalog.exploited([m.record_id, *m.aliases])
    data["known_exploited"] = [
        {
            "cve": e.cve_id,
            "date_added": e.date_added.isoformat(),
            "due_date": e.due_date.isoformat() if e.due_date else None,
            "required_action": e.required_action,
            "known_ransomware_campaign_use": e.known_ransomware_campaign_use,
        }
        for e in entries
    ]
    return data


def _match_json(m: Match) -> dict[str, object]:
    return {
        "id": m.record_id,
        "aliases": list(m.aliases),
        "status": m.status.value,
        "ecosystem": m.ecosystem,
        "name": m.name,
        "version": m.version,
        "affected_index": m.affected_index,
        "confidence": m.confidence.value,
        "listed_version": m.listed_version,
        "range": None
        if m.interval is None
        else {
            "type": m.interval.range_type,
            "introduced": m.interval.introduced,
            "fixed": m.interval.fixed,
            "last_affected": m.interval.last_affected,
            "limits": list(m.interval.limits),
        },
        "explanation": m.explanation,
        "skipped_ranges": [{"type": s.range_type, "reason": s.reason} for s in m.skipped],
    }


@app.command("affected")
def affected_command(
    ecosystem: Annotated[str, typer.Argument(help="OSV ecosystem, e.g. PyPI or Debian:12.")],
    name: Annotated[str, typer.Argument(help="Package name as the ecosystem spells it.")],
    version: Annotated[str, typer.Argument(help="Version, or '' if unknown.")],
    db: Annotated[
        Path, typer.Option("--db", help="OSV records: a directory, a .zip, or one file.")
    ],
    kev: Annotated[
        Path | None, typer.Option("--kev", help="CISA KEV catalog: flag known exploitation.")
    ] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Print the ids of the records that affect the package, one per line."""
    try:
        index = load_index(db)
        found = match(index, Package(ecosystem=ecosystem, name=name, version=version or None))
        catalog = read_kev(kev) if kev else None
    except Error as e:
        fail(e)
    if format is Format.JSON:
        print_json([_with_kev(_match_json(m), m, catalog) for m in found])
        return
    for m in found:
        if m.status.value == "affected":
            sys.stdout.write(f"{m.record_id}\n")
        else:
            errors.print(f"{m.record_id}: {m.status.value}: {m.explanation}", markup=False)


@app.command("check")
def check_command(
    path: Annotated[
        Path, typer.Argument(help="A source: OSV dir/zip/file, NVD JSON, KEV JSON, CSAF JSON/dir.")
    ],
    kind: Annotated[SourceKind, typer.Option("--kind", help="The source's format.")] = (
        SourceKind.OSV
    ),
    format: FormatOption = Format.TEXT,
) -> None:
    """Validate every record of a source and count them (withdrawn ones separately)."""
    try:
        if kind is SourceKind.OSV:
            index = load_index(path)
            total, withdrawn = len(index), len(index.withdrawn)
        elif kind is SourceKind.NVD:
            cves = list(read_nvd(path))
            total, withdrawn = len(cves), sum(c.is_withdrawn for c in cves)
        elif kind is SourceKind.CSAF:
            total, withdrawn = len(_read_csaf(path)), 0
        else:
            total, withdrawn = read_kev(path).count, 0
    except Error as e:
        fail(e)
    if format is Format.JSON:
        print_json(
            {"source": str(path), "kind": kind.value, "records": total, "withdrawn": withdrawn}
        )
        return
    console.print(
        f"{path}: {total} {kind.value} records valid ({withdrawn} withdrawn)",
        markup=False,
        soft_wrap=True,
    )


def _read_osv(path: Path) -> list[Record]:
    total = count_files(path)
    with _progress() as progress:
        task = progress.add_task(f"reading {path}", total=total)
        return list(read_records(path, progress=lambda n: progress.advance(task, n)))


def _read_csaf(path: Path) -> list[CsafAdvisory]:
    total = len(advisory_files(path))
    with _progress() as progress:
        task = progress.add_task(f"reading {path}", total=total)
        return list(read_advisories(path, progress=lambda n: progress.advance(task, n)))


@app.command("import")
def import_command(
    kind: Annotated[SourceKind, typer.Argument(help="osv, kev, nvd or csaf.")],
    path: Annotated[Path, typer.Argument(help="The source file or directory (local).")],
    format: FormatOption = Format.TEXT,
) -> None:
    """Import a source into the store at MEDSEC_DATABASE_URL: all of it or nothing.

    Re-importing is idempotent; newer records replace older ones; withdrawn records are
    kept but never match. ``csaf`` reads a CSAF 2.0 file or a folder of them (one record
    per advisory: products with purl/CPE/vendor, product name and version, product status,
    remediations, CVSS, CWE).
    """
    try:
        database = Database(Settings().resolved_database_url())
        try:
            if not migrate.is_current(database.engine):
                raise ConfigurationError(
                    "the database schema is not current",
                    hint="run `medsec db upgrade` first",
                )
            # Read and validate everything before the first write.
            if kind is SourceKind.OSV:
                records = _read_osv(path)
                with database.session() as session:
                    result = import_osv(session, records)
            elif kind is SourceKind.CSAF:
                advisories = _read_csaf(path)
                with database.session() as session:
                    result = import_csaf(session, advisories)
            elif kind is SourceKind.NVD:
                cves = list(read_nvd(path))
                with database.session() as session:
                    result = import_nvd(session, cves)
            else:
                catalog = read_kev(path)
                with database.session() as session:
                    result = import_kev(session, catalog)
        finally:
            database.dispose()
    except Error as e:
        fail(e)
    _print_import(kind, path, result, format)


def _print_import(kind: SourceKind, path: Path, result: ImportResult, format: Format) -> None:
    if format is Format.JSON:
        print_json({"source": str(path), "kind": kind.value, **result.__dict__})
        return
    console.print(
        f"{path}: {result.added} added, {result.updated} updated, {result.unchanged} "
        f"unchanged ({result.withdrawn} withdrawn)",
        markup=False,
        soft_wrap=True,
    )


@app.command("cpe")
def cpe_command(
    cpe: Annotated[str, typer.Argument(help="The component's CPE 2.3 formatted string.")],
    nvd: Annotated[Path, typer.Option("--nvd", help="NVD CVE JSON 2.0 file.")],
    version: Annotated[
        str | None, typer.Option("--version", help="Version, if the CPE's is '*'.")
    ] = None,
    platform: Annotated[
        list[str] | None,
        typer.Option("--platform", help="CPE of the device around it (for AND configurations)."),
    ] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Print the CVEs whose NVD configurations match the CPE (low confidence, explained)."""
    try:
        cves = list(read_nvd(nvd))
        found = match_cpe(
            cves, Package(name=cpe, version=version, cpe=cpe), platform=platform or ()
        )
    except Error as e:
        fail(e)
    if format is Format.JSON:
        print_json([_match_json(m) for m in found])
        return
    for m in found:
        if m.status.value == "affected":
            sys.stdout.write(f"{m.record_id}\t{m.explanation}\n")
        else:
            errors.print(f"{m.record_id}: {m.status.value}: {m.explanation}", markup=False)
