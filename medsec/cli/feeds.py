"""``medsec feeds``: a hospital's feed subscriptions (subscribe with a pinned key, fetch,
list) and a manufacturer's VEX for the feed. The CLI acts as an admin of the chosen
organization (``--organization`` when the instance has several)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from medsec.cli.cases import OrganizationOption, operator
from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.errors import Error
from medsec.feeds import receiving, subscriptions
from medsec.feeds.advisories import advisory_leg
from medsec.feeds.schemas import SubscriptionOut
from medsec.feeds.transport import HttpTransport
from medsec.service import Instance
from medsec.settings import Settings

app = typer.Typer(
    help="Signed feeds of profiles, SBOMs and VEX: subscribe, fetch, list.", no_args_is_help=True
)


def _read(path: Path, what: str, limit: int) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise Error(f"{path}: larger than {limit} bytes; is this {what}?")
        return path.read_bytes()
    except OSError as e:
        raise Error(f"cannot read {path}: {e.strerror or e}", hint="check the path") from e


@app.command("subscribe")
def subscribe(
    url: Annotated[str, typer.Argument(help="The feed's index.json URL.")],
    key: Annotated[Path, typer.Option("--key", help="The feed's public key (key.asc).")],
    organization: OrganizationOption = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Subscribe to a manufacturer's feed, pinning the fingerprint of its key."""
    data = _read(key, "an OpenPGP public key", subscriptions.MAX_KEY_BYTES)
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        found = subscriptions.subscribe(session, operator(session, organization), url, data)
        out = SubscriptionOut.model_validate(found)
    if format is Format.JSON:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(f"subscription {out.id}: {out.url}", markup=False, highlight=False)
        console.print(f"pinned key: {out.fingerprint}", markup=False, highlight=False)
        console.print("fetch it with: medsec feeds fetch", markup=False, highlight=False)


@app.command("fetch")
def fetch(
    subscription_id: Annotated[
        int | None, typer.Argument(help="One subscription (default: all of them).")
    ] = None,
    organization: OrganizationOption = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Fetch, verify and store what is new; exit 1 if anything failed or was quarantined."""
    instance = Instance.from_settings(Settings())
    transport = HttpTransport()
    reports: list[receiving.FetchReport] = []
    with instance.db.session() as session:
        actor = operator(session, organization)
        ids = (
            [subscription_id]
            if subscription_id is not None
            else [s.id for s in subscriptions.list_subscriptions(session, actor)]
        )
    with advisory_leg(instance.http_transport) as leg:
        for one in ids:
            with instance.db.session() as session:
                actor = operator(session, organization)
                found = subscriptions.for_fetch(session, actor, one)
                reports.append(receiving.fetch(session, found, transport, actor.context, leg))
    if format is Format.JSON:
        print_json([r.to_json() for r in reports])
    else:
        for report in reports:
            console.print(
                f"subscription {report.subscription_id}: {report.status}, "
                f"{len(report.stored)} stored, {report.unchanged} already here, "
                f"{len(report.quarantined)} quarantined",
                markup=False,
                highlight=False,
            )
            for key in report.stored:
                console.print(f"  stored {key}", markup=False, highlight=False)
            for key, reason in report.quarantined:
                errors.print(f"  quarantined {key}: {reason}", markup=False, highlight=False)
            for problem in report.errors:
                errors.print(f"  error: {problem}", markup=False, highlight=False)
    if any(r.status in ("failed", "partial") for r in reports):
        raise typer.Exit(1)


@app.command("list")
def list_command(
    organization: OrganizationOption = None, format: FormatOption = Format.TEXT
) -> None:
    """The organization's subscriptions and how their last fetch went."""
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        actor = operator(session, organization)
        found = subscriptions.list_subscriptions(session, actor)
        rows = []
        for s in found:
            out = SubscriptionOut.model_validate(s).model_dump(mode="json")
            out["stored"] = sum(1 for e in s.entries if e.state == "stored")
            out["quarantined"] = sum(1 for e in s.entries if e.state == "quarantined")
            rows.append(out)
    if format is Format.JSON:
        print_json(rows)
        return
    table = Table()
    for column in (
        "id",
        "publisher",
        "url",
        "last fetch",
        "stored",
        "quarantined",
        "CSAF provider",
    ):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["publisher_name"] or "—",
            row["url"],
            f"{row['last_status']} {row['last_fetched_at'] or ''}".strip(),
            str(row["stored"]),
            str(row["quarantined"]),
            row["csaf_provider_url"] or "—",
        )
    console.print(table)
