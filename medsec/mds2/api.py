"""``/api/v1/mds2`` routes: fleet queries, uploaded MDS2 documents, comparisons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.params import MAX_ID, ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.mds2 import fleet, services
from medsec.mds2.export import to_json
from medsec.mds2.importer import MAX_FILE_BYTES
from medsec.mds2.schemas import Mds2DocumentOut, PresetOut

router = APIRouter(prefix="/api/v1/mds2", tags=["mds2"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.PRODUCTS_READ)]
Manager = Annotated[Actor, requires(Permission.HOLDINGS_MANAGE)]


@router.get("/presets")
def presets(actor: Reader) -> list[PresetOut]:
    """The named fleet queries."""
    return [
        PresetOut(name=q.name, title=q.title, conditions=[str(c) for c in q.conditions])
        for q in fleet.PRESETS.values()
    ]


@router.get("/fleet")
def fleet_query(
    actor: Reader,
    session: DbSession,
    preset: Annotated[str | None, Query(description="A preset name (see /presets).")] = None,
    condition: Annotated[
        list[str] | None,
        Query(description="QUESTION=Answer, repeatable (all must hold): STCF-1=No"),
    ] = None,
) -> dict[str, Any]:
    """Every device, product version and uploaded MDS2 of the organization matching the
    query; those that leave a queried question unanswered are listed as unknown."""
    query = fleet.preset(preset) if preset else fleet.custom_query(condition or [])
    return services.fleet(session, actor, query).as_json()


@router.get("/documents")
def list_documents(actor: Reader, session: DbSession) -> list[Mds2DocumentOut]:
    return [Mds2DocumentOut.model_validate(d) for d in services.list_uploads(session, actor)]


@router.post("/documents", status_code=201)
async def upload_document(
    file: UploadFile,
    actor: Manager,
    session: DbSession,
    label: Annotated[str | None, Form(max_length=300)] = None,
    product_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    asset_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Mds2DocumentOut:
    """Upload a manufacturer's MDS2 spreadsheet (.xlsx, .csv or medsec's .json), for a
    product and/or one device of the inventory (``asset_id``)."""
    content = await file.read(MAX_FILE_BYTES + 1)
    row = services.upload(
        session,
        actor,
        file.filename or "mds2.xlsx",
        content,
        label=label,
        product_id=product_id,
        asset_id=asset_id,
    )
    return Mds2DocumentOut.model_validate(row)


@router.get("/documents/{document_id}")
def get_document(document_id: ObjectId, actor: Reader, session: DbSession) -> dict[str, Any]:
    """The document's answers in the same JSON form as ``medsec mds2 export -o x.json``."""
    label, document = services.resolve(session, actor, f"document:{document_id}")
    return {"label": label, **to_json(document)}


@router.delete("/documents/{document_id}", status_code=204)
def delete_document(document_id: ObjectId, actor: Manager, session: DbSession) -> Response:
    services.delete_upload(session, actor, document_id)
    return Response(status_code=204)


@router.get("/compare")
def compare(
    actor: Reader,
    session: DbSession,
    before: Annotated[str, Query(description="version:ID, document:ID or asset:ID")],
    after: Annotated[str, Query(description="version:ID, document:ID or asset:ID")],
) -> dict[str, Any]:
    """The differences that matter between two MDS2s, most severe first."""
    before_label, after_label, differences = services.compare_references(
        session, actor, before, after
    )
    return {
        "before": {"reference": before, "label": before_label},
        "after": {"reference": after, "label": after_label},
        "differences": [d.as_json() for d in differences],
    }
