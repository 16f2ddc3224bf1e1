"""``medsec sbom``: validate SBOMs, list their components, check the NTIA minimum elements."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.errors import DocumentError, Error
from medsec.sbom.interfaces import format_problem
from medsec.sbom.model import Component, Sbom
from medsec.sbom.ntia import ntia_report
from medsec.sbom.read import read_sbom

app = typer.Typer(
    help="Read SBOMs (CycloneDX 1.4–1.7 JSON/XML, SPDX 2.2/2.3 JSON/tag-value).",
    no_args_is_help=True,
)


class TableFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


TableFormatOption = Annotated[
    TableFormat, typer.Option("--format", "-f", help="table for people, json for programs.")
]
StreamOption = Annotated[
    bool,
    typer.Option(
        "--stream",
        help="Stream a CycloneDX JSON file (for very large SBOMs; checks less than the schema).",
    ),
]
File = Annotated[Path, typer.Argument(help="An SBOM file (the format is read from its content).")]


@contextmanager
def _progress(path: Path, stream: bool) -> Iterator[Any]:
    """A byte progress bar on stderr while a streamed read runs."""
    if not stream:
        yield None
        return
    size = path.stat().st_size if path.is_file() else 0
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
    ) as bar:
        # Three passes over the file: header, components, dependencies.
        task = bar.add_task(f"reading {path.name}", total=size)
        yield lambda done: bar.update(task, completed=done)


def _read(path: Path, stream: bool) -> Sbom:
    with _progress(path, stream) as progress:
        return read_sbom(path, stream=stream, progress=progress)


def component_json(c: Component) -> dict[str, Any]:
    return {
        "ref": c.ref,
        "type": c.type,
        "group": c.group,
        "name": c.name,
        "version": c.version,
        "purl": c.purl,
        "cpe": c.cpe,
        "supplier": c.supplier,
        "hashes": dict(c.hashes),
        "licenses": list(c.licenses),
        "parent": c.parent,
        "scope": c.scope,
    }


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="SBOM files.")],
    format: FormatOption = Format.TEXT,
    stream: StreamOption = False,
) -> None:
    """Validate SBOMs; exit 1 and print FILE:LINE:COL: path: message lines on problems."""
    results = []
    failed = False
    for file in files:
        try:
            sbom = _read(file, stream)
        except DocumentError as e:
            failed = True
            problems = [
                {
                    "line": p.location.line or None,
                    "column": p.location.column or None,
                    "path": p.location.path,
                    "message": p.message,
                }
                for p in e.problems
            ]
            results.append({"file": str(file), "valid": False, "problems": problems})
            if format is Format.TEXT:
                for p in e.problems:
                    errors.print(
                        f"error: {format_problem(p)}", markup=False, highlight=False, soft_wrap=True
                    )
        except Error as e:
            failed = True
            results.append(
                {"file": str(file), "valid": False, "problems": [{"message": e.message}]}
            )
            if format is Format.TEXT:
                errors.print(
                    f"error: {e.diagnostics()}", markup=False, highlight=False, soft_wrap=True
                )
        else:
            results.append(
                {
                    "file": str(file),
                    "valid": True,
                    "format": sbom.format.value,
                    "spec_version": sbom.spec_version,
                    "components": len(sbom.components),
                    "problems": [],
                }
            )
            if format is Format.TEXT:
                console.print(
                    f"{file}: valid {sbom.format.standard} {sbom.spec_version}"
                    f" ({len(sbom.components)} components)",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
    if format is Format.JSON:
        print_json(results)
    if failed:
        raise typer.Exit(1)


@app.command()
def components(
    file: File, format: TableFormatOption = TableFormat.TABLE, stream: StreamOption = False
) -> None:
    """List the components of an SBOM (the product first), with purl, CPE and supplier."""
    sbom = _read(file, stream)
    if format is TableFormat.JSON:
        print_json(
            {
                "format": sbom.format.value,
                "spec_version": sbom.spec_version,
                "serial_number": sbom.serial_number,
                "product": component_json(sbom.product) if sbom.product else None,
                "components": [component_json(c) for c in sbom.components],
                "edges": [
                    {"source": e.source, "target": e.target, "kind": e.kind.value}
                    for e in sbom.edges
                ],
            }
        )
        return
    table = Table(title=f"{file}: {sbom.format.standard} {sbom.spec_version}")
    for column in ("name", "version", "type", "purl / CPE", "supplier"):
        table.add_column(column)
    rows = ([sbom.product] if sbom.product else []) + list(sbom.components)
    for c in rows:
        name = (f"{c.group}/" if c.group else "") + c.name
        if c is sbom.product:
            name += " (product)"
        table.add_row(
            name, c.version or "—", c.type or "—", c.purl or c.cpe or "—", c.supplier or "—"
        )
    console.print(table)


@app.command()
def ntia(
    file: File, format: TableFormatOption = TableFormat.TABLE, stream: StreamOption = False
) -> None:
    """Check the NTIA minimum elements; exit 1 when one is missing."""
    report = ntia_report(_read(file, stream))
    if format is TableFormat.JSON:
        print_json(
            {
                "file": str(file),
                "passed": report.passed,
                "elements": [
                    {
                        "element": e.element,
                        "title": e.title,
                        "passed": e.passed,
                        "checked": e.checked,
                        "failing": len(e.failing),
                        "failing_components": list(e.failing),
                        "note": e.note,
                    }
                    for e in report.elements
                ],
            }
        )
    else:
        table = Table(title=f"{file}: NTIA minimum elements")
        for column in ("element", "result", "failing / checked", "first failing"):
            table.add_column(column)
        for e in report.elements:
            shown = ", ".join(e.failing[:3]) + (" …" if len(e.failing) > 3 else "")
            table.add_row(
                e.title,
                "pass" if e.passed else "FAIL",
                f"{len(e.failing)} / {e.checked}",
                shown or e.note,
            )
        console.print(table)
    if not report.passed:
        raise typer.Exit(1)


__all__ = ["app"]


@app.command()
def attach(
    file: Annotated[Path, typer.Argument(help="An SBOM file.", exists=True, dir_okay=False)],
    version: Annotated[
        int | None, typer.Option("--version", help="Profile version id (a draft of yours).")
    ] = None,
    asset: Annotated[str | None, typer.Option("--asset", help="Serial of an asset.")] = None,
    organization: Annotated[
        str | None, typer.Option(help="Healthcare-provider organization of the asset.")
    ] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Attach an SBOM to a profile version or an asset in the service database (replacing
    the one it has); all components or none are stored."""
    from medsec.cli.sbom_attach import attach_file

    if (version is None) == (asset is None):
        raise Error("give either --version ID or --asset SERIAL", hint="one of the two")
    with _attach_progress(file) as progress:
        stored = attach_file(
            file, version=version, asset=asset, organization=organization, progress=progress
        )
    if format is Format.JSON:
        print_json(stored)
        return
    console.print(
        f"{file.name} → {stored['owner']}: {stored['component_count']} components, "
        f"NTIA {'passed' if stored['ntia_passed'] else 'not passed'} (SBOM {stored['id']})",
        highlight=False,
        markup=False,
    )


@contextmanager
def _attach_progress(path: Path) -> Iterator[Any]:
    with _progress(path, path.stat().st_size > 1024 * 1024) as progress:
        yield progress
