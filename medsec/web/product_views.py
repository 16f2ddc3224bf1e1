"""Products and their profile versions: upload, review lint findings, publish, compare,
and (for healthcare providers) the catalog of published products to hold.

The derived documents are served by the API (``/api/v1/profile-versions/{id}/artifacts/…``),
which accepts the session cookie, so the pages only link to them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import AuthenticationRequired, DocumentError, Error
from medsec.products import services
from medsec.products.artifacts import Artifact
from medsec.products.models import ProfileVersion
from medsec.web import sbom_views
from medsec.web.access import Viewer, discard, page
from medsec.web.account_views import reauth_page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.PRODUCTS_READ)]
Writer = Annotated[Viewer, page(Permission.PRODUCTS_WRITE)]
Publisher = Annotated[Viewer, page(Permission.PRODUCTS_PUBLISH)]
Holder = Annotated[Viewer, page(Permission.HOLDINGS_MANAGE)]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@router.get("/products")
def products(request: Request, session: DbSession, viewer: Reader) -> Response:
    """The organization's own products (all versions) and the products it holds."""
    found = services.list_products(session, viewer.actor)
    own = [p for p in found if p.organization_id == viewer.actor.organization_id]
    held = [p for p in found if p.organization_id != viewer.actor.organization_id]
    versions = {p.id: services.versions(session, viewer.actor, p.id) for p in found}
    return render(
        request, "products/index.html", viewer=viewer, own=own, held=held, versions=versions
    )


# --------------------------------------------------------------------------- upload


def _upload_page(
    request: Request,
    viewer: Viewer,
    *,
    errors: FormErrors | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "products/upload.html",
        viewer=viewer,
        status=status,
        errors=errors or FormErrors(),
        problems=problems or [],
        manufacturer=viewer.actor.organization_kind.is_manufacturer,
        max_bytes=services.MAX_UPLOAD_BYTES,
    )


@router.get("/products/upload")
def upload_page(request: Request, viewer: Writer) -> Response:
    return _upload_page(request, viewer)


@router.post("/products/upload")
async def upload(
    request: Request,
    session: DbSession,
    viewer: Writer,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Validate, lint and store the profile as a draft; show every problem if invalid."""
    errors = FormErrors()
    if file is None or not file.filename:
        errors.add("file", "Choose a profile file (YAML or JSON).")
        return _upload_page(request, viewer, errors=errors, status=422)
    content = await file.read(services.MAX_UPLOAD_BYTES + 1)
    try:
        version = services.upload(session, viewer.actor, file.filename, content)
    except DocumentError as e:
        discard(session, e)
        errors.add(
            "file",
            f"{e.source} is not a valid profile: {len(e.problems)} problem(s), listed below.",
        )
        problems = [
            f"{p.location.line}:{p.location.column}"
            + (f" {p.location.path}" if p.location.path else "")
            + f": {p.message}"
            for p in e.problems
        ]
        return _upload_page(request, viewer, errors=errors, problems=problems, status=422)
    except Error as e:
        discard(session, e)
        errors.add("file", explain(e))
        return _upload_page(request, viewer, errors=errors, status=e.status)
    return see_other(f"/versions/{version.id}", "uploaded")


# --------------------------------------------------------------------------- versions


def _version_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    version: ProfileVersion,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    product = version.product
    own = product.organization_id == viewer.actor.organization_id
    others = [v for v in services.versions(session, viewer.actor, product.id) if v.id != version.id]
    lint: dict[str, Any] = version.lint or {}
    findings = sorted(
        lint.get("findings", []),
        key=lambda f: (
            SEVERITY_ORDER.get(f.get("severity"), 9),
            f.get("line", 0),
            f.get("rule", ""),
        ),
    )
    summary = lint.get("summary", {"errors": 0, "warnings": 0, "info": 0})
    return render(
        request,
        "products/version.html",
        viewer=viewer,
        status=status,
        error=error,
        version=version,
        product=product,
        own=own,
        others=others,
        findings=findings,
        summary=summary,
        coverage=sorted(lint.get("coverage", {}).items()),
        artifacts=[a.value for a in Artifact],
        sbom_section=sbom_views.version_section(session, viewer, version),
        can_publish=(
            own and version.status == "draft" and viewer.actor.can(Permission.PRODUCTS_PUBLISH)
        ),
    )


@router.get("/versions/{version_id}")
def version_page(request: Request, session: DbSession, viewer: Reader, version_id: int) -> Response:
    version = services.get_version(session, viewer.actor, version_id)
    return _version_page(request, session, viewer, version)


@router.post("/versions/{version_id}/publish")
def publish(request: Request, session: DbSession, viewer: Publisher, version_id: int) -> Response:
    try:
        services.publish(session, viewer.actor, version_id)
    except AuthenticationRequired as e:
        discard(session, e)
        return reauth_page(request, viewer, reason=explain(e), next_url=f"/versions/{version_id}")
    except Error as e:
        discard(session, e)
        version = services.get_version(session, viewer.actor, version_id)
        return _version_page(request, session, viewer, version, error=explain(e), status=e.status)
    return see_other(f"/versions/{version_id}", "published")


@router.get("/versions/{version_id}/compare")
def compare_form(viewer: Reader, version_id: int, other: int) -> Response:
    """The compare form is a GET form; this turns its choice into the diff page's URL."""
    return see_other(f"/versions/{other}/diff/{version_id}")


@router.get("/versions/{old_id}/diff/{new_id}")
def diff(
    request: Request, session: DbSession, viewer: Reader, old_id: int, new_id: int
) -> Response:
    old = services.get_version(session, viewer.actor, old_id)
    new = services.get_version(session, viewer.actor, new_id)
    changes = services.compare(session, viewer.actor, old_id, new_id)
    return render(request, "products/diff.html", viewer=viewer, old=old, new=new, changes=changes)


# --------------------------------------------------------------------------- catalog


@router.get("/catalog")
def catalog(request: Request, session: DbSession, viewer: Reader) -> Response:
    """Published products; healthcare providers choose the ones they hold."""
    entries = services.catalog(session, viewer.actor)
    held = {
        p.id
        for p in services.list_products(session, viewer.actor)
        if p.organization_id != viewer.actor.organization_id
    }
    can_hold = (
        viewer.actor.can(Permission.HOLDINGS_MANAGE) and viewer.actor.organization_kind.is_provider
    )
    return render(
        request,
        "products/catalog.html",
        viewer=viewer,
        entries=entries,
        held=held,
        own_org=viewer.actor.organization_id,
        can_hold=can_hold,
    )


@router.post("/catalog/{product_id}/hold")
def hold(session: DbSession, viewer: Holder, product_id: int) -> Response:
    services.hold(session, viewer.actor, product_id)
    return see_other("/catalog", "held")


@router.post("/catalog/{product_id}/release")
def release(session: DbSession, viewer: Holder, product_id: int) -> Response:
    services.release(session, viewer.actor, product_id)
    return see_other("/catalog", "released")
