"""``/api/v1/cases`` — incident cases between a hospital and a manufacturer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.escalation import presenting, services
from medsec.escalation.kinds import Severity, State
from medsec.escalation.schemas import (
    AfterActionIn,
    AttachmentOut,
    CaseIn,
    CaseOut,
    CaseSummary,
    MessageIn,
    MessageOut,
    TransitionIn,
)

router = APIRouter(prefix="/api/v1", tags=["escalation"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.CASES_READ)]
Writer = Annotated[Actor, requires(Permission.CASES_WRITE)]


@router.get("/cases")
def list_cases(
    actor: Reader,
    session: DbSession,
    overdue: bool | None = None,
    severity: Severity | None = None,
    product_id: Annotated[int | None, Query(ge=1)] = None,
    state: State | None = None,
    active: bool = False,
) -> list[CaseSummary]:
    """The hospital's own cases; for a manufacturer, its queue across all customers."""
    where = services.QueueFilter(overdue, severity, product_id, state, active)
    return presenting.summaries(session, services.cases(session, actor, where))


@router.post("/cases", status_code=201)
def open_case(body: CaseIn, actor: Writer, session: DbSession) -> CaseOut:
    """Open a case about a held product (an asset linked to it, or a version)."""
    case = services.open_case(session, actor, body)
    return presenting.detail(session, actor, case)


@router.get("/cases/{case_id}")
def get_case(case_id: ObjectId, actor: Reader, session: DbSession) -> CaseOut:
    return presenting.detail(session, actor, services.get_case(session, actor, case_id))


@router.post("/cases/{case_id}/messages", status_code=201)
def post_message(
    case_id: ObjectId, body: MessageIn, actor: Writer, session: DbSession
) -> MessageOut:
    return MessageOut.model_validate(services.post_message(session, actor, case_id, body.body))


@router.post("/cases/{case_id}/state")
def change_state(
    case_id: ObjectId, body: TransitionIn, actor: Writer, session: DbSession
) -> CaseOut:
    """Move the case on (closing needs after-action notes; the hospital reopens)."""
    case = services.transition(session, actor, case_id, body)
    return presenting.detail(session, actor, case)


@router.put("/cases/{case_id}/after-action")
def save_after_action(
    case_id: ObjectId, body: AfterActionIn, actor: Writer, session: DbSession
) -> CaseOut:
    case = services.save_after_action(session, actor, case_id, body.after_action)
    return presenting.detail(session, actor, case)


@router.post("/cases/{case_id}/attachments", status_code=201)
def add_attachment(
    case_id: ObjectId,
    actor: Writer,
    session: DbSession,
    file: Annotated[UploadFile, File()],
    item: Annotated[int | None, Form(ge=0, le=1000)] = None,
) -> AttachmentOut:
    """A file for the case; ``item`` is the index of the "what to send" entry it answers."""
    content = file.file.read(services.MAX_ATTACHMENT_BYTES + 1)
    found = services.add_attachment(
        session, actor, case_id, file.filename or "attachment",
        file.content_type or "application/octet-stream", content, item,
    )  # fmt: skip
    return AttachmentOut.model_validate(found)


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def get_attachment(
    case_id: ObjectId, attachment_id: ObjectId, actor: Reader, session: DbSession
) -> Response:
    found = services.get_attachment(session, actor, case_id, attachment_id)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename.replace(chr(34), "")}"',
            "ETag": f'"{found.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
