"""``medsec csaf subscribe|subscriptions|fetch|quarantine``: the hospital's CSAF consumer.

Registered in :mod:`medsec.cli.csaf`. The commands act as the instance's operator (an admin
of the chosen healthcare-provider organization, as ``medsec inventory`` does) on the
database at ``MEDSEC_DATABASE_URL``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from medsec.advisories.consumer import services
from medsec.advisories.consumer.download import Downloader, http_client
from medsec.advisories.consumer.pipeline import DocumentOutcome, FetchReport
from medsec.advisories.validation import default_validator
from medsec.cli.inventory import OrganizationOption, operator
from medsec.cli.output import Format, FormatOption, console, errors, fail, print_json
from medsec.errors import Error
from medsec.service import Instance
from medsec.settings import Settings

quarantine_app = typer.Typer(
    help="Documents that were not imported: tampered, unreadable, or failing mandatory tests.",
    no_args_is_help=True,
)


def _instance() -> Instance:
    return Instance.from_settings(Settings())


def subscribe_command(
    url: Annotated[str, typer.Argument(help="provider-metadata.json URL, domain or site URL.")],
    fingerprint: Annotated[
        str, typer.Option(help="Fingerprint of the provider's OpenPGP key (pinned).")
    ],
    key: Annotated[
        Path | None,
        typer.Option(help="The provider's public key file (else the one its metadata lists).",
                     exists=True, dir_okay=False),
    ] = None,
    organization: OrganizationOption = None,
    format: FormatOption = Format.TEXT,
) -> None:  # fmt: skip
    """Subscribe to a CSAF provider: find its metadata (URL, well-known, security.txt) and
    pin its key; documents signed by any other key are quarantined."""
    instance = _instance()
    try:
        with instance.db.session() as session, http_client() as client:
            actor = operator(session, organization)
            row = services.subscribe(
                session, actor, Downloader(client), url, fingerprint,
                key.read_text(encoding="utf-8") if key else None,
            )  # fmt: skip
            data = {
                "id": row.id,
                "metadataUrl": row.metadata_url,
                "via": row.discovered_via,
                "publisher": row.publisher,
                "fingerprint": row.key_fingerprint,
            }
    except Error as e:
        fail(e)
    finally:
        instance.db.dispose()
    if format is Format.JSON:
        print_json(data)
        return
    console.print(
        f"subscription {data['id']}: {data['publisher']} at {data['metadataUrl']} "
        f"(found via {data['via']}), key {data['fingerprint']} pinned",
        markup=False,
        highlight=False,
    )


def subscriptions_command(
    organization: OrganizationOption = None, format: FormatOption = Format.TEXT
) -> None:
    """List the subscriptions with their last fetch."""
    instance = _instance()
    try:
        with instance.db.session() as session:
            actor = operator(session, organization)
            rows = [
                {
                    "id": r.id,
                    "publisher": r.publisher,
                    "metadataUrl": r.metadata_url,
                    "fingerprint": r.key_fingerprint,
                    "lastFetch": r.last_fetch_at.isoformat() if r.last_fetch_at else None,
                    "status": r.last_fetch_status,
                    "error": r.last_error,
                }
                for r in services.list_subscriptions(session, actor)
            ]
    except Error as e:
        fail(e)
    finally:
        instance.db.dispose()
    if format is Format.JSON:
        print_json(rows)
        return
    table = Table("id", "publisher", "metadata", "last fetch", "status")
    for r in rows:
        table.add_row(
            str(r["id"]), str(r["publisher"]), str(r["metadataUrl"]), str(r["lastFetch"] or "-"),
            str(r["status"] or "-") + (f": {r['error']}" if r["error"] else ""),
        )  # fmt: skip
    console.print(table)


def _print_report(report: FetchReport) -> None:
    if report.error:
        console.print(f"subscription {report.subscription_id}: {report.error}", markup=False)
        return
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items() if v) or "nothing listed"
    console.print(
        f"subscription {report.subscription_id}: {counts} ({report.seconds:.1f} s)",
        markup=False,
        highlight=False,
    )
    for d in report.documents:
        if d.status in ("quarantined", "failed"):
            console.print(f"  {d.status}: {d.url}: {d.reason or ''} {d.detail or ''}", markup=False)
    for problem in report.problems:
        console.print(f"  not read: {problem}", markup=False, highlight=False)


def fetch_command(
    subscription: Annotated[
        int | None, typer.Argument(help="Subscription id (default: all of the organization).")
    ] = None,
    organization: OrganizationOption = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Fetch now: download what changed, check hash and signature against the pinned key,
    run the mandatory tests, import, match to the inventory and notify new matches."""
    instance = _instance()
    reports: list[FetchReport] = []
    try:
        with (
            instance.db.session() as session,
            http_client() as client,
            Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"),
                TimeElapsedColumn(), console=errors, transient=True,
            ) as progress,
        ):  # fmt: skip
            actor = operator(session, organization)
            ids = (
                [subscription]
                if subscription is not None
                else [r.id for r in services.list_subscriptions(session, actor)]
            )
            for sid in ids:
                task = progress.add_task(f"subscription {sid}", total=None)

                def advance(_: DocumentOutcome, task: TaskID = task) -> None:
                    progress.advance(task)

                reports.append(
                    services.fetch(
                        session, actor, Downloader(client), default_validator(), sid, advance
                    )
                )
    except Error as e:
        fail(e)
    finally:
        instance.db.dispose()
    if format is Format.JSON:
        print_json([r.to_json() for r in reports])
    else:
        for r in reports:
            _print_report(r)
    if any(r.error for r in reports):
        raise typer.Exit(1)


@quarantine_app.command("list")
def quarantine_list(
    released: Annotated[bool, typer.Option(help="Show released documents too.")] = False,
    organization: OrganizationOption = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Quarantined documents with the reason (and whether an analyst may release them)."""
    instance = _instance()
    try:
        with instance.db.session() as session:
            actor = operator(session, organization)
            rows = [
                {
                    "id": r.id,
                    "url": r.url,
                    "trackingId": r.tracking_id,
                    "reason": r.reason,
                    "releasable": services.releasable(r),
                    "detail": r.detail,
                    "findings": r.findings,
                    "releasedBy": r.released_by,
                }
                for r in services.quarantined(session, actor, include_released=released)
            ]
    except Error as e:
        fail(e)
    finally:
        instance.db.dispose()
    if format is Format.JSON:
        print_json(rows)
        return
    table = Table("id", "document", "reason", "detail", "releasable")
    for r in rows:
        table.add_row(
            str(r["id"]), str(r["trackingId"] or r["url"]), str(r["reason"]), str(r["detail"]),
            "yes" if r["releasable"] else "no",
        )  # fmt: skip
    console.print(table)


@quarantine_app.command("release")
def quarantine_release(
    quarantine_id: Annotated[int, typer.Argument(help="The quarantined document's id.")],
    note: Annotated[str, typer.Option(help="Why it is imported despite its findings.")],
    organization: OrganizationOption = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Import a document that failed mandatory tests (audited, with the note)."""
    instance = _instance()
    try:
        with instance.db.session() as session:
            outcome = services.release(
                session, operator(session, organization), quarantine_id, note
            )
    except Error as e:
        fail(e)
    finally:
        instance.db.dispose()
    if format is Format.JSON:
        print_json(outcome.to_json())
        return
    console.print(
        f"released {outcome.tracking_id}: imported, {outcome.new_matches} new match(es)",
        markup=False,
        highlight=False,
    )
