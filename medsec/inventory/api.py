"""``/api/v1`` routes for sites, zones, assets, imports and identity self-reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, UploadFile
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.pagination import Page, PageParams, page_params
from medsec.api.params import MAX_ID, ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.inventory import identity, importer, services
from medsec.inventory.fields import Criticality
from medsec.inventory.rows import MAX_FILE_BYTES, parse_mapping, read_rows
from medsec.inventory.schemas import (
    AssetEventOut,
    AssetIn,
    AssetOut,
    AssetPatch,
    IdentityIn,
    IdentityOut,
    ImportReportOut,
    SiteIn,
    SiteOut,
    SitePatch,
    ZoneIn,
    ZoneOut,
)

router = APIRouter(prefix="/api/v1", tags=["inventory"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.INVENTORY_READ)]
Writer = Annotated[Actor, requires(Permission.INVENTORY_WRITE)]
Reporter = Annotated[Actor, requires(Permission.INVENTORY_REPORT_IDENTITY)]
FilterId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/sites")
def list_sites(actor: Reader, session: DbSession) -> list[SiteOut]:
    return [SiteOut.model_validate(s) for s in services.list_sites(session, actor)]


@router.post("/sites", status_code=201)
def create_site(body: SiteIn, actor: Writer, session: DbSession) -> SiteOut:
    return SiteOut.model_validate(services.create_site(session, actor, body))


@router.get("/sites/{site_id}")
def get_site(site_id: ObjectId, actor: Reader, session: DbSession) -> SiteOut:
    return SiteOut.model_validate(services.get_site(session, actor, site_id))


@router.patch("/sites/{site_id}")
def update_site(site_id: ObjectId, body: SitePatch, actor: Writer, session: DbSession) -> SiteOut:
    return SiteOut.model_validate(services.update_site(session, actor, site_id, body))


@router.delete("/sites/{site_id}", status_code=204)
def delete_site(site_id: ObjectId, actor: Writer, session: DbSession) -> Response:
    services.delete_site(session, actor, site_id)
    return Response(status_code=204)


@router.post("/sites/{site_id}/zones", status_code=201)
def add_zone(site_id: ObjectId, body: ZoneIn, actor: Writer, session: DbSession) -> ZoneOut:
    return ZoneOut.model_validate(services.add_zone(session, actor, site_id, body))


@router.delete("/zones/{zone_id}", status_code=204)
def delete_zone(zone_id: ObjectId, actor: Writer, session: DbSession) -> Response:
    services.delete_zone(session, actor, zone_id)
    return Response(status_code=204)


@router.get("/assets")
def list_assets(
    actor: Reader,
    session: DbSession,
    page: Annotated[PageParams, Depends(page_params)],
    site_id: FilterId = None,
    zone_id: FilterId = None,
    criticality: Criticality | None = None,
    vendor: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search text.")] = None,
) -> Page[AssetOut]:
    where = services.AssetFilter(
        site_id, zone_id, criticality.value if criticality else None, vendor, q
    )
    rows, total = services.list_assets(session, actor, where, page.offset, page.limit)
    items = [AssetOut.model_validate(a) for a in rows]
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


@router.post("/assets", status_code=201)
def create_asset(body: AssetIn, actor: Writer, session: DbSession) -> AssetOut:
    values = body.model_dump(exclude={"site_id", "zone_id"})
    asset = services.create_asset(session, actor, body.site_id, body.zone_id, values)
    return AssetOut.model_validate(asset)


@router.post("/assets/identity")
def report_identity(body: IdentityIn, actor: Reporter, session: DbSession) -> IdentityOut:
    """A device or its manufacturer's central server reports its identity (upsert by
    serial); use a token with only the ``inventory:report-identity`` scope."""
    result = identity.report_identity(session, actor, body)
    return IdentityOut(
        asset=AssetOut.model_validate(result.asset),
        created=result.created,
        firmware_changed=result.firmware_changed,
        sbom_stored=result.sbom_stored,
        sbom_problem=result.sbom_problem,
    )


@router.post("/assets/import")
async def import_assets(
    file: UploadFile,
    actor: Writer,
    session: DbSession,
    site_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    mapping: UploadFile | None = None,
    dry_run: Annotated[bool, Form()] = False,
) -> ImportReportOut:
    """Import a CSV or JSON file into a site, all rows or none (422 lists every problem)."""
    services.require(actor, Permission.INVENTORY_WRITE)
    columns = None
    if mapping is not None:
        columns = parse_mapping(mapping.filename or "mapping.toml", await mapping.read(65536))
    content = await file.read(MAX_FILE_BYTES + 1)
    table = read_rows(file.filename or "upload", content, columns)
    report = importer.import_table(session, actor, site_id, table, dry_run=dry_run)
    return ImportReportOut.model_validate(report.as_json())


@router.get("/assets/{asset_id}")
def get_asset(asset_id: ObjectId, actor: Reader, session: DbSession) -> AssetOut:
    return AssetOut.model_validate(services.get_asset(session, actor, asset_id))


@router.patch("/assets/{asset_id}")
def update_asset(
    asset_id: ObjectId, body: AssetPatch, actor: Writer, session: DbSession
) -> AssetOut:
    return AssetOut.model_validate(services.update_asset(session, actor, asset_id, body))


@router.delete("/assets/{asset_id}", status_code=204)
def delete_asset(asset_id: ObjectId, actor: Writer, session: DbSession) -> Response:
    services.delete_asset(session, actor, asset_id)
    return Response(status_code=204)


@router.get("/assets/{asset_id}/events")
def asset_events(asset_id: ObjectId, actor: Reader, session: DbSession) -> list[AssetEventOut]:
    return [AssetEventOut.model_validate(e) for e in services.events(session, actor, asset_id)]
