"""Update information in the browser: a product's releases (import a manifest, publish),
a profile version's third-party patch list (import) and its lifecycle notice (edit,
publish). Holders of the product see the published information."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import AuthenticationRequired, DocumentError, Error, NotFound
from medsec.products import services as products
from medsec.updates import services
from medsec.updates.manifest import read_patches, read_release
from medsec.updates.models import LifecycleNotice
from medsec.updates.schemas import NoticeIn
from medsec.web.access import Viewer, discard, page
from medsec.web.account_views import reauth_page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.PRODUCTS_READ)]
Writer = Annotated[Viewer, page(Permission.UPDATES_WRITE)]
Publisher = Annotated[Viewer, page(Permission.UPDATES_PUBLISH)]

MAX_FILE_BYTES = 6 * 1024 * 1024


def _may(viewer: Viewer, permission: Permission, owner_id: int) -> bool:
    actor = viewer.actor
    return (
        actor.can(permission)
        and actor.organization_kind.is_manufacturer
        and owner_id == actor.organization_id
    )


async def _text(file: UploadFile | None, errors: FormErrors) -> tuple[str, str] | None:
    if file is None or not file.filename:
        errors.add("file", "Choose a file (YAML or JSON).")
        return None
    content = await file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        errors.add("file", f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
        return None
    try:
        return file.filename, content.decode("utf-8")
    except UnicodeDecodeError as e:
        errors.add("file", f"The file is not UTF-8 text (byte {e.start}).")
        return None


def _problems(e: DocumentError) -> list[str]:
    return [
        f"{p.location.line}:{p.location.column}"
        + (f" {p.location.path}" if p.location.path else "")
        + f": {p.message}"
        for p in e.problems
    ]


# --------------------------------------------------------------------------- releases


def _releases_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    product_id: int,
    *,
    errors: FormErrors | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    found = services.releases(session, viewer.actor, product_id)
    product = products.visible_product(session, viewer.actor, product_id)
    return render(
        request,
        "updates/releases.html",
        viewer=viewer,
        status=status,
        product=product,
        releases=found,
        can_write=_may(viewer, Permission.UPDATES_WRITE, product.organization_id),
        errors=errors or FormErrors(),
        problems=problems or [],
    )


@router.get("/products/{product_id}/updates")
def releases(request: Request, session: DbSession, viewer: Reader, product_id: int) -> Response:
    return _releases_page(request, session, viewer, product_id)


@router.post("/products/{product_id}/updates")
async def import_release(
    request: Request,
    session: DbSession,
    viewer: Writer,
    product_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Validate a release manifest and keep it as a draft; every problem is listed."""
    errors = FormErrors()
    loaded = await _text(file, errors)
    if loaded is None:
        return _releases_page(request, session, viewer, product_id, errors=errors, status=422)
    try:
        release = services.create_release(
            session, viewer.actor, product_id, read_release(loaded[1], loaded[0])
        )
    except DocumentError as e:
        discard(session, e)
        errors.add("file", f"{e.source} is not a valid release manifest: see the problems below.")
        return _releases_page(
            request, session, viewer, product_id, errors=errors, problems=_problems(e), status=422
        )
    except NotFound:
        raise
    except Error as e:
        discard(session, e)
        errors.add("file", explain(e))
        return _releases_page(request, session, viewer, product_id, errors=errors, status=e.status)
    return see_other(f"/updates/{release.id}", "release-saved")


def _release_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    release_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    release = services.get_release(session, viewer.actor, release_id)
    can_publish = release.status == "draft" and _may(
        viewer, Permission.UPDATES_PUBLISH, release.product.organization_id
    )
    return render(
        request,
        "updates/release.html",
        viewer=viewer,
        status=status,
        error=error,
        release=release,
        product=release.product,
        can_publish=can_publish,
    )


@router.get("/updates/{release_id}")
def release_page(request: Request, session: DbSession, viewer: Reader, release_id: int) -> Response:
    return _release_page(request, session, viewer, release_id)


@router.post("/updates/{release_id}/publish")
def publish_release(
    request: Request, session: DbSession, viewer: Publisher, release_id: int
) -> Response:
    try:
        services.publish_release(session, viewer.actor, release_id)
    except AuthenticationRequired as e:
        discard(session, e)
        return reauth_page(request, viewer, reason=explain(e), next_url=f"/updates/{release_id}")
    except NotFound:
        raise
    except Error as e:
        discard(session, e)
        return _release_page(
            request, session, viewer, release_id, error=explain(e), status=e.status
        )
    return see_other(f"/updates/{release_id}", "release-published")


# --------------------------------------------------------------------------- patch lists


def _patches_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    version_id: int,
    *,
    errors: FormErrors | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    version = products.get_version(session, viewer.actor, version_id)
    return render(
        request,
        "updates/patches.html",
        viewer=viewer,
        status=status,
        version=version,
        product=version.product,
        patches=services.patches(session, viewer.actor, version_id),
        can_write=_may(viewer, Permission.UPDATES_WRITE, version.product.organization_id),
        errors=errors or FormErrors(),
        problems=problems or [],
    )


@router.get("/versions/{version_id}/patches")
def patches(request: Request, session: DbSession, viewer: Reader, version_id: int) -> Response:
    return _patches_page(request, session, viewer, version_id)


@router.post("/versions/{version_id}/patches")
async def import_patches(
    request: Request,
    session: DbSession,
    viewer: Writer,
    version_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    errors = FormErrors()
    loaded = await _text(file, errors)
    if loaded is None:
        return _patches_page(request, session, viewer, version_id, errors=errors, status=422)
    try:
        services.import_patches(
            session, viewer.actor, version_id, read_patches(loaded[1], loaded[0])
        )
    except DocumentError as e:
        discard(session, e)
        errors.add("file", f"{e.source} is not a valid patch list: see the problems below.")
        return _patches_page(
            request, session, viewer, version_id, errors=errors, problems=_problems(e), status=422
        )
    except NotFound:
        raise
    except Error as e:
        discard(session, e)
        errors.add("file", explain(e))
        return _patches_page(request, session, viewer, version_id, errors=errors, status=e.status)
    return see_other(f"/versions/{version_id}/patches", "patches-saved")


# --------------------------------------------------------------------------- notices


NOTICE_DATES = ("end_of_sale", "end_of_support", "end_of_security_updates")
NOTICE_TEXTS = ("plan", "risks", "compensating_controls")


def _notice_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    version_id: int,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    version = products.get_version(session, viewer.actor, version_id)
    notice: LifecycleNotice | None
    try:
        notice = services.get_notice(session, viewer.actor, version_id)
    except NotFound:
        notice = None
    own = version.product.organization_id
    if values is None:
        values = dict.fromkeys((*NOTICE_DATES, *NOTICE_TEXTS, "lead_months"), "")
        if notice is not None:
            for name in (*NOTICE_DATES, *NOTICE_TEXTS):
                found = getattr(notice, name)
                values[name] = found.isoformat() if isinstance(found, dt.date) else found or ""
            values["lead_months"] = str(notice.lead_months)
    return render(
        request,
        "updates/notice.html",
        viewer=viewer,
        status=status,
        version=version,
        product=version.product,
        lifecycle=notice,
        values=values,
        default_lead=services.lead_months(session, own),
        can_write=_may(viewer, Permission.UPDATES_WRITE, own),
        can_publish=notice is not None
        and notice.published_at is None
        and _may(viewer, Permission.UPDATES_PUBLISH, own),
        errors=errors or FormErrors(),
    )


@router.get("/versions/{version_id}/lifecycle")
def notice(request: Request, session: DbSession, viewer: Reader, version_id: int) -> Response:
    return _notice_page(request, session, viewer, version_id)


@router.post("/versions/{version_id}/lifecycle")
def save_notice(
    request: Request,
    session: DbSession,
    viewer: Writer,
    version_id: int,
    end_of_sale: Annotated[str, Form()] = "",
    end_of_support: Annotated[str, Form()] = "",
    end_of_security_updates: Annotated[str, Form()] = "",
    plan: Annotated[str, Form()] = "",
    risks: Annotated[str, Form()] = "",
    compensating_controls: Annotated[str, Form()] = "",
    lead_months: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "end_of_sale": end_of_sale, "end_of_support": end_of_support,
        "end_of_security_updates": end_of_security_updates, "plan": plan, "risks": risks,
        "compensating_controls": compensating_controls, "lead_months": lead_months,
    }  # fmt: skip
    errors = FormErrors()
    dates: dict[str, dt.date | None] = {}
    for name in NOTICE_DATES:
        text = values[name].strip()
        try:
            dates[name] = dt.date.fromisoformat(text) if text else None
        except ValueError:
            errors.add(name, "Enter the date as YYYY-MM-DD.")
    lead: int | None = None
    if lead_months.strip():
        if not lead_months.strip().isdigit() or int(lead_months) > 120:
            errors.add("lead_months", "Enter a number of months from 0 to 120.")
        else:
            lead = int(lead_months)
    if not errors and not any(dates.values()):
        errors.add("end_of_support", "Enter at least one of the three dates.")
    if errors:
        return _notice_page(
            request, session, viewer, version_id, errors=errors, values=values, status=422
        )
    data = NoticeIn(
        **dates,
        **{name: values[name].strip() or None for name in NOTICE_TEXTS},
        lead_months=lead,
    )
    try:
        services.set_notice(session, viewer.actor, version_id, data)
    except NotFound:
        raise
    except Error as e:
        discard(session, e)
        errors.add(None, explain(e))
        return _notice_page(
            request, session, viewer, version_id, errors=errors, values=values, status=e.status
        )
    return see_other(f"/versions/{version_id}/lifecycle", "notice-saved")


@router.post("/versions/{version_id}/lifecycle/publish")
def publish_notice(session: DbSession, viewer: Publisher, version_id: int) -> Response:
    services.publish_notice(session, viewer.actor, version_id)
    return see_other(f"/versions/{version_id}/lifecycle", "notice-published")
