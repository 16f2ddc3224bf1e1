"""``medsec mds2``: export a profile's MDS2 (HN 1-2019), import a manufacturer's, compare two,
query many by answers.

Registered in :mod:`medsec.cli.main` with ``app.add_typer(mds2.app, name="mds2")``.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from medsec.cli.output import Format, FormatOption, console, errors, fail, print_json
from medsec.errors import Error
from medsec.mds2 import fleet
from medsec.mds2.compare import Severity, compare, load_document
from medsec.mds2.derive import derive
from medsec.mds2.export import to_json, write_mds2
from medsec.mds2.form import hn1_2019
from medsec.mds2.importer import read_mds2
from medsec.profiles.loader import load_profile

app = typer.Typer(
    help="MDS2 (HN 1-2019): export from a profile, import a manufacturer's, compare two.",
    no_args_is_help=True,
)


class FailOn(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NEVER = "never"


@app.command("export")
def export_command(
    profile: Annotated[Path, typer.Argument(help="Profile file (.yaml, .yml or .json).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="FILE.xlsx, FILE.csv or FILE.json.")
    ],
    format: FormatOption = Format.TEXT,
) -> None:
    """Derive the profile's MDS2 and write it; print how many answers came from where."""
    try:
        document = derive(load_profile(profile), file=str(profile))
        write_mds2(document, output)
    except Error as e:
        fail(e)
    coverage = document.coverage()
    if format is Format.JSON:
        print_json(
            {
                "file": str(output),
                "automatic": coverage.derived,
                "manual": coverage.manual,
                "unanswered": coverage.unanswered,
                "total": coverage.total,
                "automatic_percent": coverage.derived_percent,
                "unanswered_ids": document.unanswered(),
            }
        )
        return
    console.print(
        f"{output}: {coverage.derived} answered automatically ({coverage.derived_percent}%), "
        f"{coverage.manual} manually, {coverage.unanswered} left for manual entry "
        f"of {coverage.total}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="An MDS2 .xlsx, .csv or .json file.")],
    format: FormatOption = Format.TEXT,
) -> None:
    """Read an MDS2 spreadsheet from any manufacturer and print its answers."""
    try:
        imported = read_mds2(file)
    except Error as e:
        fail(e)
    document = imported.document
    if format is Format.JSON:
        print_json(
            {**to_json(document), "sheet": imported.sheet, "skipped": list(imported.skipped)}
        )
        return
    table = Table(title=f"{file}: {len(document.answers)} of {len(hn1_2019().ids)} answered")
    table.add_column("ID", no_wrap=True, min_width=10)
    table.add_column("Answer", max_width=40, overflow="fold")
    table.add_column("Note", overflow="fold")
    for answer in document.answers.values():
        table.add_row(answer.question, answer.value, answer.note or "")
    console.print(table)
    for message in imported.skipped:
        errors.print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)


@app.command("compare")
def compare_command(
    before: Annotated[
        Path, typer.Argument(help="Profile (.yaml/.json) or MDS2 (.xlsx/.csv/.json).")
    ],
    after: Annotated[Path, typer.Argument(help="Profile or MDS2 to compare with BEFORE.")],
    format: FormatOption = Format.TEXT,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a difference is at least this severe.")
    ] = FailOn.NEVER,
) -> None:
    """Show the differences that matter between two MDS2s, most severe first."""
    try:
        differences = compare(load_document(before), load_document(after))
    except Error as e:
        fail(e)
    if format is Format.JSON:
        print_json(
            {
                "before": str(before),
                "after": str(after),
                "differences": [d.as_json() for d in differences],
            }
        )
    elif not differences:
        console.print("no differences", markup=False, highlight=False)
    else:
        for d in differences:
            console.print(
                f"{d.severity:<6} {d.message}", markup=False, highlight=False, soft_wrap=True
            )
    if fail_on is not FailOn.NEVER:
        threshold = Severity(fail_on.value).rank
        if any(d.severity.rank <= threshold for d in differences):
            raise typer.Exit(1)


@app.command("query")
def query_command(
    files: Annotated[
        list[Path], typer.Argument(help="Profiles (.yaml/.json) and MDS2s (.xlsx/.csv/.json).")
    ],
    preset: Annotated[
        str | None,
        typer.Option(help=f"A common question: {', '.join(fleet.PRESETS)}."),
    ] = None,
    condition: Annotated[
        list[str] | None,
        typer.Option("--condition", "-c", help="QUESTION=Answer (repeatable; all must hold)."),
    ] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Which of these MDS2s answer a question a given way (e.g. --preset remote-service,
    or -c MPII-2.2=Yes -c STCF-1=No). Unanswered questions are listed, not assumed."""
    try:
        query = fleet.preset(preset) if preset else fleet.custom_query(condition or [])
        subjects = [
            fleet.Subject("file", index, str(path), load_document(path))
            for index, path in enumerate(files, start=1)
        ]
    except Error as e:
        fail(e)
    result = fleet.run(query, subjects)
    if format is Format.JSON:
        print_json(result.as_json())
        return
    console.print(
        f"{query.title}: {len(result.matches)} of {result.searched} match",
        markup=False,
        highlight=False,
    )
    for match in result.matches:
        answers = ", ".join(f"{q} {a}" for q, a, _ in match.evidence)
        console.print(
            f"  match    {match.subject.label}  ({answers})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for unknown in result.unknown:
        missing = ", ".join(unknown.unanswered)
        console.print(
            f"  unknown  {unknown.subject.label}  (unanswered: {missing})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
