"""SBOM pages: the SBOM section of a profile version's page and of an asset's page
(summary, upload form), the components page with the NTIA findings, and the uploads.

Downloads and the JSON views are the API's (``/api/v1/…/sbom/document``), which accepts
the session cookie, so the pages link to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import DocumentError, Error
from medsec.inventory.models import Asset
from medsec.products.models import ProfileVersion
from medsec.sbom import services
from medsec.sbom.models import StoredSbom
from medsec.sbom.uploads import spooled
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

ProductReader = Annotated[Viewer, page(Permission.PRODUCTS_READ)]
ProductWriter = Annotated[Viewer, page(Permission.PRODUCTS_WRITE)]
AssetReader = Annotated[Viewer, page(Permission.INVENTORY_READ)]
AssetWriter = Annotated[Viewer, page(Permission.INVENTORY_WRITE)]
PAGE_SIZE = 100


@dataclass(frozen=True)
class Section:
    """What the SBOM section of a version's or asset's page shows."""

    sbom: StoredSbom | None
    page_url: str
    upload_url: str | None
    api_url: str
    immutable_note: str | None = None
    #: The page of the vulnerability findings of this version or asset.
    findings_url: str | None = None


def version_section(session: Session, viewer: Viewer, version: ProfileVersion) -> Section:
    owner = services.version_owner(session, viewer.actor, version.id)
    own = version.product.organization_id == viewer.actor.organization_id
    can_upload = own and version.status == "draft" and viewer.actor.can(Permission.PRODUCTS_WRITE)
    return Section(
        services.current(session, owner),
        f"/versions/{version.id}/sbom",
        f"/versions/{version.id}/sbom" if can_upload else None,
        f"/api/v1/profile-versions/{version.id}/sbom",
        "The version is published: its SBOM is immutable (a correction is a new version)."
        if own and version.status == "published"
        else None,
        findings_url=f"/versions/{version.id}/findings",
    )


def asset_section(session: Session, viewer: Viewer, asset: Asset) -> Section:
    owner = services.asset_owner(session, viewer.actor, asset.id)
    can_upload = viewer.actor.can(Permission.INVENTORY_WRITE)
    url = f"/inventory/assets/{asset.id}/sbom"
    return Section(
        services.current(session, owner),
        url,
        url if can_upload else None,
        f"/api/v1/assets/{asset.id}/sbom",
        findings_url=f"/inventory/assets/{asset.id}/findings",
    )


def _components_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    owner: services.Owner,
    title: str,
    back: str,
    api_url: str,
    name: str | None,
    offset: int,
) -> Response:
    sbom = services.sbom_of(session, owner)
    rows, total = services.components(
        session, sbom, services.ComponentFilter(name=name), offset, PAGE_SIZE
    )
    return render(
        request,
        "sbom/components.html",
        viewer=viewer,
        sbom=sbom,
        title=title,
        back=back,
        api_url=api_url,
        components=rows,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        name=name or "",
        elements=sbom.ntia.get("elements", []),
    )


def _upload_failed(request: Request, viewer: Viewer, back: str, error: Error) -> Response:
    problems: list[str] = []
    if isinstance(error, DocumentError):
        problems = [str(p) for p in error.problems]
    return render(
        request,
        "sbom/upload_failed.html",
        viewer=viewer,
        status=error.status,
        message=explain(error),
        problems=problems,
        back=back,
    )


Page = Annotated[int, Query(ge=0, le=10_000_000)]
Name = Annotated[str | None, Query(max_length=200)]


@router.get("/versions/{version_id}/sbom")
def version_components(
    request: Request,
    session: DbSession,
    viewer: ProductReader,
    version_id: int,
    name: Name = None,
    offset: Page = 0,
) -> Response:
    from medsec.products import services as products

    version = products.get_version(session, viewer.actor, version_id)
    owner = services.version_owner(session, viewer.actor, version_id)
    title = f"{version.product.name} {version.version}"
    api = f"/api/v1/profile-versions/{version_id}/sbom"
    return _components_page(
        request, session, viewer, owner, title, f"/versions/{version_id}", api, name, offset
    )


@router.post("/versions/{version_id}/sbom")
def version_upload(
    request: Request,
    session: DbSession,
    viewer: ProductWriter,
    version_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    back = f"/versions/{version_id}"
    try:
        services.check_version_attachable(session, viewer.actor, version_id)
        if file is None or not file.filename:
            raise Error("choose an SBOM file", hint="CycloneDX JSON/XML or SPDX JSON/tag-value")
        with spooled(file.file, file.filename) as path:
            source, document = services.read_file(path, file.filename)
            services.attach_to_version(session, viewer.actor, version_id, source, document)
    except Error as e:
        discard(session, e)
        return _upload_failed(request, viewer, back, e)
    return see_other(back, "sbom-attached")


@router.get("/inventory/assets/{asset_id}/sbom")
def asset_components(
    request: Request,
    session: DbSession,
    viewer: AssetReader,
    asset_id: int,
    name: Name = None,
    offset: Page = 0,
) -> Response:
    owner = services.asset_owner(session, viewer.actor, asset_id)
    asset = session.get(Asset, asset_id)
    title = f"{asset.vendor} {asset.model} {asset.serial}" if asset else str(asset_id)
    api = f"/api/v1/assets/{asset_id}/sbom"
    back = f"/inventory/assets/{asset_id}"
    return _components_page(request, session, viewer, owner, title, back, api, name, offset)


@router.post("/inventory/assets/{asset_id}/sbom")
def asset_upload(
    request: Request,
    session: DbSession,
    viewer: AssetWriter,
    asset_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    back = f"/inventory/assets/{asset_id}"
    try:
        services.check_asset_attachable(session, viewer.actor, asset_id)
        if file is None or not file.filename:
            raise Error("choose an SBOM file", hint="CycloneDX JSON/XML or SPDX JSON/tag-value")
        with spooled(file.file, file.filename) as path:
            source, document = services.read_file(path, file.filename)
            services.attach_to_asset(session, viewer.actor, asset_id, source, document)
    except Error as e:
        discard(session, e)
        return _upload_failed(request, viewer, back, e)
    return see_other(back, "sbom-attached")
