"""HTML routes: the home page, error pages, static files, and the list of page routers.

Each page is thin: parse the form, call a service, render a template. Pages live in one
module per area (``auth_views``, ``mfa_views``, ``account_views``, ``admin_views``,
``audit_views``, ``product_views``, ``inventory_views``); each declares its access policy
with a dependency from :mod:`medsec.web.access` or ``public()``.

:data:`ROUTERS` lists the page routers. :func:`install` includes those that
``medsec.api.routes.ROUTERS`` does not already include, mounts ``/static`` and renders
HTML error pages for page URLs (API URLs keep their problem+json answers).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from medsec.accounts.actor import Actor
from medsec.accounts.authentication import SessionState
from medsec.accounts.dependencies import DbSession, public
from medsec.accounts.roles import ROLE_DESCRIPTIONS, Permission
from medsec.api.routing import OneThreadRoute
from medsec.education import views as education_views
from medsec.errors import Error
from medsec.escalation import views as escalation_views
from medsec.web import (
    account_views,
    admin_views,
    advisory_views,
    alert_rule_views,
    audit_views,
    auth_views,
    csaf_consumer_views,
    disclosure_views,
    feed_views,
    findings_views,
    inventory_views,
    mds2_views,
    mfa_views,
    monitoring_views,
    network_views,
    oidc_views,
    product_views,
    sbom_views,
    update_plan_views,
    update_setup_views,
    update_views,
)
from medsec.web.access import SignInRequired, Viewer, step_url, viewer_if_signed_in
from medsec.web.rendering import STATIC, render

#: URL prefixes answered by the API with problem+json (as in ``medsec.app``).
API_PREFIXES = ("/api/", "/public/", "/healthz", "/readyz")

home_router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

ROUTERS: list[APIRouter] = [
    home_router,
    auth_views.router,
    oidc_views.router,
    mfa_views.router,
    account_views.router,
    admin_views.router,
    audit_views.router,
    product_views.router,
    mds2_views.router,
    update_views.router,
    network_views.router,
    inventory_views.router,
    disclosure_views.router,
    update_plan_views.router,
    update_setup_views.router,
    sbom_views.router,
    monitoring_views.router,
    alert_rule_views.router,
    escalation_views.router,
    education_views.router,
    feed_views.router,
    # before advisory_views: its /advisories/{advisory_id} would take /advisories/subscriptions
    csaf_consumer_views.router,
    advisory_views.router,
    findings_views.router,
]


@dataclass(frozen=True)
class Task:
    href: str
    title: str
    text: str


def tasks_for(actor: Actor) -> list[Task]:
    """What this person can do here, by role and kind of organization."""
    kind = actor.organization_kind
    found: list[Task] = []
    if actor.can(Permission.PRODUCTS_WRITE) and kind.is_manufacturer:
        found.append(
            Task(
                "/products/upload",
                "Upload a product security profile",
                "Validate and lint a profile (YAML or JSON) and keep it as a draft.",
            )
        )
    if actor.can(Permission.PRODUCTS_READ):
        found.append(
            Task(
                "/products",
                "Products",
                "Your organization's products and the products it holds, with "
                "their security guides, security.txt and profiles.",
            )
        )
    if actor.can(Permission.PRODUCTS_PUBLISH) and kind.is_manufacturer:
        found.append(
            Task(
                "/products",
                "Publish a version",
                "Open a draft without lint errors and publish it to customers.",
            )
        )
    if actor.can(Permission.PRODUCTS_WRITE) and kind.is_manufacturer:
        found.append(
            Task(
                "/advisories",
                "Write a security advisory",
                "CSAF 2.0 from your profiles, readability checked; publishing notifies "
                "every hospital that holds the product.",
            )
        )
    if actor.can(Permission.PRODUCTS_READ) and kind.is_provider:
        found.append(
            Task(
                "/advisories/received",
                "Received advisories",
                "Advisories manufacturers sent you about products you hold; acknowledge them.",
            )
        )
    if actor.can(Permission.HOLDINGS_MANAGE) and kind.is_provider:
        found.append(
            Task(
                "/catalog",
                "Choose the products you hold",
                "Hold a published product to follow its security information.",
            )
        )
    if actor.can(Permission.INVENTORY_READ) and kind.is_provider:
        found.append(
            Task(
                "/inventory",
                "Device inventory",
                "Sites, zones and assets with firmware, addresses and clinical criticality; "
                "import CSV/JSON.",
            )
        )
    if actor.can(Permission.USERS_MANAGE):
        found.append(
            Task(
                "/admin/users",
                "Manage users",
                "Create accounts, change roles, disable, delete, reset MFA.",
            )
        )
    elif actor.can(Permission.USERS_READ):
        found.append(Task("/admin/users", "Users", "See who has access and with which role."))
    if actor.can(Permission.USERS_READ):
        found.append(
            Task(
                "/admin/access-review",
                "Review user access",
                "Every account with its role, MFA and last login; CSV and JSON.",
            )
        )
    if actor.can(Permission.ORGANIZATION_MANAGE):
        found.append(Task("/admin/policy", "MFA policy", "Choose which roles must use MFA."))
    if actor.can(Permission.AUDIT_READ):
        found.append(Task("/audit", "Audit log", "Search the organization's security events."))
    found.append(
        Task("/account", "Your account", "Sessions, API tokens, password and authenticator app.")
    )
    return found


@home_router.get("/", dependencies=[public()])
def home(request: Request, session: DbSession) -> Response:
    """What the signed-in person can do; a login link for everyone else."""
    viewer = viewer_if_signed_in(request, session)
    if viewer is not None and viewer.state is not SessionState.OK:
        return RedirectResponse(step_url(viewer.state), status_code=303)
    return render(
        request,
        "home.html",
        viewer=viewer,
        tasks=tasks_for(viewer.actor) if viewer else [],
        role_description=ROLE_DESCRIPTIONS[viewer.actor.role] if viewer else "",
    )


# --------------------------------------------------------------------------- errors


class HttpError(Error):
    """A framework-level refusal (unknown URL, wrong method, malformed query) on a page."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title


def error_page(request: Request, error: Error) -> Response:
    """The HTML answer to an :class:`Error` raised by a page (the API answers problem+json)."""
    if isinstance(error, SignInRequired):
        if request.headers.get("hx-request"):
            # An htmx request would swap the login page into a fragment; reload instead.
            return Response(status_code=204, headers={"HX-Redirect": error.location})
        return RedirectResponse(error.location, status_code=303)
    viewer = getattr(request.state, "viewer", None)
    return render(
        request,
        "error.html",
        viewer=viewer if isinstance(viewer, Viewer) else None,
        status=error.status,
        error=error,
    )


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES)


Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


async def _delegate(handler: Handler, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    return await result if inspect.isawaitable(result) else result


def _html_errors(app: FastAPI) -> None:
    """Unknown pages, wrong methods and malformed page URLs get HTML error pages; the API's
    handlers (``medsec.api.problems``) still answer for API URLs."""
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_validation = app.exception_handlers.get(RequestValidationError)

    async def on_http(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, StarletteHTTPException):
            raise exc
        if _is_api(request) and api_http is not None:
            return await _delegate(api_http, request, exc)
        titles = {404: "Not found", 405: "Method not allowed"}
        message = {
            404: "There is no page at this address.",
            405: "This address does not answer that kind of request.",
        }
        return error_page(
            request,
            HttpError(
                exc.status_code,
                titles.get(exc.status_code, "Request refused"),
                message.get(exc.status_code, str(exc.detail)),
            ),
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, RequestValidationError):
            raise exc
        if _is_api(request) and api_validation is not None:
            return await _delegate(api_validation, request, exc)
        where = "; ".join(
            ".".join(str(p) for p in e["loc"][1:]) + f": {e['msg']}" for e in exc.errors()
        )
        return error_page(
            request,
            HttpError(422, "The request is not valid", f"This address is not valid ({where})."),
        )

    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)


def install(app: FastAPI) -> None:
    """Mount the HTML pages and static files."""
    from medsec.api.routes import ROUTERS as API_ROUTERS  # imported here: it may list ours

    for router in ROUTERS:
        if router not in API_ROUTERS:
            app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _html_errors(app)
