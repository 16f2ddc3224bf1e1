"""Advisories in the browser.

Manufacturer: the list of its advisories; the edit form (products from its stored
profiles, vulnerability and remediation rows, notes) with **Check** — the readability of
each note against a target grade (default 9), long sentences and jargon, and what CSAF
validation and publishing would say, all computed on the server (no JavaScript); the
advisory page with its revisions, previews, publishing (needs a recent login) and who was
notified and who acknowledged.

Hospital: the advisories it was sent (``/advisories/received``), each with its pages and an
**Acknowledge** button.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession, instance
from medsec.accounts.models import Organization
from medsec.accounts.roles import Permission
from medsec.advisories.publishing import publish, services
from medsec.advisories.publishing.models import Advisory
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.advisories.readability import DEFAULT_TARGET_GRADE
from medsec.api.routing import OneThreadRoute
from medsec.db.base import utcnow
from medsec.errors import AuthenticationRequired, Error, NotFound
from medsec.web import advisory_form as af
from medsec.web.access import Viewer, discard, page
from medsec.web.account_views import reauth_page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.PRODUCTS_READ)]
Writer = Annotated[Viewer, page(Permission.PRODUCTS_WRITE)]
Publisher = Annotated[Viewer, page(Permission.PRODUCTS_PUBLISH)]
Acknowledger = Annotated[Viewer, page(Permission.HOLDINGS_MANAGE)]


def _target(request: Request) -> ProviderTarget:
    return ProviderTarget.from_settings(instance(request).settings)


# --------------------------------------------------------------------------- lists


@router.get("/advisories")
def advisories(request: Request, session: DbSession, viewer: Reader) -> Response:
    if not viewer.actor.organization_kind.is_manufacturer:
        return RedirectResponse("/advisories/received", status_code=303)
    return render(
        request,
        "advisories/index.html",
        viewer=viewer,
        advisories=services.list_advisories(session, viewer.actor),
        can_write=viewer.actor.can(Permission.PRODUCTS_WRITE),
    )


@router.get("/advisories/received")
def received(request: Request, session: DbSession, viewer: Reader) -> Response:
    return render(
        request,
        "advisories/received.html",
        viewer=viewer,
        items=publish.received(session, viewer.actor),
    )


def _received_page(
    request: Request, session: Session, viewer: Viewer, advisory_id: int, status: int = 200
) -> Response:
    item = publish.received_one(session, viewer.actor, advisory_id)
    can_acknowledge = (
        viewer.actor.can(Permission.HOLDINGS_MANAGE)
        and viewer.actor.organization_kind.is_provider
        and item.acknowledged_at is None
    )
    return render(
        request,
        "advisories/received_one.html",
        viewer=viewer,
        status=status,
        item=item,
        can_acknowledge=can_acknowledge,
    )


@router.get("/advisories/received/{advisory_id}")
def received_one(
    request: Request, session: DbSession, viewer: Reader, advisory_id: int
) -> Response:
    return _received_page(request, session, viewer, advisory_id)


@router.post("/advisories/received/{advisory_id}/acknowledge")
def acknowledge(
    request: Request, session: DbSession, viewer: Acknowledger, advisory_id: int
) -> Response:
    publish.acknowledge(session, viewer.actor, advisory_id)
    return see_other(f"/advisories/received/{advisory_id}", "advisory-acknowledged")


# --------------------------------------------------------------------------- the form


def _defaults(session: Session, viewer: Viewer, request: Request) -> dict[str, Any]:
    org = session.get(Organization, viewer.actor.organization_id)
    site = instance(request).settings.base_url
    return {
        "advisory_version": 1,
        "tracking_id": "",
        "title": "",
        "status": "final",
        "tlp": "WHITE",
        "lang": "en",
        "publisher": {
            "name": org.name if org else "",
            "namespace": site if site.startswith("https://") else "",
            "category": "vendor",
        },
        "products": [],
        "notes": {},
        "vulnerabilities": [],
        "revisions": [],
    }


def _form_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    advisory: Advisory | None,
    payload: dict[str, Any],
    *,
    revision: dict[str, str],
    errors: FormErrors | None = None,
    check: services.Check | None = None,
    target_grade: float = DEFAULT_TARGET_GRADE,
    status: int = 200,
) -> Response:
    choices = af.choices(services.profile_versions(session, viewer.actor.organization_id), payload)
    history = services.published_history(advisory) if advisory else []
    return render(
        request,
        "advisories/form.html",
        viewer=viewer,
        status=status,
        advisory=advisory,
        values=payload,
        products=choices,
        chosen=af.chosen(payload, choices),
        refs=af.refs(payload),
        status_of=af.status_of,
        history=history,
        revision=revision,
        errors=errors or FormErrors(),
        check=check,
        readability={r.field: r.report for r in check.readability} if check else {},
        target_grade=target_grade,
        af=af,
    )


def _new_revision(advisory: Advisory | None, draft: dict[str, Any]) -> dict[str, str]:
    """The form's "this revision" fields: the draft's pending revision, if any."""
    published = len(services.published_history(advisory)) if advisory else 0
    pending = draft.get("revisions", [])[published:]
    if pending:
        return {"summary": pending[0]["summary"], "change": pending[0].get("change", "minor")}
    return {"summary": "" if published else "First release.", "change": "minor"}


@router.get("/advisories/new")
def new_form(request: Request, session: DbSession, viewer: Writer) -> Response:
    services.list_advisories(session, viewer.actor)  # a manufacturer only (403 otherwise)
    payload = _defaults(session, viewer, request)
    return _form_page(
        request, session, viewer, None, payload, revision=_new_revision(None, payload)
    )


@router.get("/advisories/{advisory_id}/edit")
def edit_form(request: Request, session: DbSession, viewer: Writer, advisory_id: int) -> Response:
    advisory = services.own_advisory(session, viewer.actor, advisory_id)
    return _form_page(
        request,
        session,
        viewer,
        advisory,
        advisory.draft,
        revision=_new_revision(advisory, advisory.draft),
    )


def _target_grade(form: Any, errors: FormErrors) -> float:
    raw = str(form.get("target_grade", "")).strip()
    if not raw:
        return DEFAULT_TARGET_GRADE
    try:
        grade = float(raw)
    except ValueError:
        grade = -1.0
    if not 1 <= grade <= 20:
        errors.add("target_grade", "Enter a target grade from 1 to 20.")
        return DEFAULT_TARGET_GRADE
    return grade


async def _submit(
    request: Request, session: Session, viewer: Viewer, advisory: Advisory | None
) -> Response:
    form = await request.form()
    errors = FormErrors()
    grade = _target_grade(form, errors)
    history = services.published_history(advisory) if advisory else []
    choices = af.choices(
        services.profile_versions(session, viewer.actor.organization_id),
        advisory.draft if advisory else None,
    )
    now = utcnow().replace(microsecond=0).isoformat()
    payload = af.parse(form, choices, history, now)
    revision = {
        "summary": str(form.get("revision_summary", "")),
        "change": str(form.get("revision_change", "minor")),
    }
    parsed = af.validate(payload)
    for problem in parsed.problems:
        errors.add(None, problem)
    if parsed.data is None or errors:
        return _form_page(
            request, session, viewer, advisory, payload, revision=revision, errors=errors,
            target_grade=grade, status=422,
        )  # fmt: skip
    if form.get("action") == "check":
        subject = advisory or Advisory(
            organization_id=viewer.actor.organization_id,
            tracking_id=parsed.data.tracking_id,
            revisions=[],
        )
        found = services.check(session, subject, parsed.data, _target(request), target_grade=grade)
        return _form_page(
            request, session, viewer, advisory, payload, revision=revision, check=found,
            target_grade=grade,
        )  # fmt: skip
    try:
        if advisory is None:
            advisory = services.create(session, viewer.actor, parsed.data)
        else:
            advisory = services.update(session, viewer.actor, advisory.id, parsed.data)
    except NotFound:
        raise
    except Error as e:
        discard(session, e)
        errors.add(None, explain(e))
        return _form_page(
            request, session, viewer, None if advisory is None else advisory, payload,
            revision=revision, errors=errors, target_grade=grade, status=e.status,
        )  # fmt: skip
    return see_other(f"/advisories/{advisory.id}", "advisory-saved")


@router.post("/advisories/new")
async def create(request: Request, session: DbSession, viewer: Writer) -> Response:
    services.list_advisories(session, viewer.actor)  # a manufacturer only (403 otherwise)
    return await _submit(request, session, viewer, None)


@router.post("/advisories/{advisory_id}/edit")
async def edit(request: Request, session: DbSession, viewer: Writer, advisory_id: int) -> Response:
    advisory = services.own_advisory(session, viewer.actor, advisory_id)
    return await _submit(request, session, viewer, advisory)


# --------------------------------------------------------------------------- one advisory


def _advisory_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    advisory_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    advisory = services.own_advisory(session, viewer.actor, advisory_id)
    last = advisory.revisions[-1] if advisory.revisions else None
    return render(
        request,
        "advisories/advisory.html",
        viewer=viewer,
        status=status,
        error=error,
        advisory=advisory,
        unpublished=last is None or advisory.updated_at > last.published_at,
        recipients=publish.recipients(session, viewer.actor, advisory_id),
        can_write=viewer.actor.can(Permission.PRODUCTS_WRITE),
        can_publish=viewer.actor.can(Permission.PRODUCTS_PUBLISH),
    )


@router.get("/advisories/{advisory_id}")
def advisory_page(
    request: Request, session: DbSession, viewer: Reader, advisory_id: int
) -> Response:
    return _advisory_page(request, session, viewer, advisory_id)


@router.post("/advisories/{advisory_id}/publish")
def publish_advisory(
    request: Request, session: DbSession, viewer: Publisher, advisory_id: int
) -> Response:
    try:
        publish.publish(session, viewer.actor, advisory_id, _target(request))
    except AuthenticationRequired as e:
        discard(session, e)
        return reauth_page(
            request, viewer, reason=explain(e), next_url=f"/advisories/{advisory_id}"
        )
    except NotFound:
        raise
    except Error as e:
        discard(session, e)
        return _advisory_page(
            request, session, viewer, advisory_id, error=explain(e), status=e.status
        )
    return see_other(f"/advisories/{advisory_id}", "advisory-published")
