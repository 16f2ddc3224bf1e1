"""MDS2 pages: query the fleet by answers, upload vendors' MDS2 spreadsheets, compare two.

The query and the comparison are GET forms (bookmarkable, nothing changes); uploading and
deleting are POST forms with the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.inventory import services as inventory
from medsec.inventory.services import AssetFilter
from medsec.mds2 import fleet, services
from medsec.mds2.fleet import FleetResult
from medsec.mds2.importer import MAX_FILE_BYTES
from medsec.products import services as products
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.PRODUCTS_READ)]
Holder = Annotated[Viewer, page(Permission.HOLDINGS_MANAGE)]


def _index(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    result: FleetResult | None = None,
    query_error: str | None = None,
    preset: str = "",
    conditions: str = "",
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    actor = viewer.actor
    return render(
        request,
        "mds2/index.html",
        viewer=viewer,
        status=status,
        presets=list(fleet.PRESETS.values()),
        preset=preset,
        conditions=conditions,
        result=result,
        query_error=query_error,
        documents=services.list_uploads(session, actor),
        references=_references(session, viewer),
        asset_options=_asset_options(session, viewer),
        product_options=[("", "— not in medsec —")]
        + [
            (str(p.id), f"{p.manufacturer} {p.name}")
            for p in products.list_products(session, actor)
        ],
        can_upload=actor.can(Permission.HOLDINGS_MANAGE),
        errors=errors or FormErrors(),
        max_mb=MAX_FILE_BYTES // 1024 // 1024,
        kind_labels=KIND_LABELS,
    )


def _asset_options(session: Session, viewer: Viewer) -> list[tuple[str, str]]:
    """The devices an MDS2 can be attached to (none for organizations without inventory)."""
    actor = viewer.actor
    if not (actor.can(Permission.INVENTORY_READ) and actor.organization_kind.is_provider):
        return []
    assets, _ = inventory.list_assets(session, actor, AssetFilter(), limit=1000)
    return [("", "— no single device —")] + [
        (str(a.id), f"{a.vendor} {a.model} S/N {a.serial}") for a in assets
    ]


KIND_LABELS = {"asset": "device", "version": "derived from the profile", "document": "uploaded"}


def _references(session: Session, viewer: Viewer) -> list[tuple[str, str]]:
    """Everything that can be compared: (reference, label) pairs."""
    return [
        (f"{s.kind}:{s.id}", f"{s.label} ({KIND_LABELS[s.kind]})")
        for s in services.subjects(session, viewer.actor)
    ]


@router.get("/mds2")
def index(
    request: Request,
    session: DbSession,
    viewer: Reader,
    preset: str = "",
    conditions: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    """The fleet query: a preset, or conditions one per line (``STCF-1=No``)."""
    result = None
    error = None
    if preset or conditions.strip():
        try:
            query = (
                fleet.preset(preset)
                if preset
                else fleet.custom_query([c for c in conditions.splitlines() if c.strip()])
            )
            result = services.fleet(session, viewer.actor, query)
        except fleet.QueryError as e:
            error = explain(e)
    return _index(
        request,
        session,
        viewer,
        result=result,
        query_error=error,
        preset=preset,
        conditions=conditions,
        status=422 if error else 200,
    )


@router.post("/mds2/upload")
async def upload(
    request: Request,
    session: DbSession,
    viewer: Holder,
    file: Annotated[UploadFile | None, File()] = None,
    label: Annotated[str, Form(max_length=300)] = "",
    product_id: Annotated[str, Form()] = "",
    asset_id: Annotated[str, Form()] = "",
) -> Response:
    errors = FormErrors()
    if file is None or not file.filename:
        errors.add("file", "Choose an MDS2 file (.xlsx, .csv or .json).")
    elif product_id and not product_id.isdigit():
        errors.add("product_id", "Choose a product from the list.")
    elif asset_id and not asset_id.isdigit():
        errors.add("asset_id", "Choose a device from the list.")
    else:
        content = await file.read(MAX_FILE_BYTES + 1)
        try:
            services.upload(
                session,
                viewer.actor,
                file.filename,
                content,
                label=label,
                product_id=int(product_id) if product_id else None,
                asset_id=int(asset_id) if asset_id else None,
            )
        except Error as e:
            discard(session, e)
            errors.add("file", explain(e))
    if errors:
        return _index(request, session, viewer, errors=errors, status=422)
    return see_other("/mds2", "mds2-uploaded")


@router.post("/mds2/documents/{document_id}/delete")
def delete(document_id: ObjectId, session: DbSession, viewer: Holder) -> Response:
    services.delete_upload(session, viewer.actor, document_id)
    return see_other("/mds2", "mds2-deleted")


@router.get("/mds2/compare")
def compare(
    request: Request,
    session: DbSession,
    viewer: Reader,
    before: Annotated[str, Query(max_length=40)] = "",
    after: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The differences that matter between two MDS2s (derived or uploaded)."""
    before_label, after_label, differences = services.compare_references(
        session, viewer.actor, before, after
    )
    return render(
        request,
        "mds2/compare.html",
        viewer=viewer,
        before_label=before_label,
        after_label=after_label,
        differences=differences,
        references=_references(session, viewer),
        before=before,
        after=after,
    )
