"""``medsec demo``: a fresh, seeded SQLite instance, served on loopback."""

from __future__ import annotations

import tempfile
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from medsec.cli.output import console
from medsec.cli.service import run_server
from medsec.db import migrate
from medsec.demo import seed
from medsec.errors import Error
from medsec.service import Instance
from medsec.settings import Settings


def demo(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1.")] = 8000,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where to create the instance (default: a new temp dir).")
    ] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the UI in a browser.")] = False,
    seed_only: Annotated[bool, typer.Option(help="Seed, print the logins, do not serve.")] = False,
) -> None:
    """Create a fresh demo instance (a manufacturer, a hospital, the examples) and serve it."""
    directory = data_dir or Path(tempfile.mkdtemp(prefix="medsec-demo-"))
    if (directory / "medsec.db").exists():
        raise Error(
            f"{directory} already holds an instance",
            hint="give an empty --data-dir, or leave it out for a temporary one",
        )
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=directory, database_url=None, base_url=base_url)
    with console.status("creating the demo instance…"):
        migrate.upgrade(settings.resolved_database_url())
        logins = seed(Instance.from_settings(settings))
    console.print(
        "Demo logins (one-time passwords: you choose a new one at first login;"
        " admins also enrol an authenticator app):",
        highlight=False,
    )
    for login in logins:
        console.print(
            f"  {login.username:<15} {login.password}  {login.role.value:<25} {login.organization}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    console.print(f"data directory: {directory}", highlight=False)
    console.print(f"medsec demo: open {base_url}/ in a browser", highlight=False)
    if seed_only:
        return
    if open_browser:
        webbrowser.open(base_url)
    run_server(settings, "127.0.0.1", port, workers=1)
