"""``medsec serve``, ``medsec db …``: run the service and manage its database."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from medsec.cli.output import console
from medsec.db import migrate
from medsec.service import Instance
from medsec.settings import Settings

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to MEDSEC_DATABASE_URL (default: SQLite in the data dir)."""
    settings = Settings()
    migrate.upgrade(settings.resolved_database_url())
    console.print(f"database at revision {migrate.head_revision()}", highlight=False)


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and whether it is the newest."""
    instance = Instance.from_settings(Settings())
    current = migrate.current_revision(instance.db.engine)
    head = migrate.head_revision()
    console.print(f"current: {current or 'none'}; head: {head}", highlight=False)
    if current != head:
        raise typer.Exit(1)


def print_setup_link(instance: Instance) -> None:
    """On an empty instance, print the one-time link that creates the first admin."""
    from medsec.accounts.authentication import issue_setup_link
    from medsec.audit.services import Context

    with instance.db.session() as session:
        token = issue_setup_link(session, instance.auth, Context.cli("serve"))
    if token:
        hours = instance.settings.setup_link_hours
        console.print(
            "No users yet. Create the first admin with this one-time link "
            f"(valid {hours} h):\n  {instance.settings.base_url}/setup?token={token}",
            highlight=False,
            soft_wrap=True,
        )


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    if workers > 1:
        # Workers are separate processes: hand them the settings through the environment.
        os.environ["MEDSEC_DATA_DIR"] = str(settings.data_dir)
        os.environ["MEDSEC_DATABASE_URL"] = settings.resolved_database_url()
        os.environ["MEDSEC_BASE_URL"] = settings.base_url
        os.environ["MEDSEC_COOKIE_SECURE"] = str(settings.cookie_secure).lower()
        uvicorn.run(
            "medsec.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
        )
        return
    from medsec.app import serving_app

    uvicorn.run(serving_app(settings), host=host, port=port, log_level="info", proxy_headers=False)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (production: one per core).")] = 1,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving.")
    ] = True,
) -> None:
    """Run the web app and API (OpenAPI at /api/openapi.json)."""
    settings = Settings()
    if migrate_first:
        migrate.upgrade(settings.resolved_database_url())
    instance = Instance.from_settings(settings)
    print_setup_link(instance)
    console.print(f"medsec serving on http://{host}:{port}", highlight=False)
    run_server(settings, host, port, workers)
