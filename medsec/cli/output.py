"""How CLI commands print: Rich for people, ``--format json`` for programs."""

from __future__ import annotations

import enum
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

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
