"""``medsec profile``: author and check Product Security Profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.cli.profile_lint import lint_command
from medsec.cli.profile_render import diff_command, render_command
from medsec.errors import DocumentError, Error
from medsec.profiles.loader import load_profile
from medsec.profiles.schema import json_schema

app = typer.Typer(help="Author and check Product Security Profiles (PSP).", no_args_is_help=True)

Files = Annotated[list[Path], typer.Argument(help="Profile files (.yaml, .yml or .json).")]


@app.command()
def schema() -> None:
    """Print the JSON Schema of PSP version 1."""
    print_json(json_schema())


@app.command()
def validate(files: Files, format: FormatOption = Format.TEXT) -> None:
    """Validate profiles; exit 1 and print FILE:LINE:COL: path: message lines on problems."""
    results = []
    failed = False
    for file in files:
        try:
            load_profile(file)
        except DocumentError as e:
            failed = True
            results.append(
                {
                    "file": str(file),
                    "valid": False,
                    "problems": [
                        {
                            "line": p.location.line,
                            "column": p.location.column,
                            "path": p.location.path,
                            "message": p.message,
                        }
                        for p in e.problems
                    ],
                }
            )
            if format is Format.TEXT:
                errors.print(e.diagnostics(), markup=False, highlight=False, soft_wrap=True)
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
            results.append({"file": str(file), "valid": True, "problems": []})
            if format is Format.TEXT:
                console.print(f"{file}: valid", markup=False, highlight=False)
    if format is Format.JSON:
        print_json(results)
    if failed:
        raise typer.Exit(1)


app.command("lint")(lint_command)
app.command("render")(render_command)
app.command("diff")(diff_command)
