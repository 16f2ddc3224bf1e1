"""``medsec backup``: encrypted backups of the database and the instance secrets.

Passphrases are read from an environment variable the user names, never from argv (which
other local users can read in the process list).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from medsec.audit.services import Context
from medsec.backup import services
from medsec.backup.encryption import (
    BackupError,
    Identities,
    Passphrase,
    Recipients,
    load_identities,
)
from medsec.backup.manifest import Manifest, TableEntry
from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.service import Instance
from medsec.settings import Settings

app = typer.Typer(
    help="Encrypted backups (age) of the database and instance secrets.", no_args_is_help=True
)

PassphraseEnv = Annotated[
    str | None,
    typer.Option(
        "--passphrase-env", metavar="VAR",
        help="Name of the environment variable that holds the passphrase.",
    ),
]  # fmt: skip


def _passphrase(variable: str) -> Passphrase:
    value = os.environ.get(variable)
    if not value:
        raise BackupError(
            f"the environment variable {variable} is not set or empty",
            hint=f"export {variable}=… first; the passphrase is never given on the command line",
        )
    return Passphrase(value)


def _decryption_key(identity: Path | None, passphrase_env: str | None) -> Passphrase | Identities:
    if identity is not None and passphrase_env is None:
        return load_identities(identity)
    if passphrase_env is not None and identity is None:
        return _passphrase(passphrase_env)
    raise BackupError("give exactly one of --identity FILE and --passphrase-env VAR")


def _summary(manifest: Manifest) -> dict[str, object]:
    return {
        "created_at": manifest.created_at.isoformat(),
        "medsec_version": manifest.medsec_version,
        "revision": manifest.alembic_revision,
        "source_dialect": manifest.source_dialect,
        "secret_key": manifest.secret_key,
        "tables": {t.name: t.rows for t in manifest.tables},
        "files": [f.path for f in manifest.files],
    }


@app.command()
def create(
    out: Annotated[Path, typer.Option("--out", help="File to write (replaced atomically).")],
    passphrase_env: PassphraseEnv = None,
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            "--recipient", metavar="PUBKEY",
            help="age public key (age1…) or SSH public key to encrypt to; repeat for several.",
        ),
    ] = None,
    format: FormatOption = Format.TEXT,
) -> None:  # fmt: skip
    """Write a consistent, encrypted snapshot of the database and the instance secret."""
    if (passphrase_env is None) == (not recipient):
        raise BackupError("give exactly one of --passphrase-env VAR and --recipient PUBKEY")
    to = _passphrase(passphrase_env) if passphrase_env else Recipients(tuple(recipient or ()))
    instance = Instance.from_settings(Settings())

    def progress(entry: TableEntry) -> None:
        if format is Format.TEXT:
            errors.print(f"  {entry.name}: {entry.rows} rows", highlight=False)

    report = services.create_backup(instance, out, to, Context.cli(), on_table=progress)
    if format is Format.JSON:
        print_json({"file": str(report.path), "size": report.size, "sha256": report.sha256,
                    **_summary(report.manifest)})  # fmt: skip
        return
    console.print(
        f"wrote {report.path} ({report.size} bytes, sha256 {report.sha256})\n"
        "Keep the passphrase or identity apart from the backup: without it the backup "
        "cannot be restored.",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="Backup file made by `medsec backup create`.")],
    identity: Annotated[
        Path | None, typer.Option(help="age identity file (or OpenSSH private key).")
    ] = None,
    passphrase_env: PassphraseEnv = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data.")
    ] = False,
    accept_broken_audit_chain: Annotated[
        bool,
        typer.Option("--accept-broken-audit-chain",
                     help="Restore even if the backup's audit log does not verify."),
    ] = False,
    format: FormatOption = Format.TEXT,
) -> None:  # fmt: skip
    """Check a backup completely, then replace the database and secrets with it at once.

    Stop `medsec serve` and `medsec worker` first.
    """
    key = _decryption_key(identity, passphrase_env)
    instance = Instance.from_settings(Settings())
    report = services.restore_backup(
        instance, file, key, Context.cli(), force=force,
        accept_broken_chain=accept_broken_audit_chain,
    )  # fmt: skip
    if format is Format.JSON:
        print_json({**_summary(report.manifest), "migrated_from": report.migrated_from,
                    "replaced": dict(report.replaced), "audit_ok": report.audit.ok,
                    "warnings": list(report.warnings)})  # fmt: skip
    else:
        migrated = (
            f", migrated from revision {report.migrated_from}" if report.migrated_from else ""
        )
        console.print(
            f"restored the backup of {report.manifest.created_at:%Y-%m-%d %H:%M:%S} UTC{migrated}; "
            f"audit log: {report.audit.checked} events verified"
            if report.audit.ok else f"restored; audit log broken: {report.audit.problem}",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
        for warning in report.warnings:
            errors.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    if not report.audit.ok:
        raise typer.Exit(1)


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="Backup file to check.")],
    identity: Annotated[Path | None, typer.Option(help="age identity file.")] = None,
    passphrase_env: PassphraseEnv = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Decrypt a backup and check every checksum, without restoring it."""
    manifest = services.inspect_backup(file, _decryption_key(identity, passphrase_env))
    if format is Format.JSON:
        print_json({"ok": True, **_summary(manifest)})
        return
    rows = sum(t.rows for t in manifest.tables)
    console.print(
        f"{file}: intact; made {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC by medsec "
        f"{manifest.medsec_version} (revision {manifest.alembic_revision}, "
        f"{manifest.source_dialect}); {len(manifest.tables)} tables, {rows} rows",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
