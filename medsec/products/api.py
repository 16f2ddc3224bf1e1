"""``/api/v1`` routes for products and profile versions, and the public documents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, instance, public, requires
from medsec.accounts.roles import Permission
from medsec.api.pagination import Page, PageParams, page_params
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.products import services
from medsec.products.artifacts import parse_artifact
from medsec.products.public import document_of
from medsec.products.schemas import CatalogOut, HoldingIn, ProductOut, VersionOut

router = APIRouter(prefix="/api/v1", tags=["products"], route_class=OneThreadRoute)
public_router = APIRouter(prefix="/public", tags=["public documents"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.PRODUCTS_READ)]


def _artifact_response(version: Any, name: str) -> Response:
    document = document_of(version, parse_artifact(name))
    headers = {"ETag": document.etag}
    if version.status == "published":
        headers["Cache-Control"] = "public, max-age=300"
    return Response(document.body, media_type=document.media_type, headers=headers)


@router.get("/products")
def list_products(
    actor: Reader, session: DbSession, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ProductOut]:
    products = services.list_products(session, actor)
    items = [ProductOut.model_validate(p) for p in products[page.offset : page.offset + page.limit]]
    return Page(items=items, total=len(products), offset=page.offset, limit=page.limit)


@router.post("/profiles", status_code=201)
async def upload_profile(
    file: UploadFile,
    actor: Annotated[Actor, requires(Permission.PRODUCTS_WRITE)],
    session: DbSession,
) -> VersionOut:
    """Upload a profile (YAML or JSON); it is validated and linted, and stored as a draft."""
    content = await file.read(services.MAX_UPLOAD_BYTES + 1)
    version = services.upload(session, actor, file.filename or "profile.yaml", content)
    return VersionOut.model_validate(version)


@router.get("/products/{product_id}/versions")
def list_versions(product_id: ObjectId, actor: Reader, session: DbSession) -> list[VersionOut]:
    return [VersionOut.model_validate(v) for v in services.versions(session, actor, product_id)]


@router.get("/profile-versions/{version_id}")
def get_version(version_id: ObjectId, actor: Reader, session: DbSession) -> VersionOut:
    return VersionOut.model_validate(services.get_version(session, actor, version_id))


@router.get("/profile-versions/{version_id}/artifacts/{name}")
def get_artifact(version_id: ObjectId, name: str, actor: Reader, session: DbSession) -> Response:
    return _artifact_response(services.get_version(session, actor, version_id), name)


@router.post("/profile-versions/{version_id}/publish")
def publish(
    version_id: ObjectId,
    actor: Annotated[Actor, requires(Permission.PRODUCTS_PUBLISH)],
    session: DbSession,
) -> VersionOut:
    return VersionOut.model_validate(services.publish(session, actor, version_id))


@router.get("/profile-versions/{old_id}/diff/{new_id}")
def diff(
    old_id: ObjectId, new_id: ObjectId, actor: Reader, session: DbSession
) -> list[dict[str, Any]]:
    return services.compare(session, actor, old_id, new_id)


@router.get("/catalog")
def catalog(actor: Reader, session: DbSession) -> list[CatalogOut]:
    return [CatalogOut(**vars(entry)) for entry in services.catalog(session, actor)]


@router.post("/holdings", status_code=201)
def add_holding(
    body: HoldingIn,
    actor: Annotated[Actor, requires(Permission.HOLDINGS_MANAGE)],
    session: DbSession,
) -> dict[str, int]:
    holding = services.hold(session, actor, body.product_id, body.note)
    return {"product_id": holding.product_id}


@router.delete("/holdings/{product_id}", status_code=204)
def remove_holding(
    product_id: ObjectId,
    actor: Annotated[Actor, requires(Permission.HOLDINGS_MANAGE)],
    session: DbSession,
) -> Response:
    services.release(session, actor, product_id)
    return Response(status_code=204)


@public_router.get("/profiles/{version_id}/{name}", dependencies=[public()])
async def public_artifact(version_id: ObjectId, name: str, request: Request) -> Response:
    """A published version's guide, security.txt or profile — no login needed.

    Answered from the process's cache of published documents when it can be (no
    database session); ``If-None-Match`` with the ETag gets ``304 Not Modified``.
    """
    documents = instance(request).public_documents
    document = documents.cached(version_id, name)
    if document is None:
        document = await run_in_threadpool(documents.get, version_id, name)
    headers = {"ETag": document.etag, "Cache-Control": "public, max-age=300"}
    if request.headers.get("if-none-match") == document.etag:
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type=document.media_type, headers=headers)
