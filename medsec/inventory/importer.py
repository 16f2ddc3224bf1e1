"""Importing an inventory file into a site: all rows or none.

Every row is checked first (fields, zone names, duplicate serials, profile links); if any
row is invalid, nothing is written and the report lists every problem with its row,
column, value and how to fix it. Otherwise assets are matched by serial: new ones are
created, changed ones updated (a changed firmware version is recorded as an asset event),
unchanged ones left alone — so importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import DocumentError, Error, Location, Problem
from medsec.inventory import matching, services
from medsec.inventory.drafts import AssetDraft, build_draft
from medsec.inventory.fields import EventKind
from medsec.inventory.models import Asset, AssetEvent
from medsec.inventory.rows import Table


@dataclass(frozen=True)
class RowIssue:
    row: int
    line: int
    column: str
    value: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        value = f" '{self.value[:60]}'" if self.value else ""
        fix = f"; fix: {self.hint}" if self.hint else ""
        return (
            f"row {self.row} (line {self.line}), column '{self.column}'{value}: {self.message}{fix}"
        )


@dataclass(frozen=True)
class RowOutcome:
    row: int
    serial: str
    #: ``created``, ``updated`` or ``unchanged``.
    outcome: str
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    source: str
    site: str
    dry_run: bool
    committed: bool
    rows: tuple[RowOutcome, ...]
    issues: tuple[RowIssue, ...]
    ignored_columns: tuple[str, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "site": self.site,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "created": self.count("created"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "ignored_columns": list(self.ignored_columns),
            "rows": [
                {"row": r.row, "serial": r.serial, "outcome": r.outcome, "changes": list(r.changes)}
                for r in self.rows
            ],
            "issues": [
                {
                    "row": i.row,
                    "line": i.line,
                    "column": i.column,
                    "value": i.value,
                    "message": i.message,
                    "hint": i.hint,
                }
                for i in self.issues
            ],
        }


class ImportRejected(DocumentError):
    """At least one row is invalid: nothing was imported. ``report`` lists every issue."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            report.source,
            [
                Problem(
                    Location(report.source, i.line, 0, i.column),
                    (f"'{i.value[:60]}': " if i.value else "")
                    + i.message
                    + (f" (fix: {i.hint})" if i.hint else ""),
                )
                for i in report.issues
            ],
        )
        self.report = report

    def diagnostics(self) -> str:
        lines = [f"error: {i}" for i in self.report.issues]
        lines.append(
            f"{self.report.source}: {len(self.report.issues)} problem(s) in "
            f"{len({i.row for i in self.report.issues})} row(s); nothing was imported"
        )
        return "\n".join(lines)


def _check(
    session: Session, actor: Actor, table: Table, zones: dict[str, int]
) -> tuple[list[tuple[int, AssetDraft, tuple[int | None, str | None]]], list[RowIssue]]:
    found = matching.candidates(session, actor.organization_id)
    checked: list[tuple[int, AssetDraft, tuple[int | None, str | None]]] = []
    issues: list[RowIssue] = []
    first_row: dict[str, int] = {}
    for index, row in enumerate(table.rows):

        def issue(name: str, value: str, message: str, hint: str | None = None) -> None:
            column = row.columns.get(name, name)  # noqa: B023 (called in this iteration)
            issues.append(RowIssue(row.number, row.line, column, value, message, hint))  # noqa: B023

        draft, problems = build_draft(row.values)
        for p in problems:
            issue(p.field, p.value, p.message, p.hint)
        if draft is None:
            continue
        if draft.zone is not None and draft.zone not in zones:
            issue(
                "zone",
                draft.zone,
                "the site has no zone of this name",
                f"add the zone first, or use one of: {', '.join(sorted(zones)) or 'none yet'}",
            )
            continue
        if draft.serial in first_row:
            issue(
                "serial",
                draft.serial,
                f"the serial appears again (first in row {first_row[draft.serial]})",
                "keep one row per device",
            )
            continue
        first_row[draft.serial] = row.number
        try:
            link = services.resolve_link(found, draft)
        except Error as e:
            issue("product_version_id", str(draft.product_version_id), e.message, e.hint)
            continue
        checked.append((index, draft, link))
    return checked, issues


def import_table(
    session: Session, actor: Actor, site_id: int, table: Table, *, dry_run: bool = False
) -> ImportReport:
    """Check every row, then (unless ``dry_run``) write them all; raise
    :class:`ImportRejected` (nothing written) when any row is invalid."""
    services.require(actor, Permission.INVENTORY_WRITE)
    site = services.get_site(session, actor, site_id)
    zones = {z.name: z.id for z in site.zones}
    checked, issues = _check(session, actor, table, zones)
    ignored = tuple(table.ignored_columns)
    if issues:
        raise ImportRejected(
            ImportReport(table.source, site.name, dry_run, False, (), tuple(issues), ignored)
        )
    source = f"import:{table.source[:180]}"
    outcomes: list[RowOutcome] = []
    firmware: list[tuple[Asset, str | None]] = []
    # A dry run writes inside a savepoint and rolls it back: the same code decides the
    # outcomes, and nothing stays.
    savepoint = session.begin_nested() if dry_run else None
    try:
        for index, draft, link in checked:
            row = table.rows[index]
            asset = services.asset_by_serial(session, actor.organization_id, draft.serial)
            zone_id = zones[draft.zone] if draft.zone is not None else None
            if asset is None:
                asset = Asset(organization_id=actor.organization_id, site_id=site.id)
                services.apply_draft(
                    session, asset, draft, link, source=source, actor_name=actor.username
                )
                asset.zone_id = zone_id
                session.add(asset)
                session.flush()
                session.add(
                    AssetEvent(
                        asset_id=asset.id,
                        kind=EventKind.IMPORTED,
                        new_value=asset.firmware_version,
                        source=source,
                        actor=actor.username,
                    )
                )
                outcomes.append(RowOutcome(row.number, draft.serial, "created"))
                continue
            old_firmware = asset.firmware_version
            changes = services.apply_draft(
                session, asset, draft, link, source=source, actor_name=actor.username
            )
            if asset.site_id != site.id:
                asset.site_id = site.id
                changes.append("site_id")
            if asset.zone_id != zone_id:
                asset.zone_id = zone_id
                changes.append("zone_id")
            if changes:
                outcomes.append(RowOutcome(row.number, draft.serial, "updated", tuple(changes)))
                if "firmware_version" in changes:
                    firmware.append((asset, old_firmware))
            else:
                outcomes.append(RowOutcome(row.number, draft.serial, "unchanged"))
        session.flush()
        report = ImportReport(
            table.source, site.name, dry_run, not dry_run, tuple(outcomes), (), ignored
        )
    finally:
        if savepoint is not None:
            savepoint.rollback()
    if dry_run:
        return report
    for asset, old in firmware:
        services.firmware_audit(session, actor, asset, old)
    record(
        session,
        Tag.INVENTORY_IMPORTED,
        actor.context,
        target=f"site:{site.id}",
        details={
            "source": table.source[:200],
            "created": report.count("created"),
            "updated": report.count("updated"),
            "unchanged": report.count("unchanged"),
        },
    )
    return report
