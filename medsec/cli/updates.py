"""``medsec updates``: update releases, third-party patch lists, lifecycle notices, and
the hospital-side applicability report and maintenance planner.

Commands that change the service act as a named user (``--user``), with that user's role
and organization; they run on the server, where the operator already holds the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.audit.services import Context
from medsec.cli.output import Format, FormatOption, console, print_json
from medsec.db.base import utcnow
from medsec.errors import Error, NotFound
from medsec.products import services as products
from medsec.service import Instance
from medsec.settings import Settings
from medsec.updates import services
from medsec.updates.applicability import AssetFacts, applicable
from medsec.updates.manifest import load_patches, load_release
from medsec.updates.planfile import load_planfile
from medsec.updates.planner import plan as make_plan
from medsec.updates.schemas import NoticeOut, PatchOut, ReleaseOut

app = typer.Typer(
    help="Update releases, patch lists, end-of-support notices, maintenance plans.",
    no_args_is_help=True,
)
release_app = typer.Typer(help="Update releases of a product.", no_args_is_help=True)
patches_app = typer.Typer(help="Validated third-party patch lists.", no_args_is_help=True)
notices_app = typer.Typer(help="End-of-life and end-of-support notices.", no_args_is_help=True)
app.add_typer(release_app, name="release")
app.add_typer(patches_app, name="patches")
app.add_typer(notices_app, name="notices")

UserOption = Annotated[str, typer.Option("--user", help="Act as this user (their role applies).")]
ProductOption = Annotated[str, typer.Option("--product", help="Product name.")]


@contextmanager
def acting(username: str) -> Iterator[tuple[Session, Actor]]:
    instance = Instance.from_settings(Settings())
    with instance.db.session() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None or not user.active:
            raise NotFound(f"no active user '{username}'", hint="see medsec admin create-user")
        actor = actor_for(session, user, None, instance.auth, Context.cli(username))
        yield session, dataclasses.replace(actor, recently_authenticated=True)


def product_by_name(session: Session, actor: Actor, name: str) -> int:
    for product in products.list_products(session, actor):
        if product.name == name:
            return product.id
    raise NotFound(
        f"no product named '{name}' for {actor.username}",
        hint="upload its profile first (medsec serve, /products/upload), or hold it",
    )


def _release_row(data: ReleaseOut) -> list[str]:
    return [
        str(data.id),
        data.released_on.isoformat(),
        data.kind,
        data.version,
        data.status,
        ", ".join(data.fixes),
    ]


# --------------------------------------------------------------------------- releases


@release_app.command("import")
def release_import(
    file: Annotated[Path, typer.Argument(help="Release manifest (YAML or JSON).")],
    product: ProductOption,
    user: UserOption,
    format: FormatOption = Format.TEXT,
) -> None:
    """Validate a release manifest and store it as a draft of the product."""
    data = load_release(file)
    with acting(user) as (session, actor):
        release = services.create_release(
            session, actor, product_by_name(session, actor, product), data
        )
        out = ReleaseOut.model_validate(release)
    if format is Format.JSON:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(f"draft release {out.id}: {out.kind} {out.version}", highlight=False)


@release_app.command("list")
def release_list(
    product: ProductOption, user: UserOption, format: FormatOption = Format.TEXT
) -> None:
    """The product's releases in release order."""
    with acting(user) as (session, actor):
        found = [
            ReleaseOut.model_validate(r)
            for r in services.releases(session, actor, product_by_name(session, actor, product))
        ]
    if format is Format.JSON:
        print_json([r.model_dump(mode="json") for r in found])
        return
    table = Table("id", "released", "kind", "version", "status", "fixes")
    for row in found:
        table.add_row(*_release_row(row))
    console.print(table)


@release_app.command("publish")
def release_publish(release_id: int, user: UserOption) -> None:
    """Publish a draft release to the product's holders (immutable from then on)."""
    with acting(user) as (session, actor):
        release = services.publish_release(session, actor, release_id)
        console.print(f"published release {release.id} ({release.version})", highlight=False)


# --------------------------------------------------------------------------- patches


@patches_app.command("import")
def patches_import(
    file: Annotated[Path, typer.Argument(help="Patch list (YAML or JSON: patches: [...]).")],
    version: Annotated[int, typer.Option("--version", help="Profile version id.")],
    user: UserOption,
    format: FormatOption = Format.TEXT,
) -> None:
    """Add or update the entries of a profile version's third-party patch list."""
    data = load_patches(file)
    with acting(user) as (session, actor):
        changed = services.import_patches(session, actor, version, data)
        out = [PatchOut.model_validate(p) for p in changed]
    if format is Format.JSON:
        print_json([p.model_dump(mode="json") for p in out])
    else:
        console.print(
            f"{len(out)} patch entries added or changed for version {version}", highlight=False
        )


@patches_app.command("list")
def patches_list(
    version: Annotated[int, typer.Option("--version", help="Profile version id.")],
    user: UserOption,
    format: FormatOption = Format.TEXT,
) -> None:
    """A profile version's third-party patch list."""
    with acting(user) as (session, actor):
        out = [PatchOut.model_validate(p) for p in services.patches(session, actor, version)]
    if format is Format.JSON:
        print_json([p.model_dump(mode="json") for p in out])
        return
    table = Table("kind", "identifier", "status", "checked", "note")
    for p in out:
        checked = p.checked_on.isoformat() if p.checked_on else ""
        table.add_row(p.kind, p.identifier, p.status, checked, p.note or "")
    console.print(table)


# --------------------------------------------------------------------------- notices


@notices_app.command("due")
def notices_due(
    publish: Annotated[
        bool, typer.Option(help="Publish them (as the worker does every day).")
    ] = False,
    format: FormatOption = Format.TEXT,
) -> None:
    """Lifecycle notices whose publication date has come and that are not published yet."""
    instance = Instance.from_settings(Settings())
    today = utcnow().date()
    with instance.db.session() as session:
        if publish:
            found = services.publish_due(session, today, Context.cli())
        else:
            found = services.due_notices(session, today)
        out = [NoticeOut.model_validate(n) for n in found]
    if format is Format.JSON:
        print_json([n.model_dump(mode="json") for n in out])
        return
    verb = "published" if publish else "due"
    console.print(f"{len(out)} notice(s) {verb}", highlight=False)
    for n in out:
        console.print(
            f"  version {n.profile_version_id}: publish on {n.publish_on}", highlight=False
        )


@notices_app.command("lead-time")
def notices_lead_time(
    months: Annotated[int, typer.Argument(help="Months before the first end date.")],
    user: UserOption,
) -> None:
    """Set the organization's default notice lead time (12 months unless changed)."""
    if not 0 <= months <= 120:
        raise Error(f"{months} months is not a lead time", hint="give 0 … 120")
    with acting(user) as (session, actor):
        services.set_lead_months(session, actor, months)
    console.print(f"notices are published {months} months ahead", highlight=False)


# --------------------------------------------------------------------------- hospital side


@app.command("applicable")
def applicable_command(
    product: ProductOption,
    user: UserOption,
    installed: Annotated[str, typer.Option(help="The asset's installed version.")],
    hardware: Annotated[str | None, typer.Option(help="Hardware revision.")] = None,
    configuration: Annotated[str | None, typer.Option(help="Configuration name.")] = None,
    finding: Annotated[list[str] | None, typer.Option(help="An open finding id (repeat).")] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Which releases of a product apply to one asset, and which findings each closes."""
    asset = AssetFacts(installed, hardware, configuration, frozenset(finding or ()))
    with acting(user) as (session, actor):
        found = services.releases(session, actor, product_by_name(session, actor, product))
        published = [services.facts(r) for r in found if r.status == "published"]
    result = applicable(asset, published)
    rows: list[dict[str, Any]] = [
        {
            "release_id": a.release.id,
            "version": a.release.version,
            "kind": a.release.kind.value,
            "released_on": a.release.released_on.isoformat(),
            "superseded_by": a.superseded_by,
            "closes": list(a.closes),
        }
        for a in result
    ]
    if format is Format.JSON:
        print_json(rows)
        return
    table = Table("release", "released", "kind", "version", "superseded by", "closes")
    for row in rows:
        table.add_row(
            str(row["release_id"]), row["released_on"], row["kind"], row["version"],
            str(row["superseded_by"] or ""), ", ".join(row["closes"]),
        )  # fmt: skip
    console.print(table)


@app.command("plan")
def plan_command(
    file: Annotated[Path, typer.Argument(help="Planning file: windows, limits, assets.")],
    start: Annotated[
        str | None, typer.Option("--from", help="First day (UTC, YYYY-MM-DD); default today.")
    ] = None,
    days: Annotated[int, typer.Option(help="Length of the period in days.")] = 28,
    format: FormatOption = Format.TEXT,
) -> None:
    """Assign assets to maintenance-window occurrences within the group limits."""
    spec = load_planfile(file)
    try:
        first = dt.date.fromisoformat(start) if start else utcnow().date()
    except ValueError as e:
        raise Error(f"--from {start!r} is not a date", hint="write YYYY-MM-DD") from e
    if not 1 <= days <= 366:
        raise Error(f"--days {days} is out of range", hint="plan 1 … 366 days")
    begin = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    result = make_plan(
        spec.assets, spec.windows, spec.limits, begin, begin + dt.timedelta(days=days)
    )
    tasks = [
        {
            "asset": t.asset_id,
            "start": t.start.isoformat(),
            "end": t.end.isoformat(),
            "window": t.window.rule_id,
            "local_date": t.window.local_date.isoformat(),
        }
        for t in result.tasks
    ]
    unplaced = [{"asset": u.asset_id, "reason": u.reason} for u in result.unplaced]
    if format is Format.JSON:
        print_json({"tasks": tasks, "unplaced": unplaced})
    else:
        table = Table("asset", "start (UTC)", "end (UTC)", "window", "local date")
        for t in tasks:
            table.add_row(t["asset"], t["start"], t["end"], t["window"], t["local_date"])
        console.print(table)
        for u in unplaced:
            console.print(f"not placed: {u['asset']}: {u['reason']}", highlight=False)
    if unplaced:
        raise typer.Exit(2)
