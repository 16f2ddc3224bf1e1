"""``/api/v1/disclosure`` routes and the instance's ``/.well-known/security.txt``.

Public (no account): submit a report, read a case and reply through its tracking token.
Everything else needs ``disclosure:triage``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, instance, public, requires
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.db.base import utcnow
from medsec.disclosure import intake, services
from medsec.disclosure.encryption import ReportSealer
from medsec.disclosure.schemas import (
    AdvisoryIn,
    CaseOut,
    CaseSummaryOut,
    CaseUpdateIn,
    MessageIn,
    MessageOut,
    ReceiptOut,
    ReportIn,
    TrackingOut,
    TransitionIn,
)
from medsec.disclosure.securitytxt import PATH, instance_security_txt
from medsec.errors import Error

router = APIRouter(prefix="/api/v1/disclosure", tags=["disclosure"], route_class=OneThreadRoute)
wellknown_router = APIRouter(tags=["disclosure"], route_class=OneThreadRoute)

Triage = Annotated[Actor, requires(Permission.DISCLOSURE_TRIAGE)]


@functools.lru_cache(maxsize=4)
def _sealer(secret: bytes) -> ReportSealer:
    return ReportSealer(secret)


def sealer_of(request: Request) -> ReportSealer:
    return _sealer(instance(request).settings.resolved_secret_key())


def limit_key(request: Request) -> str:
    ip = request.client.host if request.client else None
    return services.rate_key(instance(request).settings.resolved_secret_key(), ip)


def tracking_url(request: Request, token: str) -> str:
    return f"{instance(request).settings.base_url.rstrip('/')}/disclosure/track/{token}"


async def read_limited(request: Request, maximum: int) -> bytes:
    """The request body, refused with 413 past ``maximum`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > maximum:
        raise intake.PayloadTooLarge(
            f"the request is {declared} bytes; at most {maximum} are accepted",
            hint="send fewer or smaller attachments",
        )
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > maximum:
            raise intake.PayloadTooLarge(f"the request is larger than {maximum} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class InvalidJson(Error):
    kind = "validation"
    status = 422
    title = "The request is not valid"


def _submission(body: bytes) -> services.Submission:
    try:
        report = ReportIn.model_validate_json(body)
    except ValidationError as e:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in e.errors()
        )
        raise InvalidJson(where, hint="see the ReportIn schema in /api/openapi.json") from e
    attachments = []
    for a in report.attachments:
        try:
            content = base64.b64decode(a.content_base64, validate=True)
        except (binascii.Error, ValueError) as e:
            raise intake.InvalidSubmission(
                f"{a.filename}: content_base64 is not base64", field="attachments"
            ) from e
        attachments.append(intake.AttachmentIn(a.filename, content))
    return services.Submission(
        title=report.title,
        description=report.description,
        affected=report.affected,
        impact=report.impact,
        reproduction=report.reproduction,
        contact=report.contact,
        reporter_key=report.reporter_key,
        product_id=report.product_id,
        attachments=tuple(attachments),
    )


@router.post(
    "/{organization_slug}/reports",
    status_code=201,
    dependencies=[public()],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ReportIn.model_json_schema()}},
        }
    },
)
async def submit_report(organization_slug: str, request: Request, session: DbSession) -> ReceiptOut:
    """Report a vulnerability to an organization — no account needed. The answer's
    tracking link is the only way back to the case: keep it."""
    body = await read_limited(request, intake.MAX_REQUEST_BYTES)
    submission = _submission(body)
    settings = instance(request).settings
    receipt = await run_in_threadpool(
        services.submit,
        session,
        sealer_of(request),
        organization_slug,
        submission,
        limit_key=limit_key(request),
        limit=settings.disclosure_reports_per_hour,
    )
    return ReceiptOut(
        tracking_token=receipt.token,
        tracking_url=tracking_url(request, receipt.token),
        acknowledge_by=receipt.acknowledge_by,
    )


@router.get("/track/{token}", dependencies=[public()])
def track(token: str, request: Request, session: DbSession) -> TrackingOut:
    """The case behind a tracking token: status and messages."""
    view = services.reporter_view(session, sealer_of(request), token)
    return TrackingOut.model_validate(view)


@router.post("/track/{token}/messages", status_code=201, dependencies=[public()])
def reporter_message(
    token: str, body: MessageIn, request: Request, session: DbSession
) -> MessageOut:
    """The reporter writes to the team."""
    message = services.reporter_reply(
        session,
        sealer_of(request),
        token,
        body.body,
        limit_key=limit_key(request),
        limit=instance(request).settings.disclosure_reports_per_hour,
    )
    return MessageOut(author=message.author, body=body.body.strip(), created_at=message.created_at)


@router.get("/cases")
def list_cases(
    actor: Triage, request: Request, session: DbSession, overdue: bool = False
) -> list[CaseSummaryOut]:
    cases = services.list_cases(session, sealer_of(request), actor, overdue_only=overdue)
    return [CaseSummaryOut.model_validate(c) for c in cases]


def _case_out(detail: services.CaseDetail) -> CaseOut:
    return CaseOut.model_validate(detail, from_attributes=True)


@router.get("/cases/{case_id}")
def get_case(case_id: ObjectId, actor: Triage, request: Request, session: DbSession) -> CaseOut:
    return _case_out(services.case_detail(session, sealer_of(request), actor, case_id))


@router.post("/cases/{case_id}/state")
def change_state(
    case_id: ObjectId, body: TransitionIn, actor: Triage, request: Request, session: DbSession
) -> CaseSummaryOut:
    """Move the case to another state; an illegal transition answers 409."""
    services.transition(session, actor, case_id, body.state)
    summary = services.case_summary(session, sealer_of(request), actor, case_id)
    return CaseSummaryOut.model_validate(summary)


@router.patch("/cases/{case_id}")
def update_case(
    case_id: ObjectId, body: CaseUpdateIn, actor: Triage, request: Request, session: DbSession
) -> CaseSummaryOut:
    """Set the embargo date and the case flags (the whole set)."""
    services.update_case(
        session, actor, case_id, embargo_until=body.embargo_until, flags=set(body.flags)
    )
    summary = services.case_summary(session, sealer_of(request), actor, case_id)
    return CaseSummaryOut.model_validate(summary)


@router.post("/cases/{case_id}/messages", status_code=201)
def team_message(
    case_id: ObjectId, body: MessageIn, actor: Triage, request: Request, session: DbSession
) -> MessageOut:
    """Write to the reporter; the message appears on their tracking page."""
    message = services.team_reply(session, sealer_of(request), actor, case_id, body.body)
    return MessageOut(author=message.author, body=body.body.strip(), created_at=message.created_at)


@router.post("/cases/{case_id}/advisories", status_code=201)
def link_advisory(
    case_id: ObjectId, body: AdvisoryIn, actor: Triage, session: DbSession
) -> dict[str, str]:
    link = services.link_advisory(session, actor, case_id, body.tracking_id)
    return {"tracking_id": link.tracking_id}


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def get_attachment(
    case_id: ObjectId, attachment_id: ObjectId, actor: Triage, request: Request, session: DbSession
) -> Response:
    """An attachment, decrypted, as a download (never rendered inline)."""
    found = services.attachment_file(session, sealer_of(request), actor, case_id, attachment_id)
    return attachment_response(found)


def attachment_response(found: services.AttachmentFile) -> Response:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in found.filename)[:120]
    return Response(
        found.content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{safe or "attachment"}"',
            "X-Detected-Type": found.media_type,
            "Cache-Control": "no-store",
        },
    )


@wellknown_router.get(PATH, dependencies=[public()], response_model=None)
def security_txt(request: Request) -> Response:
    """The instance's security.txt (RFC 9116), from the ``MEDSEC_DISCLOSURE_*`` settings."""
    text = instance_security_txt(instance(request).settings, utcnow())
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={int(dt.timedelta(hours=1).total_seconds())}"},
    )
