"""A hospital's fleet in memory: which SBOM each asset is scanned with, the components of
those SBOMs by package, and the findings of every asset.

- :class:`Components` is built from the database (assets, their own SBOMs, the SBOMs of
  the product versions they are linked to) and indexes every component by package
  (OSV ecosystem and normalised name → package → the SBOMs holding it).
- :class:`Decisions` holds what people said: the manufacturers' VEX statements per
  product version and the hospital's triage records.
- :func:`assess` scans each SBOM once per asset context (product version, clinical
  criticality, zone exposure: :mod:`medsec.findings.context`) with the matches of
  :class:`~medsec.findings.knowledge.Knowledge` (each distinct package matched once), so
  assets that share a product version's SBOM share their findings.

An asset is scanned with **its own SBOM** when it has one, else with **the SBOM of its
linked product version** (published, or its own organization's). Manufacturer VEX of
that product version applies either way; a statement applies by product version +
component + vulnerability (:mod:`medsec.vulns.vex.resolve`), never by CVE id alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from medsec.findings import advisory_priority
from medsec.findings import context as asset_context
from medsec.findings.knowledge import Fingerprint, Knowledge, cpe_product, package_identity
from medsec.findings.models import TriageRow, VexDocumentRow, VexStatementRow
from medsec.inventory.fields import Criticality
from medsec.inventory.models import Asset
from medsec.products.models import Product, ProfileVersion
from medsec.sbom.model import NO_HASHES, Component, Sbom, SbomFormat
from medsec.sbom.models import SbomComponent, StoredSbom
from medsec.vulns.findings import Finding, scan
from medsec.vulns.matcher import package_key
from medsec.vulns.packages import Package
from medsec.vulns.priority import AssetContext, Exposure
from medsec.vulns.triage import TriageRecord
from medsec.vulns.vex.model import Justification, SourceKind, Subject, VexStatement, VexStatus


def version_ref(profile_version_id: int) -> str:
    """How the service names a product version as the subject of a VEX statement."""
    return f"medsec:profile-version:{profile_version_id}"


@dataclass(frozen=True)
class AssetInfo:
    id: int
    serial: str
    vendor: str
    model: str
    site_id: int
    zone_id: int | None
    criticality: str
    profile_version_id: int | None
    firmware_version: str | None
    #: From the zone and the site's conduits (None: no zone).
    exposure: Exposure | None = None

    @property
    def label(self) -> str:
        return f"{self.vendor} {self.model} ({self.serial})"


@dataclass(frozen=True)
class Bom:
    """A stored SBOM as the scanner reads it; ``component_ids`` are the rows of
    ``sbom.components``, in order."""

    id: int
    sbom: Sbom
    component_ids: tuple[int, ...]
    filename: str
    asset_id: int | None = None
    profile_version_id: int | None = None


@dataclass
class Components:
    """The assets of one organization and the SBOMs they are scanned with."""

    fingerprint: Fingerprint
    assets: dict[int, AssetInfo]
    boms: dict[int, Bom]
    #: asset id → the id of the SBOM it is scanned with.
    source_of: dict[int, int]
    #: (ecosystem, name key) → package → SBOM id → positions of the components that are
    #: the package in ``boms[id].sbom.components``.
    by_package: dict[tuple[str, str], dict[Package, dict[int, list[int]]]] = field(
        default_factory=dict
    )
    #: CPE (vendor, product), case-folded → SBOM id → positions of the components with
    #: such a CPE.
    by_cpe: dict[tuple[str, str], dict[int, list[int]]] = field(default_factory=dict)
    #: profile version id → the manufacturer's priority by vulnerability id (its product's
    #: published releases; versions without any are absent).
    priorities: dict[int, asset_context.Priorities] = field(default_factory=dict)
    #: asset id → the manufacturer's priority by vulnerability id stated in the advisories
    #: about the asset's product (:mod:`medsec.findings.advisory_priority`).
    advisory_priorities: dict[int, asset_context.Priorities] = field(default_factory=dict)

    def priorities_of(self, asset: AssetInfo) -> asset_context.Priorities | None:
        """The manufacturer's priorities for one asset: its version's releases' and its
        product's advisories', the highest of each id."""
        pv = asset.profile_version_id
        return asset_context.merged(
            self.priorities.get(pv) if pv is not None else None,
            self.advisory_priorities.get(asset.id),
        )

    #: SBOM id → the assets scanned with it (built on first use).
    _scanned_by: dict[int, list[int]] | None = field(default=None, repr=False)

    def assets_scanned_with(self, sbom_ids: Iterable[int]) -> list[int]:
        if self._scanned_by is None:
            found: dict[int, list[int]] = {}
            for asset_id, sbom_id in sorted(self.source_of.items()):
                found.setdefault(sbom_id, []).append(asset_id)
            self._scanned_by = found
        by = self._scanned_by
        return sorted(a for s in set(sbom_ids) for a in by.get(s, ()))

    def via(self, sbom_id: int) -> str:
        """``asset`` (an asset's own SBOM) or ``product-version`` (a version's)."""
        return "asset" if self.boms[sbom_id].asset_id is not None else "product-version"

    def index(self, bom: Bom) -> None:
        """Add ``bom`` and index its components by package and by CPE vendor:product."""
        self.boms[bom.id] = bom
        self._scanned_by = None
        for position, c in enumerate(bom.sbom.components):
            package = package_identity(c.purl, c.cpe, c.name, c.version)
            if package is None:
                continue
            if package.ecosystem is not None:
                key = package_key(package.ecosystem, package.name)
                held = self.by_package.setdefault(key, {}).setdefault(package, {})
                held.setdefault(bom.id, []).append(position)
            if package.cpe and (product := cpe_product(package.cpe)) is not None:
                self.by_cpe.setdefault(product, {}).setdefault(bom.id, []).append(position)


@dataclass(frozen=True)
class Decisions:
    fingerprint: Fingerprint
    vex: dict[int, tuple[VexStatement, ...]]
    triage: tuple[TriageRecord, ...]


#: The findings of one scanned SBOM: (component row id, finding), highest priority first.
Scanned = tuple[tuple[int, Finding], ...]


@dataclass
class Assessment:
    """Every asset's findings (assets without an SBOM are absent)."""

    key: tuple[Fingerprint, Fingerprint, Fingerprint]
    by_asset: dict[int, Scanned]
    distinct_packages: int = 0


# --------------------------------------------------------------------------- fingerprints


def components_fingerprint(session: Session, organization_id: int) -> Fingerprint:
    assets = session.execute(
        select(func.count(Asset.id), func.sum(Asset.id), func.max(Asset.updated_at)).where(
            Asset.organization_id == organization_id
        )
    ).one()
    sboms = session.execute(
        select(func.count(StoredSbom.id), func.sum(StoredSbom.id), func.max(StoredSbom.uploaded_at))
    ).one()
    versions = session.execute(
        select(func.count(ProfileVersion.id), func.max(ProfileVersion.published_at))
    ).one()
    return (
        *assets,
        *sboms,
        *versions,
        asset_context.fingerprint(session, organization_id),
        advisory_priority.fingerprint(session, organization_id),
    )


def decisions_fingerprint(session: Session, organization_id: int) -> Fingerprint:
    vex = session.execute(select(func.count(VexDocumentRow.id), func.max(VexDocumentRow.id))).one()
    triage = session.execute(
        select(
            func.count(TriageRow.id), func.max(TriageRow.id), func.max(TriageRow.recorded_at)
        ).where(TriageRow.organization_id == organization_id)
    ).one()
    return (*vex, *triage)


# --------------------------------------------------------------------------- loading


def component_rows(session: Session, sbom_ids: Sequence[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {i: [] for i in sbom_ids}
    if not sbom_ids:
        return found
    rows = session.execute(
        select(
            SbomComponent.sbom_id,
            SbomComponent.id,
            SbomComponent.bom_ref,
            SbomComponent.type,
            SbomComponent.name,
            SbomComponent.version,
            SbomComponent.namespace,
            SbomComponent.purl,
            SbomComponent.cpe,
            SbomComponent.hashes,
            SbomComponent.parent_ref,
            SbomComponent.scope,
        )
        .where(SbomComponent.sbom_id.in_(list(sbom_ids)))
        .order_by(SbomComponent.sbom_id, SbomComponent.position)
    )
    for row in rows:
        found[row[0]].append(row)
    return found


def bom_of(row: Any, components: list[Any], product: Component, **owner: int | None) -> Bom:
    built = tuple(
        Component(
            ref=c.bom_ref,
            type=c.type,
            name=c.name,
            version=c.version,
            group=c.namespace if not c.purl else None,
            purl=c.purl,
            cpe=c.cpe,
            hashes=c.hashes or NO_HASHES,
            parent=c.parent_ref,
            scope=c.scope,
        )
        for c in components
    )
    sbom = Sbom(
        format=SbomFormat(row.format),
        spec_version=row.spec_version,
        serial_number=row.serial_number,
        product=product,
        components=built,
    )
    return Bom(row.id, sbom, tuple(c.id for c in components), row.filename, **owner)


def product_of(row: Any, name: str, version: str | None) -> Component:
    """The product a stored SBOM describes, with its purl and CPE (what identifies it
    across versions, see :func:`medsec.vulns.triage.product_key`)."""
    return Component(
        ref=None,
        type="device",
        name=name,
        version=version,
        purl=row.product_purl,
        cpe=row.product_cpe,
    )


_SBOM_COLUMNS = (
    StoredSbom.id,
    StoredSbom.format,
    StoredSbom.spec_version,
    StoredSbom.serial_number,
    StoredSbom.filename,
    StoredSbom.product_name,
    StoredSbom.product_version,
    StoredSbom.product_purl,
    StoredSbom.product_cpe,
    StoredSbom.asset_id,
    StoredSbom.profile_version_id,
)


def load_components(session: Session, organization_id: int, stamp: Fingerprint) -> Components:
    """The organization's assets and the SBOMs each is scanned with, indexed by package."""
    exposures = asset_context.zone_exposures(session, organization_id)
    assets = {
        a.id: AssetInfo(
            a.id,
            a.serial,
            a.vendor,
            a.model,
            a.site_id,
            a.zone_id,
            a.criticality,
            a.profile_version_id,
            a.firmware_version,
            exposures.get(a.zone_id) if a.zone_id is not None else None,
        )
        for a in session.execute(
            select(
                Asset.id,
                Asset.serial,
                Asset.vendor,
                Asset.model,
                Asset.site_id,
                Asset.zone_id,
                Asset.criticality,
                Asset.profile_version_id,
                Asset.firmware_version,
            ).where(Asset.organization_id == organization_id)
        )
    }
    own = session.execute(
        select(*_SBOM_COLUMNS).where(
            StoredSbom.organization_id == organization_id, StoredSbom.asset_id.is_not(None)
        )
    ).all()
    linked = {a.profile_version_id for a in assets.values() if a.profile_version_id}
    shared = (
        session.execute(
            select(*_SBOM_COLUMNS, Product.name, ProfileVersion.version)
            .join(ProfileVersion, ProfileVersion.id == StoredSbom.profile_version_id)
            .join(Product, Product.id == ProfileVersion.product_id)
            .where(
                StoredSbom.profile_version_id.in_(list(linked)),
                or_(
                    ProfileVersion.status == "published",
                    Product.organization_id == organization_id,
                ),
            )
        ).all()
        if linked
        else []
    )
    rows = component_rows(session, [r.id for r in own] + [r.id for r in shared])
    boms: dict[int, Bom] = {}
    source_of: dict[int, int] = {}
    by_version: dict[int, int] = {}
    for v in shared:
        name = str(v.product_name or v[-2])
        version = str(v.product_version or v[-1])
        product = product_of(v, name, version)
        boms[v.id] = bom_of(v, rows[v.id], product, profile_version_id=v.profile_version_id)
        by_version[v.profile_version_id] = v.id
    for r in own:
        asset = assets.get(r.asset_id)
        if asset is None:
            continue
        name = r.product_name or f"{asset.vendor} {asset.model}"
        firmware = r.product_version or asset.firmware_version
        product = product_of(r, name, firmware)
        boms[r.id] = bom_of(r, rows[r.id], product, asset_id=r.asset_id)
        source_of[asset.id] = r.id
    for asset in assets.values():
        if asset.id not in source_of and asset.profile_version_id in by_version:
            source_of[asset.id] = by_version[asset.profile_version_id]
    found = Components(stamp, assets, {}, source_of)
    found.priorities = version_priorities(session, linked)
    found.advisory_priorities = advisory_priority.by_asset(session, organization_id)
    for bom in boms.values():
        found.index(bom)
    return found


def version_priorities(
    session: Session, version_ids: Iterable[int]
) -> dict[int, asset_context.Priorities]:
    """The manufacturer's priorities of each version's product (see
    :func:`medsec.findings.context.release_priorities`)."""
    ids = list(set(version_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ProfileVersion.id, ProfileVersion.product_id).where(ProfileVersion.id.in_(ids))
    )
    products = {row.id: row.product_id for row in rows}
    by_product = asset_context.release_priorities(session, products.values())
    return {v: by_product[p] for v, p in products.items() if p in by_product}


def statement_of(row: VexStatementRow) -> VexStatement:
    """A stored manufacturer statement, about its product version."""
    component = Subject(**row.component) if row.component else None
    return VexStatement(
        vulnerability=row.vulnerability,
        status=VexStatus(row.status),
        source=row.source,
        source_kind=SourceKind.MANUFACTURER,
        product=Subject(ref=version_ref(row.profile_version_id)),
        component=component,
        aliases=tuple(row.aliases),
        justification=Justification(row.justification) if row.justification else None,
        impact_statement=row.impact_statement,
        action_statement=row.action_statement,
        timestamp=row.timestamp,
        original_status=row.original_status,
        original_justification=row.original_justification,
        pointer=row.pointer,
    )


def triage_record(row: TriageRow) -> TriageRecord:
    return TriageRecord(
        product=row.product_key,
        component=row.component_key,
        vulnerability=row.vulnerability,
        status=VexStatus(row.status),
        analyst=row.analyst,
        timestamp=row.recorded_at,
        component_version=row.component_version,
        component_hashes=dict(row.component_hashes or {}),
        justification=Justification(row.justification) if row.justification else None,
        note=row.note,
    )


def version_statements(
    session: Session, version_ids: Iterable[int]
) -> dict[int, tuple[VexStatement, ...]]:
    ids = list(set(version_ids))
    found: dict[int, list[VexStatement]] = {}
    if ids:
        rows = session.scalars(
            select(VexStatementRow)
            .where(VexStatementRow.profile_version_id.in_(ids))
            .order_by(VexStatementRow.id)
        )
        for row in rows:
            found.setdefault(row.profile_version_id, []).append(statement_of(row))
    return {k: tuple(v) for k, v in found.items()}


def organization_triage(session: Session, organization_id: int) -> tuple[TriageRecord, ...]:
    rows = session.scalars(
        select(TriageRow).where(TriageRow.organization_id == organization_id)
    ).all()
    return tuple(triage_record(r) for r in rows)


def load_decisions(
    session: Session, organization_id: int, components: Components, stamp: Fingerprint
) -> Decisions:
    versions = {a.profile_version_id for a in components.assets.values() if a.profile_version_id}
    return Decisions(
        stamp, version_statements(session, versions), organization_triage(session, organization_id)
    )


# --------------------------------------------------------------------------- scanning


def scan_bom(
    bom: Bom,
    profile_version_id: int | None,
    criticality: str | None,
    knowledge: Knowledge,
    vex: Sequence[VexStatement],
    triage: Sequence[TriageRecord],
    exposure: Exposure | None = None,
    priorities: asset_context.Priorities | None = None,
) -> Scanned:
    """The findings of one SBOM as the product version's and the hospital's decisions
    leave them, prioritised for a device of ``criticality`` in a zone of ``exposure``, with
    the manufacturer's ``priorities`` of the version's releases."""
    product = bom.sbom.product or Component(ref=None, type="device", name=bom.filename)
    product = replace(
        product, ref=version_ref(profile_version_id) if profile_version_id is not None else None
    )
    sbom = replace(bom.sbom, product=product)
    try:
        level = Criticality(criticality) if criticality else None
    except ValueError:
        level = None
    context = (
        AssetContext(exposure, level, priorities or None)
        if exposure or level or priorities
        else None
    )
    found = scan(
        sbom,
        knowledge.index,
        vex=vex,
        kev=knowledge.kev,
        context=context,
        triage=triage,
        cves=knowledge.cves,
        matcher=knowledge.matcher,
    )
    rows = {id(c): i for c, i in zip(sbom.components, bom.component_ids, strict=True)}
    return tuple((rows[id(f.component)], f) for f in found)


def scan_assets(
    components: Components,
    decisions: Decisions,
    knowledge: Knowledge,
    asset_ids: Iterable[int],
    boms: Mapping[int, Bom] | None = None,
) -> dict[int, Scanned]:
    """The findings of each asset of ``asset_ids``, scanned with its SBOM (or with the part
    of it ``boms`` holds); each (SBOM, product version, criticality, exposure,
    manufacturer's priorities) scanned once."""
    boms = components.boms if boms is None else boms
    memo: dict[tuple[Any, ...], Scanned] = {}
    by_asset: dict[int, Scanned] = {}
    for asset_id in asset_ids:
        sbom_id = components.source_of[asset_id]
        asset = components.assets[asset_id]
        pv = asset.profile_version_id
        priorities = components.priorities_of(asset)
        key = (sbom_id, pv, asset.criticality, asset.exposure, priorities)
        scanned = memo.get(key)
        if scanned is None:
            vex = decisions.vex.get(pv, ()) if pv is not None else ()
            scanned = memo[key] = scan_bom(
                boms[sbom_id],
                pv,
                asset.criticality,
                knowledge,
                vex,
                decisions.triage,
                asset.exposure,
                priorities,
            )
        by_asset[asset_id] = scanned
    return by_asset


def assess(components: Components, decisions: Decisions, knowledge: Knowledge) -> Assessment:
    """Every asset's findings (:func:`scan_assets` over every asset with an SBOM)."""
    by_asset = scan_assets(components, decisions, knowledge, components.source_of)
    stamp = (knowledge.fingerprint, components.fingerprint, decisions.fingerprint)
    return Assessment(stamp, by_asset, knowledge.distinct_packages)
