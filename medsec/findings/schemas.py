"""API bodies of the findings domain."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from medsec.findings.services import AssetFinding, FindingList, VersionFindings
from medsec.vulns.findings import Finding
from medsec.vulns.vex.model import Justification, VexStatement, VexStatus


class ComponentRefOut(BaseModel):
    id: int
    name: str
    version: str | None
    purl: str | None
    cpe: str | None
    bom_ref: str | None


class MatchOut(BaseModel):
    status: str
    #: ``high`` (ecosystem, name and version order) or ``low`` (CPE).
    confidence: str
    explanation: str
    ecosystem: str
    name: str
    version: str | None
    affected_index: int | None


class StatementOut(BaseModel):
    source: str
    source_kind: str
    status: str
    justification: str | None
    original_status: str | None
    original_justification: str | None
    impact_statement: str | None
    action_statement: str | None
    timestamp: dt.datetime | None
    pointer: str


class FactorOut(BaseModel):
    name: str
    value: str
    contribution: float
    #: Where the value was stated (the manufacturer's advisory or update release), if any.
    source: str | None = None


class FindingOut(BaseModel):
    vulnerability: str
    aliases: list[str]
    state: str
    priority: str
    score: float
    known_exploited: bool
    component: ComponentRefOut
    match: MatchOut
    #: The applicable VEX and triage statements, the deciding one first.
    statements: list[StatementOut]
    factors: list[FactorOut]
    priority_explanation: str
    detail: str
    asset_id: int | None = None
    asset_serial: str | None = None
    sbom_id: int | None = None
    #: ``asset`` (its own SBOM) or ``product-version`` (its linked version's SBOM).
    via: str | None = None


class FindingsOut(BaseModel):
    items: list[FindingOut]
    total: int
    offset: int
    limit: int
    by_priority: dict[str, int]
    by_state: dict[str, int]
    open_by_priority: dict[str, int]
    assets: int
    assets_scanned: int


class VersionFindingsOut(BaseModel):
    version_id: int
    sbom_id: int | None
    items: list[FindingOut]
    by_priority: dict[str, int]
    by_state: dict[str, int]
    open_by_priority: dict[str, int]


class TriageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: VexStatus
    justification: Justification | None = None
    note: str | None = Field(default=None, max_length=4000)


class TriageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    vulnerability: str
    product_key: str
    component_key: str
    status: str
    justification: str | None
    note: str | None
    analyst: str
    recorded_at: dt.datetime
    component_version: str | None


class AffectedOut(BaseModel):
    asset_id: int
    asset_serial: str
    #: The finding's state: ``affected``, ``under_investigation``, ``unknown-version``, or
    #: (suppressed, listed with ``suppressed=true``) ``not_affected``, ``fixed``.
    status: str
    #: What matching alone says: ``affected`` or ``unknown-version``.
    match_status: str
    #: ``high`` (ecosystem, name and version order) or ``low`` (CPE).
    confidence: str
    component: str
    component_id: int
    #: Why it matched: the range, listed version or CPE criterion and bounds.
    explanation: str
    #: The statement that decided the state (manufacturer VEX or hospital triage), if any.
    decided_by: StatementOut | None
    priority: str
    priority_explanation: str
    #: ``asset`` (its own SBOM) or ``product-version`` (its linked version's SBOM).
    via: str


class VexDocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    profile_version_id: int
    format: str
    filename: str
    sha256: str
    statement_count: int
    skipped_count: int
    uploaded_by: str | None
    uploaded_at: dt.datetime


def statement_out(s: VexStatement) -> StatementOut:
    return StatementOut(
        source=s.source,
        source_kind=s.source_kind.label,
        status=s.status.value,
        justification=s.justification.value if s.justification else None,
        original_status=s.original_status,
        original_justification=s.original_justification,
        impact_statement=s.impact_statement,
        action_statement=s.action_statement,
        timestamp=s.timestamp,
        pointer=s.pointer,
    )


def finding_out(component_id: int, f: Finding, item: AssetFinding | None = None) -> FindingOut:
    c, m = f.component, f.match
    return FindingOut(
        vulnerability=f.vulnerability,
        aliases=list(f.aliases),
        state=f.state.value,
        priority=f.priority.level.value,
        score=f.priority.score,
        known_exploited=f.known_exploited,
        component=ComponentRefOut(
            id=component_id, name=c.name, version=c.version, purl=c.purl, cpe=c.cpe, bom_ref=c.ref
        ),
        match=MatchOut(
            status=m.status.value,
            confidence=m.confidence.value,
            explanation=m.explanation,
            ecosystem=m.ecosystem,
            name=m.name,
            version=m.version,
            affected_index=m.affected_index,
        ),
        statements=[statement_out(s) for s in f.statements],
        factors=[
            FactorOut(
                name=x.name, value=x.value, contribution=x.contribution, source=x.source or None
            )
            for x in f.priority.factors
        ],
        priority_explanation=f.priority.explanation(),
        detail=f.detail(),
        asset_id=item.asset.id if item else None,
        asset_serial=item.asset.serial if item else None,
        sbom_id=item.sbom_id if item else None,
        via=item.via if item else None,
    )


def affected_out(a: AssetFinding) -> AffectedOut:
    f, c = a.finding, a.finding.component
    return AffectedOut(
        asset_id=a.asset.id,
        asset_serial=a.asset.serial,
        status=f.state.value,
        match_status=f.match.status.value,
        confidence=f.match.confidence.value,
        component=f"{c.name}@{c.version}" if c.version else c.name,
        component_id=a.component_id,
        explanation=f.match.explanation,
        decided_by=statement_out(f.decisive) if f.decisive is not None else None,
        priority=f.priority.level.value,
        priority_explanation=f.priority.explanation(),
        via=a.via,
    )


def item_out(item: AssetFinding) -> FindingOut:
    return finding_out(item.component_id, item.finding, item)


def findings_out(found: FindingList) -> FindingsOut:
    return FindingsOut(
        items=[item_out(i) for i in found.items],
        total=found.total,
        offset=found.offset,
        limit=found.limit,
        by_priority={k.value: v for k, v in found.by_priority.items()},
        by_state={k.value: v for k, v in found.by_state.items()},
        open_by_priority={k.value: v for k, v in found.open_by_priority.items()},
        assets=found.assets,
        assets_scanned=found.assets_scanned,
    )


def version_findings_out(found: VersionFindings) -> VersionFindingsOut:
    return VersionFindingsOut(
        version_id=found.version_id,
        sbom_id=found.sbom_id,
        items=[finding_out(cid, f) for cid, f in found.items],
        by_priority={k.value: v for k, v in found.by_priority.items()},
        by_state={k.value: v for k, v in found.by_state.items()},
        open_by_priority={k.value: v for k, v in found.open_by_priority.items()},
    )
