"""``/api/v1`` routes of vulnerability findings, manufacturer VEX and hospital triage.

Hospital: ``GET /findings`` (the fleet), ``GET /assets/{id}/findings`` (one asset), each
filterable by ``state``, ``priority``, ``kev``, ``site_id``, ``open``, ``q`` and exportable
as CycloneDX VEX or OpenVEX (``…/findings/export?format=``); one finding with its evidence
at ``GET /assets/{id}/findings/{component_id}/{vulnerability}``; triage with ``POST …/triage``.
Manufacturer: ``POST /profile-versions/{id}/vex`` (multipart ``file``), ``GET …/vex``,
``GET /profile-versions/{id}/findings``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, UploadFile
from fastapi.responses import JSONResponse

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.pagination import PageParams, page_params
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.findings import affected, decisions, exports, services, vex
from medsec.findings.schemas import (
    AffectedOut,
    FindingOut,
    FindingsOut,
    TriageIn,
    TriageOut,
    VersionFindingsOut,
    VexDocumentOut,
    affected_out,
    findings_out,
    item_out,
    version_findings_out,
)
from medsec.findings.services import FindingFilter
from medsec.vulns.findings import FindingState
from medsec.vulns.priority import Level
from medsec.vulns.vex.documents import MAX_VEX_BYTES

router = APIRouter(prefix="/api/v1", tags=["findings"], route_class=OneThreadRoute)

AssetReader = Annotated[Actor, requires(Permission.INVENTORY_READ)]
Triager = Annotated[Actor, requires(Permission.FINDINGS_TRIAGE)]
ProductReader = Annotated[Actor, requires(Permission.PRODUCTS_READ)]
ProductWriter = Annotated[Actor, requires(Permission.PRODUCTS_WRITE)]
Vulnerability = Annotated[str, Path(min_length=1, max_length=200)]
ALL = 1_000_000


def filters(
    state: Annotated[FindingState | None, Query()] = None,
    priority: Annotated[Level | None, Query()] = None,
    kev: Annotated[bool | None, Query()] = None,
    site_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    open: Annotated[bool, Query(description="only affected or under investigation")] = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> FindingFilter:
    return FindingFilter(state, priority, kev, site_id, open, q)


Filters = Annotated[FindingFilter, Depends(filters)]
Paging = Annotated[PageParams, Depends(page_params)]
Format = Annotated[exports.ExportFormat, Query()]


def _document(
    items: list[services.AssetFinding], fmt: exports.ExportFormat, actor: Actor
) -> JSONResponse:
    body = exports.export(items, fmt, author=actor.username)
    return JSONResponse(body, media_type=fmt.media_type)


@router.get("/findings")
def fleet(actor: AssetReader, session: DbSession, where: Filters, page: Paging) -> FindingsOut:
    """Every finding of the hospital's assets, highest priority first, with counts."""
    found = services.fleet_findings(session, actor, where, page.offset, page.limit)
    return findings_out(found)


@router.get("/findings/export")
def fleet_export(
    actor: AssetReader, session: DbSession, where: Filters, format: Format
) -> JSONResponse:
    """The fleet's findings (as filtered) as one CycloneDX VEX or OpenVEX document."""
    found = services.fleet_findings(session, actor, where, 0, ALL)
    return _document(list(found.items), format, actor)


@router.get("/vulnerabilities/{record_id}/affected-assets")
def affected_assets(
    record_id: Vulnerability,
    actor: AssetReader,
    session: DbSession,
    suppressed: Annotated[
        bool, Query(description="also the assets VEX or triage says are not affected or fixed")
    ] = False,
) -> list[AffectedOut]:
    """The hospital's devices a stored OSV record (or NVD CVE) concerns, as their findings
    say: ecosystem-correct version and CPE matching, the manufacturer's VEX and the
    hospital's triage applied — open first, then unknown version (then suppressed)."""
    found = affected.affected_by_stored(session, actor, record_id, suppressed=suppressed)
    return [affected_out(a) for a in found]


@router.get("/assets/{asset_id}/findings")
def asset(
    asset_id: ObjectId, actor: AssetReader, session: DbSession, where: Filters, page: Paging
) -> FindingsOut:
    found = services.asset_findings(session, actor, asset_id, where, page.offset, page.limit)
    return findings_out(found)


@router.get("/assets/{asset_id}/findings/export")
def asset_export(
    asset_id: ObjectId, actor: AssetReader, session: DbSession, where: Filters, format: Format
) -> JSONResponse:
    found = services.asset_findings(session, actor, asset_id, where, 0, ALL)
    return _document(list(found.items), format, actor)


@router.get("/assets/{asset_id}/findings/{component_id}/{vulnerability}")
def one(
    asset_id: ObjectId,
    component_id: ObjectId,
    vulnerability: Vulnerability,
    actor: AssetReader,
    session: DbSession,
) -> FindingOut:
    """One finding with its evidence: the match, the statements, the priority factors."""
    detail = services.finding(session, actor, asset_id, component_id, vulnerability)
    return item_out(detail.item)


@router.post("/assets/{asset_id}/findings/{component_id}/{vulnerability}/triage", status_code=201)
def triage(
    asset_id: ObjectId,
    component_id: ObjectId,
    vulnerability: Vulnerability,
    body: TriageIn,
    actor: Triager,
    session: DbSession,
) -> TriageOut:
    """Record the hospital's decision on a finding (it replaces an earlier one)."""
    decision = decisions.TriageDecision(body.status, body.justification, body.note)
    row = decisions.record_triage(session, actor, asset_id, component_id, vulnerability, decision)
    return TriageOut.model_validate(row)


@router.get("/profile-versions/{version_id}/findings")
def version(
    version_id: ObjectId, actor: ProductReader, session: DbSession, where: Filters
) -> VersionFindingsOut:
    """The findings of the version's own SBOM with the manufacturer's VEX applied."""
    return version_findings_out(services.version_findings(session, actor, version_id, where))


@router.post("/profile-versions/{version_id}/vex", status_code=201)
async def attach_vex(
    version_id: ObjectId, file: UploadFile, actor: ProductWriter, session: DbSession
) -> VexDocumentOut:
    """Attach a CycloneDX VEX, OpenVEX or CSAF VEX document to one of your versions."""
    vex.check_attachable(session, actor, version_id)
    data = await file.read(MAX_VEX_BYTES + 1)
    row = vex.attach(session, actor, version_id, data, file.filename or "vex.json")
    return VexDocumentOut.model_validate(row)


@router.get("/profile-versions/{version_id}/vex")
def version_vex(
    version_id: ObjectId, actor: ProductReader, session: DbSession
) -> list[VexDocumentOut]:
    return [VexDocumentOut.model_validate(d) for d in vex.documents(session, actor, version_id)]
