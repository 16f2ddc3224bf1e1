"""The ``medsec`` root command. Each domain adds its own sub-app here."""

from __future__ import annotations

import sys

import typer

from medsec.cli import (
    admin,
    audit,
    backup,
    cases,
    csaf,
    disclosure,
    feeds,
    findings,
    flows,
    inventory,
    mds2,
    monitor,
    network,
    profile,
    sbom,
    sbom_scan,
    service,
    update_planning,
    updates,
    vulns,
    worker,
)
from medsec.cli.demo import demo
from medsec.cli.output import print_error
from medsec.errors import Error

app = typer.Typer(
    name="medsec",
    help="Share and check medical-device cybersecurity information.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(profile.app, name="profile")
app.add_typer(service.db_app, name="db")
app.add_typer(admin.app, name="admin")
app.add_typer(audit.app, name="audit")
app.add_typer(mds2.app, name="mds2")
app.add_typer(backup.app, name="backup")
app.add_typer(csaf.app, name="csaf")
app.add_typer(flows.app, name="flows")
app.add_typer(monitor.app, name="monitor")
app.add_typer(network.app, name="network")
update_planning.register(updates.app)
app.add_typer(updates.app, name="updates")
app.add_typer(inventory.app, name="inventory")
app.add_typer(sbom.app, name="sbom")
app.add_typer(vulns.app, name="vulns")
app.add_typer(findings.app, name="findings")
app.add_typer(findings.vex_app, name="vex")
app.add_typer(disclosure.app, name="disclosure")
app.add_typer(cases.app, name="cases")
app.add_typer(feeds.app, name="feeds")
audit.app.command("forward")(worker.audit_forward_command)
sbom.app.command("scan")(sbom_scan.scan_command)
app.command()(service.serve)
app.command()(demo)
app.command("worker")(worker.worker_command)
app.command("reset")(worker.reset_command)


def main() -> None:
    """Console-script entry point: run the CLI, turning :class:`Error` into a diagnostic."""
    try:
        app()
    except Error as e:
        print_error(e)
        sys.exit(1)
