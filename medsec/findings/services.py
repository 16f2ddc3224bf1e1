"""Findings in the service: every asset's SBOM components × the vulnerability store,
with the manufacturers' VEX and the hospital's triage applied.

Who sees what (checked here, not only in routes):

- a hospital's ``inventory:read`` holders see the findings of its own assets — one asset,
  or the fleet (every asset of the organization) — never another organization's;
- whoever may see a product version (its manufacturer; hospitals holding it once it is
  published) sees the findings of the version's own SBOM, with the manufacturer's VEX
  (and, for a hospital, its own triage) applied.

A finding is named by the asset, the component row of the SBOM it was found in and the
vulnerability id (``/assets/7/findings/1234/CVE-2024-1``). The answers come from the
per-process cache of :mod:`medsec.findings.cache`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.errors import NotFound
from medsec.findings import cache, fleet
from medsec.findings.fleet import AssetInfo, Bom
from medsec.inventory import services as inventory
from medsec.products import services as products
from medsec.sbom import services as sboms
from medsec.vulns.findings import Finding, FindingState
from medsec.vulns.priority import Level


@dataclass(frozen=True)
class FindingFilter:
    """``state``, ``priority``: exact; ``kev``: only known exploited (True) or only not
    (False); ``site_id``: assets of one site; ``open_only``: affected or under
    investigation; ``text``: a substring of the vulnerability id or component name."""

    state: FindingState | None = None
    priority: Level | None = None
    kev: bool | None = None
    site_id: int | None = None
    open_only: bool = False
    text: str | None = None

    def accepts(self, asset: AssetInfo | None, f: Finding) -> bool:
        if self.state is not None and f.state is not self.state:
            return False
        if self.priority is not None and f.priority.level is not self.priority:
            return False
        if self.kev is not None and f.known_exploited is not self.kev:
            return False
        if self.site_id is not None and (asset is None or asset.site_id != self.site_id):
            return False
        if self.open_only and not f.is_open:
            return False
        if self.text:
            needle = self.text.casefold()
            names = (f.vulnerability, *f.aliases, f.component.name)
            if not any(needle in n.casefold() for n in names):
                return False
        return True


@dataclass(frozen=True)
class AssetFinding:
    """One finding of one asset, with where it was found."""

    asset: AssetInfo
    sbom_id: int
    component_id: int
    finding: Finding
    #: ``asset`` (the asset's own SBOM) or ``product-version`` (its linked version's).
    via: str

    @property
    def path(self) -> str:
        return f"{self.component_id}/{self.finding.vulnerability}"


@dataclass(frozen=True)
class FindingList:
    items: Sequence[AssetFinding]
    total: int
    #: Over every finding the filter accepts (not only this page).
    by_priority: dict[Level, int]
    by_state: dict[FindingState, int]
    open_by_priority: dict[Level, int]
    assets: int = 0
    assets_scanned: int = 0
    offset: int = 0
    limit: int = 50


def _tally(
    found: Iterable[Finding],
) -> tuple[Counter[Level], Counter[FindingState], Counter[Level]]:
    levels: Counter[Level] = Counter()
    states: Counter[FindingState] = Counter()
    open_levels: Counter[Level] = Counter()
    for f in found:
        levels[f.priority.level] += 1
        states[f.state] += 1
        if f.is_open:
            open_levels[f.priority.level] += 1
    return levels, states, open_levels


def _listing(
    rows: list[AssetFinding], assets: int, scanned: int, offset: int, limit: int
) -> FindingList:
    levels, states, open_levels = _tally(r.finding for r in rows)
    return FindingList(
        items=rows[offset : offset + limit],
        total=len(rows),
        by_priority={level: levels[level] for level in Level},
        by_state={state: states[state] for state in FindingState},
        open_by_priority={level: open_levels[level] for level in Level},
        assets=assets,
        assets_scanned=scanned,
        offset=offset,
        limit=limit,
    )


def _rows(
    components: fleet.Components,
    assessment: fleet.Assessment,
    asset_ids: Iterable[int],
    where: FindingFilter,
) -> list[AssetFinding]:
    out: list[AssetFinding] = []
    for asset_id in asset_ids:
        scanned = assessment.by_asset.get(asset_id)
        if not scanned:
            continue
        asset = components.assets[asset_id]
        sbom_id = components.source_of[asset_id]
        via = components.via(sbom_id)
        out.extend(
            AssetFinding(asset, sbom_id, cid, f, via)
            for cid, f in scanned
            if where.accepts(asset, f)
        )
    return out


def _sorted(rows: list[AssetFinding]) -> list[AssetFinding]:
    rows.sort(
        key=lambda r: (
            -r.finding.priority.level.rank,
            -r.finding.priority.score,
            r.asset.serial,
            r.finding.vulnerability,
            r.component_id,
        )
    )
    return rows


def fleet_findings(
    session: Session,
    actor: Actor,
    where: FindingFilter = FindingFilter(),
    offset: int = 0,
    limit: int = 50,
) -> FindingList:
    """The findings of every asset of the actor's hospital, highest priority first."""
    inventory.require(actor, Permission.INVENTORY_READ)
    components, assessment = cache.assessment(session, actor.organization_id)
    rows = _sorted(_rows(components, assessment, components.assets, where))
    return _listing(rows, len(components.assets), len(assessment.by_asset), offset, limit)


def asset_findings(
    session: Session,
    actor: Actor,
    asset_id: int,
    where: FindingFilter = FindingFilter(),
    offset: int = 0,
    limit: int = 50,
) -> FindingList:
    asset = inventory.get_asset(session, actor, asset_id)
    components, assessment = cache.assessment(session, actor.organization_id)
    rows = _sorted(_rows(components, assessment, [asset.id], where))
    return _listing(rows, 1, int(asset.id in assessment.by_asset), offset, limit)


@dataclass(frozen=True)
class FindingDetail:
    item: AssetFinding
    bom: Bom
    summary: str | None = None
    #: Other assets of the hospital with the same vulnerability in the same component.
    also_on: Sequence[AssetInfo] = field(default_factory=tuple)


def finding(
    session: Session, actor: Actor, asset_id: int, component_id: int, vulnerability: str
) -> FindingDetail:
    """One finding of one asset; NotFound if the asset has no such finding (any more)."""
    asset = inventory.get_asset(session, actor, asset_id)
    components, assessment = cache.assessment(session, actor.organization_id)
    for cid, f in assessment.by_asset.get(asset.id, ()):
        if cid == component_id and f.vulnerability == vulnerability:
            sbom_id = components.source_of[asset.id]
            item = AssetFinding(
                components.assets[asset.id], sbom_id, cid, f, components.via(sbom_id)
            )
            also = [
                components.assets[a]
                for a in components.assets_scanned_with([sbom_id])
                if a != asset.id
            ]
            known = cache.current_knowledge(session)
            return FindingDetail(
                item, components.boms[sbom_id], known.summaries.get(f.vulnerability), also
            )
    raise NotFound(
        f"asset {asset_id} has no finding {vulnerability} in component {component_id}",
        hint="the SBOM may have been replaced; open the asset's findings again",
    )


# --------------------------------------------------------------------------- versions


@dataclass(frozen=True)
class VersionFindings:
    version_id: int
    sbom_id: int | None
    items: Sequence[tuple[int, Finding]]
    by_priority: dict[Level, int]
    by_state: dict[FindingState, int]
    open_by_priority: dict[Level, int]


def version_findings(
    session: Session,
    actor: Actor,
    version_id: int,
    where: FindingFilter = FindingFilter(),
) -> VersionFindings:
    """The findings of a product version's own SBOM, with its manufacturer's VEX (and, for a
    hospital, its own triage); a version without an SBOM has none."""
    actor.require(Permission.PRODUCTS_READ)
    owner = sboms.version_owner(session, actor, version_id)
    stored = sboms.current(session, owner)
    items: list[tuple[int, Finding]] = []
    if stored is not None:
        version = products.get_version(session, actor, version_id)
        rows = fleet.component_rows(session, [stored.id])
        product = fleet.product_of(
            stored,
            stored.product_name or version.product.name,
            stored.product_version or version.version,
        )
        bom = fleet.bom_of(stored, rows[stored.id], product, profile_version_id=version_id)
        triage = (
            fleet.organization_triage(session, actor.organization_id)
            if actor.organization_kind.is_provider
            else ()
        )
        vex = fleet.version_statements(session, [version_id]).get(version_id, ())
        known = cache.current_knowledge(session)
        priorities = fleet.version_priorities(session, [version_id]).get(version_id)
        scanned = fleet.scan_bom(bom, version_id, None, known, vex, triage, None, priorities)
        items = [(cid, f) for cid, f in scanned if where.accepts(None, f)]
    levels, states, open_levels = _tally(f for _, f in items)
    return VersionFindings(
        version_id,
        stored.id if stored is not None else None,
        items,
        {level: levels[level] for level in Level},
        {state: states[state] for state in FindingState},
        {level: open_levels[level] for level in Level},
    )


def open_ids(session: Session, actor: Actor, asset_ids: Sequence[int]) -> dict[int, frozenset[str]]:
    """The ids (and aliases) of the open findings of each asset asked about — of the
    actor's organization only (other ids answer nothing). No permission of its own: the
    caller (update planning) already checked the one its action needs."""
    _, assessment = cache.assessment(session, actor.organization_id)
    found: dict[int, frozenset[str]] = {}
    for asset_id in asset_ids:
        ids = {i for _, f in assessment.by_asset.get(asset_id, ()) if f.is_open for i in f.ids}
        if ids:
            found[asset_id] = frozenset(ids)
    return found
