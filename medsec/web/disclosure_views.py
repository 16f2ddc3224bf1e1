"""Pages of coordinated vulnerability disclosure (:mod:`medsec.disclosure`).

Public, without an account and without JavaScript: the list of programs, the report form
(multipart, double-submit CSRF cookie as the login form) and the reporter's tracking page
with its reply form. For the team (``disclosure:triage``): the case list and the case page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from medsec.accounts.dependencies import DbSession, instance, public
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.disclosure import intake, services
from medsec.disclosure.api import attachment_response, limit_key, sealer_of
from medsec.disclosure.states import FLAG_LABELS, Flag
from medsec.errors import Error, RateLimited
from medsec.web.access import (
    Viewer,
    check_login_csrf,
    discard,
    login_csrf_token,
    page,
    set_login_csrf_cookie,
)
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Triage = Annotated[Viewer, page(Permission.DISCLOSURE_TRIAGE)]
Text = Annotated[str, Form()]
NO_REFERRER = {"Referrer-Policy": "no-referrer"}


# --------------------------------------------------------------------------- team


@router.get("/disclosure/cases")
def cases_page(
    request: Request, viewer: Triage, session: DbSession, overdue: bool = False
) -> Response:
    cases = services.list_cases(session, sealer_of(request), viewer.actor, overdue_only=overdue)
    return render(
        request,
        "disclosure/cases.html",
        viewer=viewer,
        cases=cases,
        overdue_only=overdue,
        now=dt.datetime.now(dt.UTC),
    )


def _case_page(
    request: Request, viewer: Viewer, session: DbSession, case_id: int, error: str | None = None
) -> Response:
    detail = services.case_detail(session, sealer_of(request), viewer.actor, case_id)
    return render(
        request,
        "disclosure/case.html",
        viewer=viewer,
        status=200 if error is None else 422,
        case=detail,
        flags=[(f, FLAG_LABELS[f]) for f in Flag],
        error=error,
        notice_text=_CASE_NOTICES.get(request.query_params.get("saved", "")),
    )


_CASE_NOTICES = {
    "state": "The state was changed.",
    "details": "The embargo date and flags were saved.",
    "message": "The message was sent; the reporter sees it on their tracking page.",
    "advisory": "The advisory was linked.",
}


@router.get("/disclosure/cases/{case_id}")
def case_page(case_id: int, request: Request, viewer: Triage, session: DbSession) -> Response:
    return _case_page(request, viewer, session, case_id)


def _after(case_id: int, saved: str) -> Response:
    return RedirectResponse(f"/disclosure/cases/{case_id}?saved={saved}", status_code=303)


def _refused(
    request: Request, viewer: Viewer, session: DbSession, case_id: int, error: Error
) -> Response:
    if error.status == 404:
        raise error
    discard(session, error)
    return _case_page(request, viewer, session, case_id, explain(error))


@router.post("/disclosure/cases/{case_id}/state")
def case_state(
    case_id: int, request: Request, viewer: Triage, session: DbSession, state: Text = ""
) -> Response:
    try:
        services.transition(session, viewer.actor, case_id, state)
    except Error as e:
        return _refused(request, viewer, session, case_id, e)
    return _after(case_id, "state")


@router.post("/disclosure/cases/{case_id}/details")
async def case_details(
    case_id: int, request: Request, viewer: Triage, session: DbSession
) -> Response:
    form = await request.form()
    embargo = str(form.get("embargo_until") or "").strip()
    chosen = {Flag(v) for v in form.getlist("flags") if v in {f.value for f in Flag}}

    def save() -> Response:
        try:
            day = dt.date.fromisoformat(embargo) if embargo else None
        except ValueError:
            return _refused(
                request, viewer, session, case_id, Error(f"{embargo!r} is not a date (YYYY-MM-DD)")
            )
        try:
            services.update_case(session, viewer.actor, case_id, embargo_until=day, flags=chosen)
        except Error as e:
            return _refused(request, viewer, session, case_id, e)
        return _after(case_id, "details")

    return await run_in_threadpool(save)


@router.post("/disclosure/cases/{case_id}/messages")
def case_message(
    case_id: int, request: Request, viewer: Triage, session: DbSession, body: Text = ""
) -> Response:
    try:
        services.team_reply(session, sealer_of(request), viewer.actor, case_id, body)
    except Error as e:
        return _refused(request, viewer, session, case_id, e)
    return _after(case_id, "message")


@router.post("/disclosure/cases/{case_id}/advisories")
def case_advisory(
    case_id: int, request: Request, viewer: Triage, session: DbSession, tracking_id: Text = ""
) -> Response:
    try:
        services.link_advisory(session, viewer.actor, case_id, tracking_id)
    except Error as e:
        return _refused(request, viewer, session, case_id, e)
    return _after(case_id, "advisory")


@router.get("/disclosure/cases/{case_id}/attachments/{attachment_id}")
def case_attachment(
    case_id: int, attachment_id: int, request: Request, viewer: Triage, session: DbSession
) -> Response:
    found = services.attachment_file(
        session, sealer_of(request), viewer.actor, case_id, attachment_id
    )
    return attachment_response(found)


# --------------------------------------------------------------------------- public


@router.get("/disclosure", dependencies=[public()])
def programs_page(request: Request, session: DbSession) -> Response:
    """Where to report: the organizations that receive reports on this instance."""
    return render(
        request, "disclosure/index.html", viewer=None, programs=services.list_programs(session)
    )


def _report_form(
    request: Request,
    program: services.ProgramEntry,
    values: dict[str, str],
    errors: FormErrors,
    status: int = 200,
) -> Response:
    csrf = login_csrf_token(request)
    response = render(
        request,
        "disclosure/report.html",
        viewer=None,
        status=status,
        csrf_token=csrf,
        program=program,
        product_options=[("", "Not sure / not listed")]
        + [(str(pid), name) for pid, name in program.products],
        values=values,
        errors=errors,
        fields=intake.FIELDS,
        max_attachments=intake.MAX_ATTACHMENTS,
        max_mib=intake.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        accepted=", ".join(e for endings in intake.ALLOWED_TYPES.values() for e in endings),
    )
    set_login_csrf_cookie(response, csrf, request)
    return response


@router.get("/disclosure/{slug}/report", dependencies=[public()])
def report_page(slug: str, request: Request, session: DbSession) -> Response:
    program = services.program_entry(session, services.program_by_slug(session, slug))
    return _report_form(request, program, {}, FormErrors())


@router.post("/disclosure/{slug}/report", dependencies=[public()])
async def report_submit(slug: str, request: Request, session: DbSession) -> Response:
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > intake.MAX_REQUEST_BYTES:
        raise intake.PayloadTooLarge(
            f"the form is larger than {intake.MAX_REQUEST_BYTES // (1024 * 1024)} MiB "
            "(or its size was not declared)",
            hint="attach fewer or smaller files",
        )
    form = await request.form(max_files=intake.MAX_ATTACHMENTS + 1, max_fields=20)
    values = {name: str(form.get(name) or "") for name in [*intake.FIELDS, "reporter_key"]}
    product = str(form.get("product_id") or "")
    values["product_id"] = product
    uploads = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    attachments = []
    for upload in uploads:
        content = await upload.read(intake.MAX_ATTACHMENT_BYTES + 1)
        attachments.append(intake.AttachmentIn(upload.filename or "", content))
    csrf = str(form.get("csrf_token") or "")
    settings = instance(request).settings
    key = limit_key(request)

    def store() -> Response:
        check_login_csrf(request, csrf)
        program = services.program_by_slug(session, slug)
        submission = services.Submission(
            title=values["title"],
            description=values["description"],
            affected=values["affected"],
            impact=values["impact"],
            reproduction=values["reproduction"],
            contact=values["contact"],
            reporter_key=values["reporter_key"],
            product_id=int(product) if product.isdigit() and len(product) < 10 else None,
            attachments=tuple(attachments),
        )
        try:
            receipt = services.submit(
                session,
                sealer_of(request),
                slug,
                submission,
                limit_key=key,
                limit=settings.disclosure_reports_per_hour,
            )
        except (intake.InvalidSubmission, intake.PayloadTooLarge, RateLimited) as e:
            discard(session, e)
            errors = FormErrors()
            errors.add(getattr(e, "field", None), explain(e))
            entry = services.program_entry(session, program)
            return _report_form(request, entry, values, errors, status=e.status)
        return RedirectResponse(
            f"/disclosure/track/{receipt.token}?received=1", status_code=303, headers=NO_REFERRER
        )

    return await run_in_threadpool(store)


def _tracking_page(
    request: Request, session: DbSession, token: str, errors: FormErrors, status: int = 200
) -> Response:
    view = services.reporter_view(session, sealer_of(request), token)
    csrf = login_csrf_token(request)
    response = render(
        request,
        "disclosure/track.html",
        viewer=None,
        status=status,
        csrf_token=csrf,
        case=view,
        token=token,
        link=f"{instance(request).settings.base_url.rstrip('/')}/disclosure/track/{token}",
        received=request.query_params.get("received") == "1",
        sent=request.query_params.get("sent") == "1",
        errors=errors,
    )
    set_login_csrf_cookie(response, csrf, request)
    response.headers.update(NO_REFERRER)
    return response


@router.get("/disclosure/track/{token}", dependencies=[public()])
def tracking_page(token: str, request: Request, session: DbSession) -> Response:
    """The reporter's private page: status and messages; the link is the only key."""
    return _tracking_page(request, session, token, FormErrors())


@router.post("/disclosure/track/{token}", dependencies=[public()])
def tracking_reply(
    token: str, request: Request, session: DbSession, body: Text = "", csrf_token: Text = ""
) -> Response:
    check_login_csrf(request, csrf_token)
    try:
        services.reporter_reply(
            session,
            sealer_of(request),
            token,
            body,
            limit_key=limit_key(request),
            limit=instance(request).settings.disclosure_reports_per_hour,
        )
    except (intake.InvalidSubmission, RateLimited) as e:
        discard(session, e)
        errors = FormErrors()
        errors.add("body", explain(e))
        return _tracking_page(request, session, token, errors, status=e.status)
    return RedirectResponse(
        f"/disclosure/track/{token}?sent=1", status_code=303, headers=NO_REFERRER
    )
