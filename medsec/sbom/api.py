"""``/api/v1`` routes for the SBOMs of profile versions and of assets.

Attach with ``POST …/sbom`` (multipart ``file``); read with ``GET …/sboms`` (the list,
today at most one), ``…/sbom/components`` (paged, filtered), ``…/sbom/ntia`` and
``…/sbom/document`` (the file as uploaded, when it was kept).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.pagination import Page, PageParams, page_params
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.sbom import services
from medsec.sbom.models import StoredSbom
from medsec.sbom.schemas import ComponentOut, NtiaElementOut, NtiaOut, SbomOut
from medsec.sbom.uploads import spooled

router = APIRouter(prefix="/api/v1", tags=["sbom"], route_class=OneThreadRoute)

ProductReader = Annotated[Actor, requires(Permission.PRODUCTS_READ)]
ProductWriter = Annotated[Actor, requires(Permission.PRODUCTS_WRITE)]
AssetReader = Annotated[Actor, requires(Permission.INVENTORY_READ)]
AssetWriter = Annotated[Actor, requires(Permission.INVENTORY_WRITE)]
Text = Annotated[str | None, Query(max_length=200)]


def _components(
    session: Session,
    sbom: StoredSbom,
    page: PageParams,
    name: str | None,
    purl: str | None,
    type: str | None,
    purl_type: str | None,
) -> Page[ComponentOut]:
    where = services.ComponentFilter(name, purl, type, purl_type)
    rows, total = services.components(session, sbom, where, page.offset, page.limit)
    items = [ComponentOut.model_validate(c) for c in rows]
    return Page(items=items, total=total, offset=page.offset, limit=page.limit)


def _ntia(sbom: StoredSbom) -> NtiaOut:
    elements = [NtiaElementOut.model_validate(e) for e in sbom.ntia.get("elements", [])]
    return NtiaOut(sbom_id=sbom.id, passed=sbom.ntia_passed, elements=elements)


def _document(sbom: StoredSbom) -> StreamingResponse:
    chunks = services.document_chunks(sbom)
    media_type = services.DOCUMENT_TYPES.get(sbom.format, "application/octet-stream")
    safe = "".join(ch for ch in sbom.filename if ch.isalnum() or ch in "._-") or "sbom"
    headers = {"Content-Disposition": f'attachment; filename="{safe}"', "ETag": sbom.sha256}
    return StreamingResponse(chunks, media_type=media_type, headers=headers)


# --------------------------------------------------------------------------- versions


@router.post("/profile-versions/{version_id}/sbom", status_code=201)
def attach_to_version(
    version_id: ObjectId, file: UploadFile, actor: ProductWriter, session: DbSession
) -> SbomOut:
    """Attach (or, while the version is a draft, replace) the version's SBOM."""
    services.check_version_attachable(session, actor, version_id)
    name = file.filename or "sbom.json"
    with spooled(file.file, name) as path:
        source, document = services.read_file(path, name)
        sbom = services.attach_to_version(session, actor, version_id, source, document)
    return SbomOut.model_validate(sbom)


@router.get("/profile-versions/{version_id}/sboms")
def version_sboms(version_id: ObjectId, actor: ProductReader, session: DbSession) -> list[SbomOut]:
    owner = services.version_owner(session, actor, version_id)
    return [SbomOut.model_validate(s) for s in services.sboms_of(session, owner)]


@router.get("/profile-versions/{version_id}/sbom/components")
def version_components(
    version_id: ObjectId,
    actor: ProductReader,
    session: DbSession,
    page: Annotated[PageParams, Depends(page_params)],
    name: Text = None,
    purl: Text = None,
    type: Text = None,
    purl_type: Text = None,
) -> Page[ComponentOut]:
    sbom = services.sbom_of(session, services.version_owner(session, actor, version_id))
    return _components(session, sbom, page, name, purl, type, purl_type)


@router.get("/profile-versions/{version_id}/sbom/ntia")
def version_ntia(version_id: ObjectId, actor: ProductReader, session: DbSession) -> NtiaOut:
    return _ntia(services.sbom_of(session, services.version_owner(session, actor, version_id)))


@router.get("/profile-versions/{version_id}/sbom/document")
def version_document(
    version_id: ObjectId, actor: ProductReader, session: DbSession
) -> StreamingResponse:
    owner = services.version_owner(session, actor, version_id)
    return _document(services.sbom_of(session, owner))


# --------------------------------------------------------------------------- assets


@router.post("/assets/{asset_id}/sbom", status_code=201)
def attach_to_asset(
    asset_id: ObjectId, file: UploadFile, actor: AssetWriter, session: DbSession
) -> SbomOut:
    """Attach (replacing any previous one) the SBOM of one of the hospital's assets."""
    services.check_asset_attachable(session, actor, asset_id)
    name = file.filename or "sbom.json"
    with spooled(file.file, name) as path:
        source, document = services.read_file(path, name)
        sbom = services.attach_to_asset(session, actor, asset_id, source, document)
    return SbomOut.model_validate(sbom)


@router.get("/assets/{asset_id}/sboms")
def asset_sboms(asset_id: ObjectId, actor: AssetReader, session: DbSession) -> list[SbomOut]:
    owner = services.asset_owner(session, actor, asset_id)
    return [SbomOut.model_validate(s) for s in services.sboms_of(session, owner)]


@router.get("/assets/{asset_id}/sbom/components")
def asset_components(
    asset_id: ObjectId,
    actor: AssetReader,
    session: DbSession,
    page: Annotated[PageParams, Depends(page_params)],
    name: Text = None,
    purl: Text = None,
    type: Text = None,
    purl_type: Text = None,
) -> Page[ComponentOut]:
    sbom = services.sbom_of(session, services.asset_owner(session, actor, asset_id))
    return _components(session, sbom, page, name, purl, type, purl_type)


@router.get("/assets/{asset_id}/sbom/ntia")
def asset_ntia(asset_id: ObjectId, actor: AssetReader, session: DbSession) -> NtiaOut:
    return _ntia(services.sbom_of(session, services.asset_owner(session, actor, asset_id)))


@router.get("/assets/{asset_id}/sbom/document")
def asset_document(asset_id: ObjectId, actor: AssetReader, session: DbSession) -> StreamingResponse:
    return _document(services.sbom_of(session, services.asset_owner(session, actor, asset_id)))
