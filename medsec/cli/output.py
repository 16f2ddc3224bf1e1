"""How CLI commands print: Rich for people, ``--format json`` for programs."""

from __future__ import annotations

import enum
import json
import sys
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from medsec.errors import Error

console = Console()
errors = Console(stderr=True)


class Format(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="text for people, json for programs.")
]


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout (no Rich markup, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_error(error: Error) -> None:
    """Print ``error``'s diagnostics to stderr as ``error: …`` (no traceback, no markup)."""
    text = error.diagnostics()
    errors.print(
        text if text.startswith("error:") else f"error: {text}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def fail(error: Error) -> NoReturn:
    """Print ``error`` and exit 1 — for commands that catch errors to add their own output."""
    print_error(error)
    raise typer.Exit(1) from error
