"""The hospital's devices one vulnerability record concerns — with the findings' own
semantics, from the in-memory component index, without re-matching the fleet.

The answer is what the fleet page will show for that record once it is imported, found
by the same path (:func:`medsec.findings.fleet.scan_bom`): the components the record can
concern are looked up in the component index (OSV ``affected[]`` packages by ecosystem and
name; the CPE vendor and product of the NVD CVEs of the record's id and aliases), and only
those are scanned, per asset context, with

- purl/ecosystem-correct version matching (univers, purl qualifiers), a component without
  a version ``unknown-version``;
- CPE matching with NVD's version bounds, lower confidence and said so, for components
  with a CPE (those without a purl have nothing else);
- the manufacturer's VEX of the asset's product version (``not_affected`` and ``fixed``
  suppress the finding, with the justification) and the hospital's triage, carried over
  while the component is unchanged;
- the priority of the one formula (KEV, the asset's context, the manufacturer's
  priorities).

Each asset is listed once, with its most pressing finding for the record (open before
unknown version before suppressed, then the highest priority). Suppressed assets are left
out unless asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.errors import NotFound
from medsec.findings import cache, fleet
from medsec.findings.fleet import Bom, Components, Decisions
from medsec.findings.knowledge import Knowledge, cpe_product, kev_catalog
from medsec.findings.services import AssetFinding
from medsec.inventory import services as inventory
from medsec.vulns.findings import Finding, FindingState
from medsec.vulns.matcher import Index, package_key
from medsec.vulns.models import VulnRecord
from medsec.vulns.records import Record
from medsec.vulns.sources.kev import KevCatalog
from medsec.vulns.sources.nvd import NvdCve

#: The order in which an asset's findings for the record are listed (and which one stands
#: for the asset): what needs acting on first.
_URGENCY = {
    FindingState.AFFECTED: 0,
    FindingState.UNDER_INVESTIGATION: 1,
    FindingState.UNKNOWN_VERSION: 2,
    FindingState.FIXED: 3,
    FindingState.NOT_AFFECTED: 4,
}
SUPPRESSED = frozenset({FindingState.NOT_AFFECTED, FindingState.FIXED})


@dataclass(frozen=True)
class Concern:
    """What one vulnerability is known by in the store: an OSV record and/or the NVD CVEs
    of its id and aliases."""

    record: Record | None = None
    cves: tuple[NvdCve, ...] = ()


def _positions(components: Components, concern: Concern) -> dict[int, set[int]]:
    """SBOM id → positions of the components the concern can match."""
    found: dict[int, set[int]] = {}
    record = concern.record
    for a in record.affected if record is not None else ():
        if a.package is None:
            continue
        key = package_key(a.package.ecosystem, a.package.name)
        for held in components.by_package.get(key, {}).values():
            for sbom_id, positions in held.items():
                found.setdefault(sbom_id, set()).update(positions)
    products = {
        p
        for cve in concern.cves
        for conf in cve.configurations
        for node in conf.nodes
        for m in node.cpe_match
        if (p := cpe_product(m.criteria)) is not None
    }
    for product in products:
        for sbom_id, positions in components.by_cpe.get(product, {}).items():
            found.setdefault(sbom_id, set()).update(positions)
    return found


def _part(bom: Bom, positions: Iterable[int]) -> Bom:
    """The SBOM with only the components at ``positions`` (its product, serial number and
    owner kept: VEX and triage apply as to the whole SBOM)."""
    kept = sorted(positions)
    sbom = replace(bom.sbom, components=tuple(bom.sbom.components[i] for i in kept))
    return replace(bom, sbom=sbom, component_ids=tuple(bom.component_ids[i] for i in kept))


def _rank(f: Finding) -> tuple[int, int, float]:
    return _URGENCY[f.state], -f.priority.level.rank, -f.priority.score


def affected_in(
    components: Components,
    concern: Concern | Record,
    decisions: Decisions | None = None,
    kev: KevCatalog | None = None,
    *,
    suppressed: bool = False,
) -> list[AssetFinding]:
    """The assets of a loaded component index that ``concern`` concerns (the benchmark's
    entry: no database)."""
    if isinstance(concern, Record):
        concern = Concern(concern)
    index = Index()
    if concern.record is not None:
        index.add(concern.record)
    ids = {c.id for c in concern.cves}
    if concern.record is not None:
        ids |= {concern.record.id, *concern.record.aliases}
    known = Knowledge(("concern", *sorted(ids)), index, concern.cves, kev)
    decisions = decisions or Decisions(("none",), {}, ())
    parts = {s: _part(components.boms[s], p) for s, p in _positions(components, concern).items()}
    scanned = fleet.scan_assets(
        components, decisions, known, components.assets_scanned_with(parts), parts
    )
    best: dict[int, AssetFinding] = {}
    for asset_id, found in scanned.items():
        sbom_id = components.source_of[asset_id]
        for component_id, f in found:
            if not suppressed and f.state in SUPPRESSED:
                continue
            kept = best.get(asset_id)
            if kept is None or _rank(f) < _rank(kept.finding):
                best[asset_id] = AssetFinding(
                    components.assets[asset_id], sbom_id, component_id, f, components.via(sbom_id)
                )
    return sorted(best.values(), key=lambda a: (_URGENCY[a.finding.state], a.asset.serial))


def affected_assets(
    session: Session, actor: Actor, concern: Concern | Record, *, suppressed: bool = False
) -> list[AssetFinding]:
    """The hospital's assets ``concern`` (a new record, or one of the store) concerns,
    with the manufacturers' VEX and the hospital's triage applied."""
    inventory.require(actor, Permission.INVENTORY_READ)
    components = cache.current_components(session, actor.organization_id)
    decisions = cache.current_decisions(session, actor.organization_id, components)
    return affected_in(components, concern, decisions, kev_catalog(session), suppressed=suppressed)


def stored_concern(session: Session, record_id: str) -> Concern:
    """An OSV record of the store with the NVD CVEs of its id and aliases, or an NVD CVE
    of the store; NotFound if neither is there."""
    document = session.scalar(
        select(VulnRecord.document).where(
            VulnRecord.source == "osv", VulnRecord.record_id == record_id
        )
    )
    record = Record.model_validate(document) if document is not None else None
    ids: Sequence[str] = (record.id, *record.aliases) if record is not None else (record_id,)
    cves = tuple(
        NvdCve.model_validate(d)
        for d in session.scalars(
            select(VulnRecord.document).where(
                VulnRecord.source == "nvd",
                VulnRecord.record_id.in_(list(ids)),
                VulnRecord.withdrawn.is_(None),
            )
        )
    )
    if record is None and not cves:
        raise NotFound(
            f"no OSV record or NVD CVE {record_id} in the vulnerability store",
            hint="import it with `medsec vulns import osv PATH` (or `nvd PATH`)",
        )
    return Concern(record, cves)


def affected_by_stored(
    session: Session, actor: Actor, record_id: str, *, suppressed: bool = False
) -> list[AssetFinding]:
    """:func:`affected_assets` for a record of the store (NotFound if absent)."""
    inventory.require(actor, Permission.INVENTORY_READ)
    return affected_assets(
        session, actor, stored_concern(session, record_id), suppressed=suppressed
    )
