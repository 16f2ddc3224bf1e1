"""``medsec profile lint``: check a profile for completeness against the seven principles.

Registered by :mod:`medsec.cli.profile` as ``app.command("lint")(lint_command)``.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.errors import DocumentError, Error
from medsec.profiles.lint import LintReport, Severity, lint
from medsec.profiles.loader import load_document

#: Exit status when the file could not be linted at all (unreadable or not a valid profile).
EXIT_INVALID = 2


class FailOn(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


FileArgument = Annotated[Path, typer.Argument(help="Profile file (.yaml, .yml or .json).")]
FailOnOption = Annotated[
    FailOn,
    typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe."),
]


def lint_command(
    file: FileArgument,
    format: FormatOption = Format.TEXT,
    fail_on: FailOnOption = FailOn.ERROR,
) -> None:
    """Lint a profile against the seven principles of the DITTA white paper.

    Prints one FILE:LINE:COL: SEVERITY RULE-ID message line per finding and a coverage
    table per principle (or, with --format json, one JSON document). Exit status: 0
    when no finding reaches --fail-on, 1 when one does, 2 when the file is not a valid
    profile (run `medsec profile validate` for the details). The rules are described
    in docs/lint-rules.md.
    """
    try:
        loaded = load_document(file)
    except DocumentError as e:
        errors.print(e.diagnostics(), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from e
    except Error as e:
        errors.print(f"error: {e.diagnostics()}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from e
    report = lint(loaded)
    if format is Format.JSON:
        print_json(report.to_json())
    else:
        print_text(report)
    if report.fails(Severity(fail_on.value)):
        raise typer.Exit(1)


def print_text(report: LintReport) -> None:
    """Findings as compiler-style lines, then a summary and the coverage table."""
    for finding in report.findings:
        console.print(str(finding), markup=False, highlight=False, soft_wrap=True)
    counts = (
        f"{report.count(Severity.ERROR)} errors, {report.count(Severity.WARNING)} warnings, "
        f"{report.count(Severity.INFO)} info"
    )
    console.print(f"{report.file}: {counts}", markup=False, highlight=False, soft_wrap=True)
    table = Table(title="Coverage by principle")
    table.add_column("#", justify="right")
    table.add_column("Principle")
    table.add_column("Applicable", justify="right")
    table.add_column("Satisfied", justify="right")
    table.add_column("Score", justify="right")
    for row in report.coverage:
        table.add_row(
            str(int(row.principle)),
            row.principle.label,
            str(row.applicable),
            str(row.satisfied),
            f"{row.score:.0%}",
        )
    console.print(table)
