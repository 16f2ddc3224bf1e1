"""``medsec worker``, ``medsec reset --wipe-secrets`` and ``medsec audit forward``: the
background worker and the instance-wide operations around it."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from medsec import instance_reset
from medsec.audit import syslog
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.db import migrate
from medsec.errors import Error
from medsec.service import Instance
from medsec.settings import Settings
from medsec.worker import tasks
from medsec.worker.queue import build_huey


def _current_instance() -> Instance:
    instance = Instance.from_settings(Settings())
    if not migrate.is_current(instance.db.engine):
        raise Error(
            "the database schema is not at the current revision",
            hint="run `medsec db upgrade` first",
        )
    return instance


def worker_command(
    threads: Annotated[int, typer.Option(min=1, max=32, help="Worker threads.")] = 2,
) -> None:
    """Run background jobs: audit forwarding to syslog (every minute) and pruning of
    expired sessions and rate-limit counters (every ten minutes). Stop with Ctrl-C."""
    instance = _current_instance()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    destination = instance.settings.audit_syslog_host or "nowhere (MEDSEC_AUDIT_SYSLOG_HOST unset)"
    console.print(f"medsec worker: {threads} threads; audit log to {destination}", highlight=False)
    tasks.run_consumer(instance, build_huey(instance.settings), threads=threads)


def reset_command(
    wipe_secrets: Annotated[
        bool,
        typer.Option("--wipe-secrets", help="Wipe keys, tokens, sessions and MFA secrets."),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:  # fmt: skip
    """Wipe every secret of the instance and print a setup link for a new admin.

    Keeps users, their passwords, all data and the audit log; disables nothing.
    """
    if not wipe_secrets:
        raise Error("say what to reset", hint="medsec reset --wipe-secrets")
    instance = _current_instance()
    if not yes:
        if not sys.stdin.isatty():
            raise Error("refusing to wipe secrets without confirmation", hint="add --yes")
        files = (
            ", ".join(str(p) for p in instance_reset.key_files(instance.settings.data_dir))
            or "none"
        )
        typer.confirm(
            "This deletes all API tokens, sessions, MFA enrolments and recovery codes, and the "
            f"key files ({files}). Continue?",
            abort=True,
        )
    report = instance_reset.wipe_secrets(instance, Context.cli())
    for name, count in report.wiped.items():
        console.print(f"  {name.replace('_', ' ')}: {count}", highlight=False)
    for path in report.removed_files:
        console.print(f"  removed {path}", highlight=False)
    for warning in report.warnings:
        errors.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    hours = instance.settings.setup_link_hours
    console.print(
        f"Secrets wiped. Create a new admin with this one-time link (valid {hours} h):\n"
        f"  {instance.settings.base_url}/setup?token={report.setup_token}",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


def audit_forward_command(
    queue: Annotated[
        bool, typer.Option("--queue", help="Hand the job to a running `medsec worker`.")
    ] = False,
    format: FormatOption = Format.TEXT,
) -> None:  # fmt: skip
    """Send audit events not yet forwarded to the syslog server (MEDSEC_AUDIT_SYSLOG_*)."""
    instance = _current_instance()
    sender = tasks.syslog_connection(instance.settings)
    huey = build_huey(instance.settings)
    if queue:
        tasks.register(huey, instance).forward_audit()
        console.print("queued for medsec worker", highlight=False)
        return
    try:
        report = tasks.forward_audit_events(instance, huey)
    except tasks.ForwardingBusy as e:
        raise Error(
            "another process is forwarding the audit log right now",
            hint="wait for it; if none runs, restart `medsec worker` (it clears stale locks)",
        ) from e
    destination = sender.destination if isinstance(sender, syslog.TcpSender) else "syslog"
    if report.sent:
        with instance.db.session() as session:
            record(session, Tag.AUDIT_EXPORTED, Context.cli(), target=destination,
                   details={"events": report.sent, "through_seq": report.last_seq})  # fmt: skip
    if format is Format.JSON:
        print_json({"sent": report.sent, "last_seq": report.last_seq, "to": destination})
    else:
        console.print(
            f"forwarded {report.sent} audit events to {destination} "
            f"(through event {report.last_seq})",
            highlight=False,
        )
