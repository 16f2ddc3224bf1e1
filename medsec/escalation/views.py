"""Case pages: the list (a hospital's cases, a manufacturer's queue), opening a case, and
one case with its timers, messages, attachments, state and after-action notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.escalation import presenting, services
from medsec.escalation.kinds import SEVERITY_MEANING, PatientSafety, Severity, State
from medsec.escalation.schemas import CaseIn, TransitionIn
from medsec.inventory.models import Asset
from medsec.products import services as products
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.CASES_READ)]
Writer = Annotated[Viewer, page(Permission.CASES_WRITE)]


@router.get("/cases")
def index(
    request: Request,
    session: DbSession,
    viewer: Reader,
    overdue: str = "",
    severity: str = "",
    product_id: str = "",
) -> Response:
    """Cases, newest first, filtered by overdue, severity and product."""
    where = services.QueueFilter(
        overdue=True if overdue == "yes" else None,
        severity=Severity(severity) if severity in set(Severity) else None,
        product_id=int(product_id) if product_id.isdigit() and len(product_id) < 10 else None,
    )
    found = services.cases(session, viewer.actor, where)
    return render(
        request, "escalation/index.html", viewer=viewer,
        cases=presenting.summaries(session, found),
        severities=[("", "any")] + [(s.value, s.value) for s in Severity],
        products=[("", "any")]
        + [(str(p.id), p.name) for p in products.list_products(session, viewer.actor)],
        filters={"overdue": overdue, "severity": severity, "product_id": product_id},
        can_open=viewer.actor.can(Permission.CASES_WRITE)
        and viewer.actor.organization_kind.is_provider,
    )  # fmt: skip


def _choices(
    session: Session, viewer: Viewer
) -> tuple[list[tuple[str, str]], list[tuple[str, list[str]]]]:
    """(asset or version options, what-to-send list of each held product)."""
    actor = viewer.actor
    options: list[tuple[str, str]] = [("", "— choose —")]
    lists: list[tuple[str, list[str]]] = []
    held = [
        p
        for p in products.list_products(session, actor)
        if p.organization_id != actor.organization_id
    ]
    for product in held:
        published = [v for v in product.versions if v.status == "published"]
        options.extend((f"version:{v.id}", f"{product.name} {v.version}") for v in published)
        if published:
            profile = products.profile_of(published[-1])
            lists.append((product.name, [str(i) for i in profile.recovery.incident_information]))
    assets = session.execute(
        select(Asset)
        .where(
            Asset.organization_id == actor.organization_id, Asset.profile_version_id.is_not(None)
        )
        .order_by(Asset.serial)
    ).scalars()
    options.extend((f"asset:{a.id}", f"Asset {a.serial} ({a.vendor} {a.model})") for a in assets)
    return options, lists


def _form(
    request: Request, session: Session, viewer: Viewer, errors: FormErrors | None = None,
    values: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    options, lists = _choices(session, viewer)
    return render(
        request, "escalation/new.html", viewer=viewer, status=status,
        errors=errors or FormErrors(), values=values or {}, subjects=options, lists=lists,
        severities=[(s.value, f"{s.value} — {SEVERITY_MEANING[s]}") for s in Severity],
        safety=[(p.value, p.value) for p in PatientSafety],
    )  # fmt: skip


@router.get("/cases/new")
def new(request: Request, session: DbSession, viewer: Writer) -> Response:
    return _form(request, session, viewer)


@router.post("/cases/new")
def create(
    request: Request,
    session: DbSession,
    viewer: Writer,
    subject: Annotated[str, Form(max_length=40)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    symptoms: Annotated[str, Form(max_length=20_000)] = "",
    severity: Annotated[str, Form(max_length=16)] = "",
    patient_safety: Annotated[str, Form(max_length=16)] = "",
    patient_safety_detail: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    values = {
        "subject": subject, "title": title, "symptoms": symptoms, "severity": severity,
        "patient_safety": patient_safety, "patient_safety_detail": patient_safety_detail,
    }  # fmt: skip
    errors = FormErrors()
    errors.require("title", title, "a title")
    errors.require("symptoms", symptoms, "the symptoms")
    kind, _, ident = subject.partition(":")
    if kind not in ("asset", "version") or not ident.isdigit() or len(ident) > 9:
        errors.add("subject", "Choose the asset or product version the case is about.")
    if errors:
        return _form(request, session, viewer, errors, values, 422)
    try:
        data = CaseIn(
            asset_id=int(ident) if kind == "asset" else None,
            profile_version_id=int(ident) if kind == "version" else None,
            title=title, symptoms=symptoms, severity=Severity(severity),
            patient_safety=PatientSafety(patient_safety),
            patient_safety_detail=patient_safety_detail or None,
        )  # fmt: skip
        case = services.open_case(session, viewer.actor, data)
    except (ValueError, ValidationError):
        errors.add("severity", "Choose a severity and a patient-safety answer from the lists.")
        return _form(request, session, viewer, errors, values, 422)
    except Error as e:
        discard(session, e)
        errors.add("subject", explain(e))
        return _form(request, session, viewer, errors, values, 422)
    return see_other(f"/cases/{case.id}")


def _case_page(
    request: Request, session: Session, viewer: Viewer, case_id: int,
    errors: FormErrors | None = None, status: int = 200,
) -> Response:  # fmt: skip
    case = services.get_case(session, viewer.actor, case_id)
    return render(
        request, "escalation/case.html", viewer=viewer, status=status,
        case=presenting.detail(session, viewer.actor, case), errors=errors or FormErrors(),
        can_write=viewer.actor.can(Permission.CASES_WRITE),
        max_mb=services.MAX_ATTACHMENT_BYTES // 1024 // 1024,
        types=sorted(services.ATTACHMENT_TYPES),
    )  # fmt: skip


@router.get("/cases/{case_id}")
def show(request: Request, session: DbSession, viewer: Reader, case_id: ObjectId) -> Response:
    return _case_page(request, session, viewer, case_id)


@router.post("/cases/{case_id}/messages")
def message(
    request: Request, session: DbSession, viewer: Writer, case_id: ObjectId,
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:  # fmt: skip
    errors = FormErrors()
    errors.require("body", body, "a message")
    if not errors:
        try:
            services.post_message(session, viewer.actor, case_id, body)
        except Error as e:
            discard(session, e)
            errors.add("body", explain(e))
    if errors:
        return _case_page(request, session, viewer, case_id, errors, 422)
    return see_other(f"/cases/{case_id}#messages")


@router.post("/cases/{case_id}/state")
def state(
    request: Request, session: DbSession, viewer: Writer, case_id: ObjectId,
    to: Annotated[str, Form(max_length=24)] = "",
    note: Annotated[str, Form(max_length=20_000)] = "",
    after_action: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:  # fmt: skip
    errors = FormErrors()
    try:
        change = TransitionIn(state=State(to), note=note or None, after_action=after_action or None)
        services.transition(session, viewer.actor, case_id, change)
    except ValueError:
        errors.add("to", "Choose a state from the list.")
    except Error as e:
        discard(session, e)
        errors.add("to", explain(e))
    if errors:
        return _case_page(request, session, viewer, case_id, errors, 422)
    return see_other(f"/cases/{case_id}")


@router.post("/cases/{case_id}/after-action")
def after_action(
    request: Request, session: DbSession, viewer: Writer, case_id: ObjectId,
    text: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:  # fmt: skip
    errors = FormErrors()
    errors.require("text", text, "the after-action notes")
    if not errors:
        services.save_after_action(session, viewer.actor, case_id, text)
        return see_other(f"/cases/{case_id}#after-action")
    return _case_page(request, session, viewer, case_id, errors, 422)


@router.post("/cases/{case_id}/attachments")
async def attach(
    request: Request, session: DbSession, viewer: Writer, case_id: ObjectId,
    file: Annotated[UploadFile | None, File()] = None,
    item: Annotated[str, Form(max_length=5)] = "",
) -> Response:  # fmt: skip
    errors = FormErrors()
    if file is None or not file.filename:
        errors.add("file", "Choose a file.")
    else:
        content = await file.read(services.MAX_ATTACHMENT_BYTES + 1)
        try:
            services.add_attachment(
                session, viewer.actor, case_id, file.filename,
                file.content_type or "application/octet-stream", content,
                int(item) if item.isdigit() else None,
            )  # fmt: skip
        except Error as e:
            discard(session, e)
            errors.add("file", explain(e))
    if errors:
        return _case_page(request, session, viewer, case_id, errors, 422)
    return see_other(f"/cases/{case_id}#attachments")
