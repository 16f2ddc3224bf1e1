"""``medsec csaf key`` (the instance's OpenPGP signing key) and ``medsec csaf provider``
(build and check a CSAF 2.0 provider directory; sync the service's own).

Registered in :mod:`medsec.cli.csaf` with ``app.add_typer(...)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from medsec.advisories.provider.api import provider_dir
from medsec.advisories.provider.build import build_provider
from medsec.advisories.provider.check import check_provider
from medsec.advisories.provider.report import CheckReport, Status
from medsec.advisories.publishing import publish
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.advisories.signing.interfaces import KeyInfo
from medsec.advisories.signing.openpgp import KeyStore
from medsec.advisories.validation import default_validator
from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.service import Instance
from medsec.settings import Settings

key_app = typer.Typer(
    help="The instance's OpenPGP key that signs published CSAF documents.",
    no_args_is_help=True,
)
provider_app = typer.Typer(
    help="Publish CSAF documents as a CSAF 2.0 trusted provider (§7.1), and check the result.",
    no_args_is_help=True,
)


def _store() -> KeyStore:
    settings = Settings()
    return KeyStore(settings.data_dir, settings.resolved_secret_key())


def _print_key(info: KeyInfo) -> None:
    console.print(f"fingerprint: {info.fingerprint}", markup=False, highlight=False)
    console.print(f"algorithm:   {info.algorithm}", markup=False, highlight=False)
    for user_id in info.user_ids:
        console.print(f"user ID:     {user_id}", markup=False, highlight=False)
    created = info.created.isoformat() if info.created else "unknown"
    console.print(f"created:     {created}", markup=False, highlight=False)
    console.print(
        f"expires:     {info.expires.isoformat() if info.expires else 'never'}",
        markup=False,
        highlight=False,
    )


@key_app.command("create")
def key_create(
    user_id: Annotated[
        str, typer.Option("--user-id", help="e.g. 'ACME PSIRT <psirt@acme.example>'.")
    ],
    force: Annotated[bool, typer.Option(help="Replace the existing key.")] = False,
    format: FormatOption = Format.TEXT,
) -> None:
    """Generate the signing key (Ed25519 + Cv25519), stored encrypted under the data dir."""
    info = _store().create(user_id, force=force)
    if format is Format.JSON:
        print_json(info.to_json())
    else:
        _print_key(info)


@key_app.command("show")
def key_show(format: FormatOption = Format.TEXT) -> None:
    """Show the key's fingerprint, algorithm, user IDs and dates (never its secret part)."""
    info = _store().info()
    if format is Format.JSON:
        print_json(info.to_json())
    else:
        _print_key(info)


@key_app.command("export")
def key_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write the ASCII-armoured public key (the secret key is never exported)."""
    armored = _store().public_key_armored()
    if output is None:
        typer.echo(armored, nl=not armored.endswith("\n"))
    else:
        output.write_text(armored, encoding="ascii")


@provider_app.command("build")
def provider_build(
    docs_dir: Annotated[Path, typer.Argument(help="Folder of CSAF 2.0 JSON documents.")],
    base_url: Annotated[
        str,
        typer.Option(help="https:// URL of the site; the provider lives at /.well-known/csaf/."),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Provider directory to write (default: DATA_DIR/csaf/provider, which "
            "`medsec serve` publishes at /.well-known/csaf/).",
        ),
    ] = None,
    list_on_aggregators: Annotated[
        bool, typer.Option(help="provider-metadata list_on_CSAF_aggregators.")
    ] = True,
    mirror_on_aggregators: Annotated[
        bool, typer.Option(help="provider-metadata mirror_on_CSAF_aggregators.")
    ] = True,
    format: FormatOption = Format.TEXT,
) -> None:
    """Validate, lay out, hash, sign and list the documents; exit 1 if any was refused."""
    settings = Settings()
    signer = KeyStore(settings.data_dir, settings.resolved_secret_key()).signer()
    output = output or provider_dir(settings.data_dir)
    with Progress(console=errors, transient=True, disable=format is Format.JSON) as progress:
        task = progress.add_task("reading", total=None)
        report = build_provider(
            docs_dir,
            output,
            base_url=base_url,
            signer=signer,
            validator=default_validator(),
            list_on_aggregators=list_on_aggregators,
            mirror_on_aggregators=mirror_on_aggregators,
            progress=lambda name: progress.update(task, description=name),
        )
    if format is Format.JSON:
        print_json(report.to_json())
    else:
        for item in report.published:
            console.print(
                f"published {item.source} as {item.path} (TLP:{item.tlp.value})",
                markup=False,
                highlight=False,
            )
        for refused in report.refused:
            errors.print(
                f"refused {refused.source}: {refused.reason}", markup=False, highlight=False
            )
            for detail in refused.details:
                errors.print(f"  {detail}", markup=False, highlight=False, soft_wrap=True)
        console.print(
            f"{len(report.published)} published, {len(report.refused)} refused; "
            f"signed with {report.fingerprint}",
            markup=False,
            highlight=False,
        )
        console.print(
            f"security.txt: CSAF: {report.metadata_url}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if report.refused:
        raise typer.Exit(1)


def _print_check(report: CheckReport) -> None:
    table = Table(show_lines=False)
    table.add_column("req")
    table.add_column("title")
    table.add_column("result")
    table.add_column("what it means", overflow="fold")
    for result in report.results:
        table.add_row(
            str(result.number),
            result.title,
            result.status.value.upper() if result.status is Status.FAIL else result.status.value,
            "\n".join(result.messages),
        )
    console.print(table)
    console.print(
        f"role claimed: {report.role_claimed or 'none'}; role the checks support: "
        f"{report.role_met or 'none (not even csaf_publisher)'}",
        markup=False,
        highlight=False,
    )


@provider_app.command("check")
def provider_check(
    directory: Annotated[
        Path, typer.Argument(help="A built provider directory or a provider web root.")
    ],
    security_txt: Annotated[
        Path | None, typer.Option(help="The site's security.txt, for requirement 8.")
    ] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Check CSAF 2.0 requirements 1–23 offline; exit 1 if any fails."""
    report = check_provider(directory, validator=default_validator(), security_txt=security_txt)
    if format is Format.JSON:
        print_json(report.to_json())
    else:
        _print_check(report)
    if not report.passed:
        raise typer.Exit(1)


@provider_app.command("sync")
def provider_sync(format: FormatOption = Format.TEXT) -> None:
    """Write every published advisory's latest revision that the service's provider
    (DATA_DIR/csaf/provider) lacks, and rebuild it — after a write that failed once its
    publication was committed (every publication does this first too)."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        written = publish.sync(session, ProviderTarget.from_settings(instance.settings))
    if format is Format.JSON:
        print_json({"rebuilt": written})
    else:
        console.print("rebuilt the provider" if written else "the provider is up to date")
